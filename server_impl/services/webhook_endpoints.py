"""Use cases of webhook endpoints: create (secret shown once), update, delete, enable, disable, rotate.

Writes take an entered unit of work and do not commit (the caller commits, through the idempotency
guard for POSTs). Secrets are sealed with the :class:`SecretBox` before they reach the repository:
the clear secret exists only in the response of create and rotate, and in the worker while it signs.
The URL is checked here (shape and, unless the deployment allows private targets, the addresses
its host resolves to now) and again by the worker before every attempt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Protocol

from server_impl.domain.clock import utc_now
from server_impl.domain.errors import InvalidStateTransition, NotFound
from server_impl.domain.ids import new_id
from server_impl.domain.principal import CallContext
from server_impl.domain.tenancy import Environment
from server_impl.domain.webhook_urls import IPAddress, check_target, ip_literal, parse_url
from server_impl.domain.webhooks import EndpointStatus, WebhookEndpoint, new_secret
from server_impl.services import audit
from server_impl.services.ports import Page, UnitOfWork

UPDATABLE = frozenset({"url", "description", "event_types"})


class SecretBox(Protocol):
    """Seals secrets kept at rest and opens them again (``server_impl.adapters.secret_box``)."""

    def seal(self, plain: str) -> str:
        """Return the sealed text of ``plain``."""

    def unseal(self, sealed: str) -> str:
        """Return the clear text of a sealed secret."""


class Resolver(Protocol):
    """Resolves a host name to its addresses (the DNS seam; tests substitute their own)."""

    def __call__(self, host: str, port: int) -> list[IPAddress]:
        """Return the addresses of ``host`` (empty when it does not resolve)."""


@dataclasses.dataclass(frozen=True)
class UrlPolicy:
    """How webhook URLs are checked.

    Attributes:
        allow_private: Accept loopback and private targets (tests, the local demo).
        resolver: Resolves host names.
    """

    allow_private: bool
    resolver: Resolver

    def check(self, url: str, environment: Environment, pointer: str = "/url") -> None:
        """Refuse a URL that is malformed, plain http for live, or resolves to an internal address.

        A host that does not resolve now is accepted: the worker checks every attempt anyway.

        Raises:
            ValidationFailed: Naming ``pointer``.
        """
        parts = parse_url(url, live=environment is Environment.LIVE, pointer=pointer)
        host = parts.hostname or ""
        literal = ip_literal(host)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        addresses = [literal] if literal is not None else ([] if self.allow_private else self.resolver(host, port))
        check_target(host, addresses, allow_private=self.allow_private, pointer=pointer)


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat().replace("+00:00", "Z")


def endpoint_document(endpoint: WebhookEndpoint, environment: str, now: datetime) -> dict[str, Any]:
    """Return an endpoint in its contract shape (``WebhookEndpoint``, as JSON; never a secret).

    The API's answers and the ``webhook_endpoint.*`` events both use it.
    """
    return {
        "id": endpoint.id,
        "object": "webhook_endpoint",
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": list(endpoint.event_types),
        "status": endpoint.status.value,
        "disabled_reason": endpoint.disabled_reason,
        "environment": environment,
        "secret_last_four": endpoint.secret_last_four,
        "previous_secret_expires_at": _iso(endpoint.previous_expiry_at(now)),
        "created_at": _iso(endpoint.created_at),
        "updated_at": _iso(endpoint.updated_at),
    }


def _load(uow: UnitOfWork, endpoint_id: str) -> WebhookEndpoint:
    endpoint = uow.webhook_endpoints.get(endpoint_id)
    if endpoint is None:
        raise NotFound("webhook_endpoint", endpoint_id)
    return endpoint


def _audit(
    uow: UnitOfWork,
    context: CallContext,
    action: str,
    endpoint: WebhookEndpoint,
    *,
    before: Mapping[str, Any] | None,
    now: datetime,
) -> None:
    audit.record(
        uow,
        context,
        action=f"webhook_endpoint.{action}",
        resource_type="webhook_endpoint",
        resource_id=endpoint.id,
        before=before,
        after=endpoint.snapshot(),
        now=now,
    )


def create_endpoint(
    uow: UnitOfWork,
    context: CallContext,
    fields: Mapping[str, Any],
    *,
    box: SecretBox,
    urls: UrlPolicy,
    now: datetime | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Create an enabled endpoint in the caller's tenant.

    Args:
        uow: An entered unit of work of the caller's tenant (not committed here).
        context: The caller.
        fields: ``url``, ``event_types`` and optionally ``description``.
        box: Seals the new secret.
        urls: Checks the URL.
        now: The current time (tests).

    Returns:
        The endpoint and its clear secret (to show once).

    Raises:
        ValidationFailed: On a refused URL.
    """
    urls.check(fields["url"], context.principal.environment)
    now = now or utc_now()
    secret = new_secret()
    endpoint = WebhookEndpoint(
        id=new_id("whe"),
        url=fields["url"],
        description=fields.get("description"),
        event_types=tuple(fields["event_types"]),
        secret=box.seal(secret),
        secret_last_four=secret[-4:],
        created_at=now,
        updated_at=now,
    )
    uow.webhook_endpoints.add(endpoint)
    _audit(uow, context, "created", endpoint, before=None, now=now)
    return endpoint, secret


def get_endpoint(uow: UnitOfWork, endpoint_id: str) -> WebhookEndpoint:
    """Return an endpoint of the tenant.

    Raises:
        NotFound: Outside the tenant.
    """
    return _load(uow, endpoint_id)


def list_endpoints(uow: UnitOfWork, *, status: str | None, limit: int, before_id: str | None) -> Page[WebhookEndpoint]:
    """Return the tenant's endpoints newest first."""
    return uow.webhook_endpoints.list(status=status, limit=limit, before_id=before_id)


def update_endpoint(
    uow: UnitOfWork,
    context: CallContext,
    endpoint_id: str,
    changes: Mapping[str, Any],
    *,
    urls: UrlPolicy,
    precondition: Callable[[WebhookEndpoint], None] | None = None,
    now: datetime | None = None,
) -> WebhookEndpoint:
    """Change the URL, description or event types; queued deliveries go to the new URL.

    Raises:
        NotFound: Outside the tenant.
        PreconditionFailed: From ``precondition`` (the handler's ``If-Match``).
        ValidationFailed: On a refused URL.
    """
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise ValueError(f"not webhook endpoint fields: {sorted(unknown)}")
    current = _load(uow, endpoint_id)
    if precondition is not None:
        precondition(current)
    if "url" in changes:
        urls.check(changes["url"], context.principal.environment)
    values = dict(changes)
    if "event_types" in values:
        values["event_types"] = tuple(values["event_types"])
    updated = dataclasses.replace(current, **values)
    if updated.snapshot() == current.snapshot():
        return current
    updated.version, updated.updated_at = current.version + 1, now or utc_now()
    uow.webhook_endpoints.save(updated)
    _audit(uow, context, "updated", updated, before=current.snapshot(), now=updated.updated_at)
    return updated


def delete_endpoint(uow: UnitOfWork, context: CallContext, endpoint_id: str, *, now: datetime | None = None) -> None:
    """Delete an endpoint; its pending deliveries are dropped with it.

    Raises:
        NotFound: Outside the tenant.
    """
    endpoint = _load(uow, endpoint_id)
    uow.webhook_endpoints.delete(endpoint_id)
    audit.record(
        uow,
        context,
        action="webhook_endpoint.deleted",
        resource_type="webhook_endpoint",
        resource_id=endpoint_id,
        before=endpoint.snapshot(),
        after=None,
        now=now,
    )


def set_enabled(
    uow: UnitOfWork, context: CallContext, endpoint_id: str, *, enabled: bool, now: datetime | None = None
) -> WebhookEndpoint:
    """Enable a disabled endpoint or disable (``manual``) an enabled one.

    Raises:
        NotFound: Outside the tenant.
        InvalidStateTransition: Already in the requested status.
    """
    endpoint = _load(uow, endpoint_id)
    target = EndpointStatus.ENABLED if enabled else EndpointStatus.DISABLED
    if endpoint.status is target:
        allowed = ("disable",) if enabled else ("enable",)
        raise InvalidStateTransition(f"The endpoint is already {target.value}.", endpoint.status.value, allowed)
    before = endpoint.snapshot()
    now = now or utc_now()
    endpoint.status = target
    endpoint.disabled_reason = None if enabled else "manual"
    endpoint.failing_since = None
    endpoint.version, endpoint.updated_at = endpoint.version + 1, now
    uow.webhook_endpoints.save(endpoint)
    _audit(uow, context, "enabled" if enabled else "disabled", endpoint, before=before, now=now)
    return endpoint


def rotate_secret(
    uow: UnitOfWork,
    context: CallContext,
    endpoint_id: str,
    *,
    overlap: timedelta,
    box: SecretBox,
    now: datetime | None = None,
) -> tuple[WebhookEndpoint, str]:
    """Give the endpoint a new secret; the current one keeps signing for ``overlap``.

    Rotating again ends an earlier overlap at once (only the latest previous secret signs).

    Returns:
        The endpoint and its new clear secret (to show once).

    Raises:
        NotFound: Outside the tenant.
    """
    endpoint = _load(uow, endpoint_id)
    before = endpoint.snapshot()
    now = now or utc_now()
    secret = new_secret()
    endpoint.previous_secret = endpoint.secret if overlap > timedelta(0) else None
    endpoint.previous_secret_expires_at = now + overlap if overlap > timedelta(0) else None
    endpoint.secret, endpoint.secret_last_four = box.seal(secret), secret[-4:]
    endpoint.version, endpoint.updated_at = endpoint.version + 1, now
    uow.webhook_endpoints.save(endpoint)
    _audit(uow, context, "secret_rotated", endpoint, before=before, now=now)
    return endpoint, secret
