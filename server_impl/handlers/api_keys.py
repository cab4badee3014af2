"""``ApiKeysHandlers``: create (secret shown once), list, get, revoke and rotate API keys.

The generated security already demands ``write:api_keys`` (owners and admins hold it; members and
viewers do not) and the use cases refuse to grant more than the caller holds. A retried creation or
rotation with the same ``Idempotency-Key`` returns the same secret: the stored response holds it
sealed (:mod:`server_impl.web.sealing`), never in clear.
"""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from typing import Any, Literal, NoReturn

from starlette.responses import Response

from generated import models
from generated.server.api_keys import ApiKeysHandlers
from generated.server.runtime import RequestContext
from server_impl.domain.api_keys import ApiKey
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import FieldError, NotFound, ValidationFailed
from server_impl.domain.idempotency import StoredResponse
from server_impl.domain.principal import ActorType, Principal
from server_impl.domain.tenancy import Environment
from server_impl.handlers.announce import announce
from server_impl.handlers.common import caller_of, decode_cursor, page_cursor, principal_of, read
from server_impl.services import api_key_rotation as rotation
from server_impl.services import api_keys as use_cases
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.key_cache import KeyCache
from server_impl.services.ports import UnitOfWork, UnitOfWorkFactory
from server_impl.web.conditional import etag_for
from server_impl.web.idempotent import idempotent_write
from server_impl.web.problems import ImmediateResponse
from server_impl.web.sealing import PREFIX, seal, unseal

PATH = "/api/public/v1/api-keys"


@dataclasses.dataclass(frozen=True)
class KeyView:
    """A key with what its representation derives from its neighbours in a rotation chain."""

    key: ApiKey
    previous_key_expires_at: datetime | None
    updated_at: datetime


def view_of(uow: UnitOfWork, key: ApiKey) -> KeyView:
    """Return the key with its predecessor's expiry and the time it last changed."""
    previous = uow.api_keys.predecessor(key.id)
    successor = uow.api_keys.get(key.rotated_to_id) if key.rotated_to_id else None
    changes = [key.created_at, key.revoked_at, successor.created_at if successor else None]
    return KeyView(key, previous.expires_at if previous else None, max(t for t in changes if t is not None))


def api_key_fields(view: KeyView, now: datetime) -> dict[str, Any]:
    """Return the contract fields of a key (never its hash; the secret is added by create and rotate)."""
    key = view.key
    return {
        "id": key.id,
        "object": "api_key",
        "name": key.name,
        "status": key.state_at(now),
        "environment": key.environment.value,
        "prefix": key.prefix,
        "last_four": key.last_four,
        "scopes": list(key.scopes),
        "rate_limit_per_minute": key.per_minute,
        "rate_limit_per_day": key.per_day,
        "created_by": {"type": key.created_by_type, "id": key.created_by_id},
        "expires_at": key.expires_at,
        "last_used_at": key.last_used_at,
        "revoked_at": key.revoked_at,
        "previous_key_expires_at": view.previous_key_expires_at,
        "created_at": key.created_at,
        "updated_at": view.updated_at,
    }


def _dto(view: KeyView, now: datetime) -> models.ApiKey:
    return models.ApiKey.model_validate(api_key_fields(view, now))


def _etag(key: ApiKey) -> str:
    return etag_for(key.id, f"{key.expires_at.isoformat()}|{key.revoked_at}|{key.rotated_to_id}")


class ApiKeys(ApiKeysHandlers):
    """API key management over :mod:`server_impl.services.api_keys`."""

    def __init__(
        self, uow_factory: UnitOfWorkFactory, policy: IdempotencyPolicy, pepper: bytes, seal_key: bytes, keys: KeyCache
    ) -> None:
        self._keys = keys
        self._uow = uow_factory
        self._policy = policy
        self._pepper = pepper
        self._seal_key = seal_key

    async def list_api_keys(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        environment: Literal["live", "test"] | None,
        status: models.ApiKeyStatus | None,
        x_organization_id: str,
    ) -> models.ApiKeyList:
        """List the keys of the caller's organization and environment, newest first (never a secret)."""
        principal = principal_of(context)
        after = decode_cursor(cursor)
        now = utc_now()

        def work(uow: UnitOfWork) -> tuple[list[KeyView], bool]:
            if environment is not None and environment != principal.environment.value:
                return [], False  # a credential sees its own environment only
            page = uow.api_keys.list(limit=limit, before_id=after, status=status.value if status else None, now=now)
            return [view_of(uow, key) for key in page.items], page.has_more

        views, has_more = await read(self._uow, principal, work)
        next_cursor = page_cursor(context, [view.key.id for view in views], has_more)
        data = [models.ApiKey.model_validate(api_key_fields(view, now)) for view in views]
        return models.ApiKeyList(object="list", data=data, has_more=has_more, next_cursor=next_cursor)

    async def get_api_key(self, context: RequestContext, *, api_key_id: str, x_organization_id: str) -> models.ApiKey:
        """Get a key (never its secret)."""

        def work(uow: UnitOfWork) -> KeyView:
            key = uow.api_keys.get(api_key_id)
            if key is None:
                raise NotFound("api_key", api_key_id)
            return view_of(uow, key)

        view = await read(self._uow, principal_of(context), work)
        context.response.headers["ETag"] = _etag(view.key)
        return models.ApiKey.model_validate(api_key_fields(view, utc_now()))

    async def create_api_key(
        self, context: RequestContext, *, x_organization_id: str, idempotency_key: str | None, body: models.ApiKeyCreate
    ) -> models.ApiKeyWithSecret:
        """Create a key; the answer carries its secret, the only time it is shown."""
        caller = caller_of(context)
        principal = caller.principal
        request = _new_key(body, utc_now())
        # A user session (live) may create test keys: the key, its audit event and the idempotency
        # record then live in the test tenant. An API key stays in its own environment (422).
        writer = principal
        if principal.actor_type is ActorType.USER:
            writer = dataclasses.replace(principal, environment=request.environment)
            caller = dataclasses.replace(caller, principal=writer)

        def work(uow: UnitOfWork) -> StoredResponse:
            key, secret = use_cases.create_key_in(uow, caller, principal.organization_id, request, pepper=self._pepper)
            view = KeyView(key, None, key.created_at)
            announce(uow, caller, "api_key.created", _dto(view, key.created_at))
            return self._with_secret(201, view, secret, (("Location", f"{PATH}/{key.id}"), ("ETag", _etag(key))))

        await self._write_once(context, writer, work)

    async def revoke_api_key(
        self, context: RequestContext, *, api_key_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.ApiKey:
        """Revoke a key at once (revoking twice changes nothing)."""
        caller = caller_of(context)

        def work(uow: UnitOfWork) -> StoredResponse:
            before = uow.api_keys.get(api_key_id)
            key = use_cases.revoke_key_in(uow, caller, api_key_id)
            now = utc_now()
            view = view_of(uow, key)
            dto = _dto(view, now)
            if before is not None and before.revoked_at is None:
                announce(uow, caller, "api_key.revoked", dto, _dto(view_of(uow, before), now))
            return StoredResponse(200, dto.model_dump_json(by_alias=True).encode(), (("ETag", _etag(key)),))

        await self._write_once(context, caller.principal, work)

    async def rotate_api_key(
        self,
        context: RequestContext,
        *,
        api_key_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.ApiKeyRotate | None,
    ) -> models.ApiKeyWithSecret:
        """Replace a key by a new one with the same grants; the old secret works for the overlap."""
        caller = caller_of(context)
        overlap = timedelta(seconds=(body or models.ApiKeyRotate()).overlap_seconds)

        def work(uow: UnitOfWork) -> StoredResponse:
            old = uow.api_keys.get(api_key_id)
            before = None if old is None else _dto(view_of(uow, old), utc_now())
            new, secret = rotation.rotate_key_in(uow, caller, api_key_id, pepper=self._pepper, overlap=overlap)
            previous = uow.api_keys.get(api_key_id)
            if previous is not None:
                announce(uow, caller, "api_key.rotated", _dto(view_of(uow, previous), utc_now()), before)
            view = KeyView(new, previous.expires_at if previous else None, new.created_at)
            return self._with_secret(200, view, secret, (("Location", f"{PATH}/{new.id}"), ("ETag", _etag(new))))

        await self._write_once(context, caller.principal, work)

    def _with_secret(
        self, status: int, view: KeyView, secret: str, headers: tuple[tuple[str, str], ...]
    ) -> StoredResponse:
        fields = api_key_fields(view, view.key.created_at)
        dto = models.ApiKeyWithSecret.model_validate({**fields, "secret": secret})
        data = dto.model_dump(mode="json", by_alias=True)
        data["secret"] = seal(secret, self._seal_key)
        return StoredResponse(status, json.dumps(data, separators=(",", ":")).encode(), headers)

    async def _write_once(self, context: RequestContext, principal: Principal, work: Any) -> NoReturn:
        response = await idempotent_write(context.request, principal, self._uow, work, self._policy)
        if context.operation_id != "createApiKey":
            self._keys.clear()  # a revoked or rotated key stops working in this process at once
        raise ImmediateResponse(self._unsealed(response))

    def _unsealed(self, response: Response) -> Response:
        if response.status_code >= 300:  # pragma: no cover - failures raise instead of being stored
            return response
        data = json.loads(bytes(response.body))
        if isinstance(data.get("secret"), str) and data["secret"].startswith(PREFIX):
            data["secret"] = unseal(data["secret"], self._seal_key)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "content-type"}}
        body = json.dumps(data, separators=(",", ":")).encode()
        return Response(body, status_code=response.status_code, media_type="application/json", headers=headers)


def _new_key(body: models.ApiKeyCreate, now: datetime) -> use_cases.NewKey:
    fields = body.model_dump()
    if "expires_at" in fields and "expires_in_days" in fields:
        raise ValidationFailed((FieldError("/expires_in_days", "Give expires_at or expires_in_days, not both."),))
    expires_at: datetime | None = fields.get("expires_at")
    if "expires_in_days" in fields:
        expires_at = now + timedelta(days=int(fields["expires_in_days"]))
    return use_cases.NewKey(
        name=body.name,
        scopes=tuple(scope.value for scope in body.scopes),
        environment=Environment(body.environment.value),
        expires_at=expires_at,
        per_minute=body.rate_limit_per_minute,
        per_day=body.rate_limit_per_day,
    )
