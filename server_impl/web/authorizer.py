"""The authorizer: the request pipeline each operation runs with the scopes the contract declares.

Steps, in order, each with the exact answer of the design: organization header (400
``organization_required``), credentials (400 ``ambiguous_credentials``, 401
``invalid_credentials``), organization access (403 ``organization_access_denied``, identical for
unknown organizations), rate limit (429 ``rate_limited``; counted only for accepted credentials),
scopes (403 ``missing_scope`` with ``required_scopes``). The result is the :class:`Principal`
whose tenant confines every query of the request.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fastapi import Request

from server_impl.adapters.ratelimit import RateLimiter
from server_impl.adapters.tokens import TokenVerifier
from server_impl.domain.api_keys import ApiKey, hash_secret
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import InvalidCredentials, OrganizationAccessDenied
from server_impl.domain.ids import is_id
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.scopes import ROLE_SCOPES
from server_impl.domain.tenancy import Environment
from server_impl.services.authentication import find_key, membership_for, needs_use_noted, note_use
from server_impl.services.key_cache import KeyCache
from server_impl.services.ports import UnitOfWorkFactory
from server_impl.web.database_work import run_reads, run_writes
from server_impl.web.edge import REQUEST_ID_STATE
from server_impl.web.problems import ProblemError


class ScopedRequirement(Protocol):
    """One security alternative of an operation, as the generated routes pass it."""

    @property
    def scopes(self) -> tuple[str, ...]:
        """Every scope the alternative requires."""
        ...


_MEMO_LIMIT = 4096  # entries of each per-object memo below (all forgotten at once past it)


@dataclass(frozen=True)
class _Caller:
    principal: Principal
    identity: str
    per_minute: int
    per_day: int


class Authorizer:
    """Authenticates, authorizes and rate-limits one request for one operation."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        *,
        pepper: bytes,
        tokens: TokenVerifier,
        limiter: RateLimiter,
        default_per_minute: int,
        default_per_day: int,
        keys: KeyCache | None = None,
    ) -> None:
        self.keys = keys or KeyCache(0)
        self._key_callers: dict[str, tuple[ApiKey, _Caller]] = {}
        self._alternatives: dict[int, tuple[Sequence[ScopedRequirement], list[tuple[str, ...]]]] = {}
        self._uow_factory = uow_factory
        self._pepper = pepper
        self._tokens = tokens
        self._limiter = limiter
        self._default_per_minute = default_per_minute
        self._default_per_day = default_per_day

    async def __call__(self, request: Request, required_scopes: Sequence[str]) -> Principal:
        """Run the pipeline for a request to an operation requiring all of ``required_scopes``.

        Args:
            request: The request.
            required_scopes: The operation's declared scopes (all are required).

        Returns:
            The principal, also left in ``request.state.principal``.

        Raises:
            ProblemError: 400, 429 or 403 ``missing_scope``.
            InvalidCredentials: 401.
            OrganizationAccessDenied: 403.
        """
        return await self._run(request, [tuple(required_scopes)])

    async def authorize(
        self, request: Request, requirements: Sequence[ScopedRequirement], operation_id: str
    ) -> Principal:
        """Run the pipeline for a generated route (the ``generated.server.security.Authorizer`` port).

        Args:
            request: The request.
            requirements: The operation's security alternatives; satisfying one suffices.
            operation_id: The contract's operation id (for logs).

        Returns:
            The principal, also left in ``request.state.principal``.
        """
        del operation_id
        # A route passes the same requirements on every call: their scopes are read once.
        known = self._alternatives.get(id(requirements))
        if known is None or known[0] is not requirements:
            known = (requirements, [tuple(requirement.scopes) for requirement in requirements] or [()])
            if len(self._alternatives) >= _MEMO_LIMIT:  # routes pass a few hundred; anything else is forgotten
                self._alternatives.clear()
            self._alternatives[id(requirements)] = known
        return await self._run(request, known[1])

    async def _run(self, request: Request, alternatives: list[tuple[str, ...]]) -> Principal:
        organization_id = request.headers.get("x-organization-id", "")
        if not is_id(organization_id, "org"):
            raise ProblemError(
                400,
                "organization_required",
                "Send the id of the organization to act in as the 'x-organization-id' header (org_...).",
            )
        caller = await self._authenticate(request, organization_id)
        decision = await self._limiter.hit(caller.identity, caller.per_minute, caller.per_day)
        request.state.response_headers = decision.headers
        if not decision.allowed:
            raise ProblemError(
                429,
                "rate_limited",
                f"The {decision.window} rate limit of this credential is exhausted; retry in {decision.retry_after} s.",
                extra={"limit_window": decision.window, "retry_after": decision.retry_after},
            )
        held = caller.principal.scopes
        if not any(held.issuperset(scopes) for scopes in alternatives):
            gaps = [(caller.principal.missing_scopes(list(scopes)), scopes) for scopes in alternatives]
            missing, required = min(gaps, key=lambda gap: len(gap[0]))
            detail = "This credential lacks a scope the operation requires: " + ", ".join(missing) + "."
            raise ProblemError(403, "missing_scope", detail, extra={"required_scopes": list(required)})
        request.state.principal = caller.principal
        return caller.principal

    def require(self, *scopes: str) -> Callable[[Request], Awaitable[Principal]]:
        """Return a FastAPI dependency running the pipeline with the given scopes."""

        async def dependency(request: Request) -> Principal:
            return await self(request, scopes)

        return dependency

    async def _find_key(self, secret: str) -> ApiKey:
        now = utc_now()
        lookup = functools.partial(find_key, self._uow_factory, secret, self._pepper, now, self.keys)
        # A cached key needs no database, so it is found here even where reads go to the thread pool.
        cached = not self._uow_factory.inline and self.keys.get(hash_secret(secret, self._pepper)) is not None
        key = lookup() if cached else await run_reads(self._uow_factory, lookup)
        if needs_use_noted(key, now):
            await run_writes(self._uow_factory, lambda: note_use(self._uow_factory, key, now))
        return key

    def _key_caller(self, key: ApiKey) -> _Caller:
        # The key cache hands out the same key object until the key changes: so is its caller.
        known = self._key_callers.get(key.id)
        if known is not None and known[0] is key:
            return known[1]
        principal = Principal(
            key.organization_id, key.environment, ActorType.API_KEY, key.id, frozenset(key.scopes), key_id=key.id
        )
        caller = _Caller(principal, f"key:{key.id}", key.per_minute, key.per_day)
        if len(self._key_callers) >= _MEMO_LIMIT:
            self._key_callers.clear()
        self._key_callers[key.id] = (key, caller)
        return caller

    async def _authenticate(self, request: Request, organization_id: str) -> _Caller:
        api_key = request.headers.get("x-api-key")
        authorization = request.headers.get("authorization")
        if api_key is not None and authorization is not None:
            raise ProblemError(
                400, "ambiguous_credentials", "Send either 'x-api-key' or 'Authorization: Bearer', not both."
            )
        if api_key is not None:
            key = await self._find_key(api_key.strip())
            if key.organization_id != organization_id:
                raise OrganizationAccessDenied("This credential cannot act in that organization.")
            return self._key_caller(key)
        if authorization is None:
            raise InvalidCredentials(
                "missing", "Send an API key as 'x-api-key' or a user token as 'Authorization: Bearer <token>'."
            )
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise InvalidCredentials("malformed", "The Authorization header must be 'Bearer <token>'.", "Bearer")
        claims = self._tokens.verify(token.strip())
        try:
            membership = await run_reads(
                self._uow_factory, lambda: membership_for(self._uow_factory, claims.user_id, organization_id)
            )
        except OrganizationAccessDenied:
            raise OrganizationAccessDenied("This credential cannot act in that organization.") from None
        principal = Principal(
            organization_id, Environment.LIVE, ActorType.USER, claims.user_id, ROLE_SCOPES[membership.role]
        )
        return _Caller(
            principal, f"user:{claims.user_id}:{organization_id}", self._default_per_minute, self._default_per_day
        )


def call_context(request: Request, principal: Principal) -> CallContext:
    """Return the audit context of a request: principal, request id, client IP and user agent."""
    return CallContext(
        principal=principal,
        request_id=str(getattr(request.state, REQUEST_ID_STATE, "")),
        ip=request.client.host if request.client else None,
        user_agent=(request.headers.get("user-agent") or "")[:512] or None,
        idempotency_key=request.headers.get("idempotency-key") if request.method == "POST" else None,
    )
