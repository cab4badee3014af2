"""Who is calling: the principal an authorized request carries, and the context of a write."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from server_impl.domain.tenancy import Environment, Tenant


class ActorType(enum.StrEnum):
    """The kind of actor behind a request or an audit event."""

    API_KEY = "api_key"
    USER = "user"
    SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    """An authenticated caller, acting in one organization and environment.

    Attributes:
        organization_id: The organization named in ``x-organization-id``.
        environment: ``live`` or ``test``; with the organization, the tenant.
        actor_type: ``api_key``, ``user`` or ``system`` (the CLI).
        actor_id: The key id (``key_...``) or the user id (``usr_...``); ``None`` for the system.
        scopes: Everything the caller may do.
        key_id: The API key used, if any.
    """

    organization_id: str
    environment: Environment
    actor_type: ActorType
    actor_id: str | None
    scopes: frozenset[str]
    key_id: str | None = None

    @property
    def tenant(self) -> Tenant:
        """The tenant every query of this request is confined to."""
        return Tenant(self.organization_id, self.environment)

    def missing_scopes(self, required: tuple[str, ...] | list[str]) -> tuple[str, ...]:
        """Return the required scopes the principal lacks, in the given order."""
        return tuple(scope for scope in required if scope not in self.scopes)


@dataclass(frozen=True)
class CallContext:
    """A principal plus what the audit log records about the request that carries it."""

    principal: Principal
    request_id: str
    ip: str | None = None
    user_agent: str | None = None
    idempotency_key: str | None = None
