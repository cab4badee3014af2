"""Every generated router bound to its handlers: the app serves each operation of the contract.

Customers, services, API keys and audit events have real handlers; the other tags answer through
:class:`server_impl.handlers.later.NotYetAvailable` until their issues land.

Building the generated routers costs about half a second (FastAPI analyses every signature), so
they are built once per process and shared by every application: the routes find their handlers
and the pipeline in ``request.app.state`` (set by ``create_app``).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from fastapi import APIRouter, Request

from generated.server import (
    ROUTER_FACTORIES,
    ApiKeysHandlers,
    AuditEventsHandlers,
    Authorizer,
    CustomersHandlers,
    EstimatesHandlers,
    EventsHandlers,
    FilesHandlers,
    InvoicesHandlers,
    JobsHandlers,
    PaymentsHandlers,
    SecurityRequirement,
    ServicesHandlers,
    WebhookEndpointsHandlers,
    build_api_keys_router,
    build_audit_events_router,
    build_customers_router,
    build_estimates_router,
    build_events_router,
    build_files_router,
    build_invoices_router,
    build_jobs_router,
    build_payments_router,
    build_services_router,
    build_webhook_endpoints_router,
)
from server_impl.handlers.api_keys import ApiKeys
from server_impl.handlers.audit_events import AuditEvents
from server_impl.handlers.customers import Customers
from server_impl.handlers.estimates import Estimates
from server_impl.handlers.events import Events
from server_impl.handlers.files import Files
from server_impl.handlers.invoices import Invoices
from server_impl.handlers.jobs import Jobs
from server_impl.handlers.later import NotYetAvailable
from server_impl.handlers.payments import Payments
from server_impl.handlers.services import Services
from server_impl.handlers.webhook_endpoints import WebhookEndpoints
from server_impl.services.file_ports import FileStorage
from server_impl.services.files import Detector
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.key_cache import KeyCache
from server_impl.services.ports import UnitOfWorkFactory
from server_impl.services.webhook_endpoints import SecretBox, UrlPolicy
from server_impl.web.query_guard import check_query

IMPLEMENTED = frozenset(
    {
        build_customers_router,
        build_services_router,
        build_api_keys_router,
        build_audit_events_router,
        build_events_router,
        build_files_router,
        build_jobs_router,
        build_estimates_router,
        build_invoices_router,
        build_payments_router,
        build_webhook_endpoints_router,
    }
)


@dataclass(frozen=True)
class Handlers:
    """The handlers of one application, keyed by tag (``later`` holds the placeholders)."""

    customers: CustomersHandlers
    services: ServicesHandlers
    api_keys: ApiKeysHandlers
    audit_events: AuditEventsHandlers
    events: EventsHandlers
    files: FilesHandlers
    jobs: JobsHandlers
    estimates: EstimatesHandlers
    invoices: InvoicesHandlers
    payments: PaymentsHandlers
    webhook_endpoints: WebhookEndpointsHandlers
    later: dict[str, object]


def build_handlers(
    uow_factory: UnitOfWorkFactory,
    policy: IdempotencyPolicy,
    *,
    pepper: bytes,
    seal_key: bytes,
    keys: KeyCache,
    webhook_box: SecretBox,
    webhook_urls: UrlPolicy,
    file_storage: FileStorage,
    max_upload_bytes: int,
    detect_content_type: Detector,
) -> Handlers:
    """Return the handlers of one application.

    Args:
        uow_factory: Opens tenant-scoped units of work.
        policy: Idempotency key retention and lock timeout.
        pepper: The HMAC pepper of API keys.
        seal_key: Seals API key secrets inside stored idempotent responses.
        keys: The authenticated-key cache, cleared on revocation and rotation.
        webhook_box: Seals webhook signing secrets at rest.
        webhook_urls: Checks webhook endpoint URLs.
        file_storage: Where uploaded bytes are stored.
        max_upload_bytes: The largest accepted file.
        detect_content_type: Detects an upload's type from its first bytes.

    Returns:
        The handlers; ``create_app`` leaves them in ``app.state.handlers``.
    """
    later: dict[str, object] = {}
    for factory in ROUTER_FACTORIES:
        if factory not in IMPLEMENTED:
            tag = _tag(factory)
            later[tag] = NotYetAvailable(_protocol_of(factory), tag.replace("_", " ").capitalize())
    return Handlers(
        customers=Customers(uow_factory, policy),
        services=Services(uow_factory, policy),
        api_keys=ApiKeys(uow_factory, policy, pepper, seal_key, keys),
        audit_events=AuditEvents(uow_factory),
        events=Events(uow_factory),
        files=Files(uow_factory, policy, file_storage, max_upload_bytes=max_upload_bytes, detect=detect_content_type),
        jobs=Jobs(uow_factory, policy),
        estimates=Estimates(uow_factory, policy),
        invoices=Invoices(uow_factory, policy),
        payments=Payments(uow_factory, policy),
        webhook_endpoints=WebhookEndpoints(uow_factory, policy, seal_key=seal_key, box=webhook_box, urls=webhook_urls),
        later=later,
    )


def _tag(factory: Any) -> str:
    return str(factory.__name__).removeprefix("build_").removesuffix("_router")


def _protocol_of(factory: Any) -> type:
    module = importlib.import_module(factory.__module__)
    (name,) = [name for name in module.__all__ if name.endswith("Handlers")]
    protocol: type = getattr(module, name)
    return protocol


# Providers are plain calls of the generated routes, made on every request: a lookup, nothing more.
def _handlers(request: Request) -> Handlers:
    return cast(Handlers, request.app.state.handlers)


class _AppAuthorizer:
    """The ``Authorizer`` port, delegating to the pipeline of the application serving the request."""

    async def authorize(
        self, request: Request, requirements: Sequence[SecurityRequirement], operation_id: str
    ) -> object:
        authorizer: Authorizer = request.app.state.context.authorizer
        principal = await authorizer.authorize(request, requirements, operation_id)
        check_query(request)  # after the credentials: 401/403 come before 422
        return principal


def _customers(request: Request) -> CustomersHandlers:
    return _handlers(request).customers


def _services(request: Request) -> ServicesHandlers:
    return _handlers(request).services


def _api_keys(request: Request) -> ApiKeysHandlers:
    return _handlers(request).api_keys


def _audit_events(request: Request) -> AuditEventsHandlers:
    return _handlers(request).audit_events


def _events(request: Request) -> EventsHandlers:
    return _handlers(request).events


def _files(request: Request) -> FilesHandlers:
    return _handlers(request).files


def _jobs(request: Request) -> JobsHandlers:
    return _handlers(request).jobs


def _estimates(request: Request) -> EstimatesHandlers:
    return _handlers(request).estimates


def _invoices(request: Request) -> InvoicesHandlers:
    return _handlers(request).invoices


def _payments(request: Request) -> PaymentsHandlers:
    return _handlers(request).payments


def _webhook_endpoints(request: Request) -> WebhookEndpointsHandlers:
    return _handlers(request).webhook_endpoints


def _later(tag: str) -> Any:
    def provide(request: Request) -> object:
        return _handlers(request).later[tag]

    return provide


@functools.cache
def contract_routers() -> tuple[APIRouter, ...]:
    """Return one router per tag of the contract (``generated.server.ROUTER_FACTORIES``), built once.

    Returns:
        The routers, implemented tags first, then the rest in the generator's order.
    """
    authorizer = _AppAuthorizer()
    routers = [
        build_customers_router(_customers, authorizer),
        build_services_router(_services, authorizer),
        build_api_keys_router(_api_keys, authorizer),
        build_audit_events_router(_audit_events, authorizer),
        build_events_router(_events, authorizer),
        build_files_router(_files, authorizer),
        build_jobs_router(_jobs, authorizer),
        build_estimates_router(_estimates, authorizer),
        build_invoices_router(_invoices, authorizer),
        build_payments_router(_payments, authorizer),
        build_webhook_endpoints_router(_webhook_endpoints, authorizer),
    ]
    for factory in ROUTER_FACTORIES:
        if factory not in IMPLEMENTED:
            build: Any = factory
            routers.append(build(_later(_tag(factory)), authorizer))
    return tuple(routers)
