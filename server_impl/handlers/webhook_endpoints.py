"""``WebhookEndpointsHandlers``: endpoints (secret shown once, rotation), deliveries, retry and replay.

A retried creation or rotation with the same ``Idempotency-Key`` returns the same secret: the stored
response holds it sealed (:mod:`server_impl.web.sealing`), never in clear, as for API keys.
"""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
import json
from datetime import timedelta
from typing import Any, NoReturn

from starlette.responses import Response

from generated import models
from generated.server.runtime import RequestContext
from generated.server.webhook_endpoints import WebhookEndpointsHandlers
from server_impl.domain.clock import utc_now
from server_impl.domain.idempotency import StoredResponse
from server_impl.domain.principal import Principal
from server_impl.domain.webhooks import WebhookDelivery, WebhookEndpoint
from server_impl.handlers.common import (
    caller_of,
    decode_cursor,
    page_cursor,
    principal_of,
    read,
    stored,
    write,
)
from server_impl.services import webhook_deliveries as deliveries
from server_impl.services import webhook_endpoints as use_cases
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.ports import DeliveryFilter, UnitOfWork, UnitOfWorkFactory
from server_impl.services.webhook_endpoints import SecretBox, UrlPolicy
from server_impl.web.conditional import check_if_match, etag_for
from server_impl.web.idempotent import idempotent_write
from server_impl.web.problems import ImmediateResponse
from server_impl.web.sealing import PREFIX, seal, unseal

PATH = "/api/public/v1/webhook-endpoints"


def endpoint_dto(endpoint: WebhookEndpoint, principal: Principal) -> models.WebhookEndpoint:
    """Map an endpoint to its contract representation (never its secret)."""
    document = use_cases.endpoint_document(endpoint, principal.environment.value, utc_now())
    return models.WebhookEndpoint.model_validate(document)


def _delivery_fields(delivery: WebhookDelivery) -> dict[str, Any]:
    return {
        "id": delivery.id,
        "object": "webhook_delivery",
        "webhook_endpoint_id": delivery.webhook_endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event_type,
        "status": delivery.status.value,
        "trigger": delivery.trigger.value,
        "attempt_count": delivery.attempt_count,
        "last_attempt_at": delivery.last_attempt_at,
        "last_response_status": delivery.last_response_status,
        "next_attempt_at": delivery.next_attempt_at,
        "created_at": delivery.created_at,
        "updated_at": delivery.updated_at,
    }


def delivery_dto(delivery: WebhookDelivery) -> models.WebhookDelivery:
    """Map a delivery to its contract representation."""
    return models.WebhookDelivery.model_validate(_delivery_fields(delivery))


def delivery_with_attempts_dto(delivery: WebhookDelivery) -> models.WebhookDeliveryWithAttempts:
    """Map a delivery and its attempts (oldest first)."""
    attempts = [
        {
            "attempt_number": attempt.attempt_number,
            "attempted_at": attempt.attempted_at,
            "response_status": attempt.response_status,
            "latency_ms": attempt.latency_ms,
            "response_excerpt": attempt.response_excerpt,
            "error": attempt.error,
        }
        for attempt in delivery.attempts
    ]
    return models.WebhookDeliveryWithAttempts.model_validate({**_delivery_fields(delivery), "attempts": attempts})


def _etag(endpoint: WebhookEndpoint) -> str:
    return etag_for(endpoint.id, endpoint.version)


class WebhookEndpoints(WebhookEndpointsHandlers):
    """Webhook endpoints over :mod:`server_impl.services.webhook_endpoints` and ``webhook_deliveries``."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        policy: IdempotencyPolicy,
        *,
        seal_key: bytes,
        box: SecretBox,
        urls: UrlPolicy,
    ) -> None:
        self._uow = uow_factory
        self._policy = policy
        self._seal_key = seal_key
        self._box = box
        self._urls = urls

    async def list_webhook_endpoints(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        status: models.WebhookEndpointStatus | None,
        x_organization_id: str,
    ) -> models.WebhookEndpointList:
        """List the environment's endpoints newest first."""
        principal = principal_of(context)
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal,
            lambda uow: use_cases.list_endpoints(
                uow, status=status.value if status else None, limit=limit, before_id=after
            ),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        data = [endpoint_dto(item, principal) for item in page.items]
        return models.WebhookEndpointList(object="list", data=data, has_more=page.has_more, next_cursor=next_cursor)

    async def create_webhook_endpoint(
        self,
        context: RequestContext,
        *,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.WebhookEndpointCreate,
    ) -> models.WebhookEndpointWithSecret:
        """Create an endpoint; the answer carries its secret, the only time it is shown."""
        caller = caller_of(context)
        fields = body.model_dump(mode="json")

        def work(uow: UnitOfWork) -> StoredResponse:
            endpoint, secret = use_cases.create_endpoint(uow, caller, fields, box=self._box, urls=self._urls)
            headers = (("Location", f"{PATH}/{endpoint.id}"), ("ETag", _etag(endpoint)))
            return self._with_secret(201, endpoint, caller.principal, secret, headers)

        await self._write_once(context, caller.principal, work)

    async def get_webhook_endpoint(
        self, context: RequestContext, *, webhook_endpoint_id: str, x_organization_id: str
    ) -> models.WebhookEndpoint:
        """Get an endpoint (without its secret) with its ``ETag``."""
        principal = principal_of(context)
        endpoint = await read(self._uow, principal, lambda uow: use_cases.get_endpoint(uow, webhook_endpoint_id))
        context.response.headers["ETag"] = _etag(endpoint)
        return endpoint_dto(endpoint, principal)

    async def delete_webhook_endpoint(
        self, context: RequestContext, *, webhook_endpoint_id: str, x_organization_id: str
    ) -> Response:
        """Delete an endpoint and drop its pending deliveries."""
        caller = caller_of(context)
        await write(
            self._uow, caller.principal, lambda uow: use_cases.delete_endpoint(uow, caller, webhook_endpoint_id)
        )
        return Response(status_code=204)

    async def update_webhook_endpoint(
        self,
        context: RequestContext,
        *,
        webhook_endpoint_id: str,
        x_organization_id: str,
        if_match: str | None,
        body: models.WebhookEndpointUpdate,
    ) -> models.WebhookEndpoint:
        """Change the URL, description or event types; ``If-Match`` guards against lost updates (412)."""
        caller = caller_of(context)
        changes = body.model_dump(mode="json")

        def precondition(current: WebhookEndpoint) -> None:
            check_if_match(if_match, _etag(current))

        endpoint = await write(
            self._uow,
            caller.principal,
            lambda uow: use_cases.update_endpoint(
                uow, caller, webhook_endpoint_id, changes, urls=self._urls, precondition=precondition
            ),
        )
        context.response.headers["ETag"] = _etag(endpoint)
        return endpoint_dto(endpoint, caller.principal)

    async def rotate_webhook_endpoint_secret(
        self,
        context: RequestContext,
        *,
        webhook_endpoint_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.WebhookSecretRotate | None,
    ) -> models.WebhookEndpointWithSecret:
        """Give the endpoint a new secret; the previous one keeps signing for the overlap."""
        caller = caller_of(context)
        overlap = timedelta(seconds=(body or models.WebhookSecretRotate()).overlap_seconds)

        def work(uow: UnitOfWork) -> StoredResponse:
            endpoint, secret = use_cases.rotate_secret(uow, caller, webhook_endpoint_id, overlap=overlap, box=self._box)
            return self._with_secret(200, endpoint, caller.principal, secret, (("ETag", _etag(endpoint)),))

        await self._write_once(context, caller.principal, work)

    async def enable_webhook_endpoint(
        self, context: RequestContext, *, webhook_endpoint_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.WebhookEndpoint:
        """Enable a disabled endpoint (409 when enabled)."""
        await self._set_enabled(context, webhook_endpoint_id, enabled=True)

    async def disable_webhook_endpoint(
        self, context: RequestContext, *, webhook_endpoint_id: str, x_organization_id: str, idempotency_key: str | None
    ) -> models.WebhookEndpoint:
        """Disable an enabled endpoint (409 when disabled)."""
        await self._set_enabled(context, webhook_endpoint_id, enabled=False)

    async def _set_enabled(self, context: RequestContext, endpoint_id: str, *, enabled: bool) -> NoReturn:
        caller = caller_of(context)

        def work(uow: UnitOfWork) -> StoredResponse:
            endpoint = use_cases.set_enabled(uow, caller, endpoint_id, enabled=enabled)
            return stored(200, endpoint_dto(endpoint, caller.principal), (("ETag", _etag(endpoint)),))

        await self._write_once(context, caller.principal, work)

    async def list_webhook_deliveries(
        self,
        context: RequestContext,
        *,
        webhook_endpoint_id: str,
        limit: int,
        cursor: str | None,
        status: models.WebhookDeliveryStatus | None,
        event_type: models.EventType | None,
        since: datetime.datetime | None,
        until: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.WebhookDeliveryList:
        """List an endpoint's deliveries newest first, filtered."""
        after = decode_cursor(cursor)
        filters = DeliveryFilter(
            status=status.value if status else None,
            event_type=event_type.value if event_type else None,
            since=since,
            until=until,
        )
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: deliveries.list_deliveries(uow, webhook_endpoint_id, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        data = [delivery_dto(item) for item in page.items]
        return models.WebhookDeliveryList(object="list", data=data, has_more=page.has_more, next_cursor=next_cursor)

    async def get_webhook_delivery(
        self, context: RequestContext, *, webhook_endpoint_id: str, webhook_delivery_id: str, x_organization_id: str
    ) -> models.WebhookDeliveryWithAttempts:
        """Get a delivery with every attempt."""
        delivery = await read(
            self._uow,
            principal_of(context),
            lambda uow: deliveries.get_delivery(uow, webhook_endpoint_id, webhook_delivery_id),
        )
        context.response.headers["ETag"] = etag_for(delivery.id, f"{delivery.attempt_count}|{delivery.status}")
        return delivery_with_attempts_dto(delivery)

    async def retry_webhook_delivery(
        self,
        context: RequestContext,
        *,
        webhook_endpoint_id: str,
        webhook_delivery_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
    ) -> models.WebhookDelivery:
        """Queue a new attempt of a delivery now (202)."""
        caller = caller_of(context)

        def work(uow: UnitOfWork) -> StoredResponse:
            delivery = deliveries.retry_delivery(uow, caller, webhook_endpoint_id, webhook_delivery_id)
            return stored(202, delivery_dto(delivery))

        await self._write_once(context, caller.principal, work)

    async def replay_webhook_events(
        self,
        context: RequestContext,
        *,
        webhook_endpoint_id: str,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.WebhookReplayCreate,
    ) -> models.WebhookReplay:
        """Queue a delivery of every subscribed event of a time range (202)."""
        caller = caller_of(context)
        fields = body.model_dump()

        def work(uow: UnitOfWork) -> StoredResponse:
            replay = deliveries.replay_events(
                uow,
                caller,
                webhook_endpoint_id,
                since=fields["since"],
                until=fields.get("until"),
                event_types=[str(item) for item in fields.get("event_types") or ()],
            )
            dto = models.WebhookReplay.model_validate(
                {
                    "object": "webhook_replay",
                    "webhook_endpoint_id": replay.webhook_endpoint_id,
                    "since": replay.since,
                    "until": replay.until,
                    "event_types": list(replay.event_types),
                    "queued_count": replay.queued_count,
                    "requested_at": replay.requested_at,
                }
            )
            return stored(202, dto)

        await self._write_once(context, caller.principal, work)

    def _with_secret(
        self,
        status: int,
        endpoint: WebhookEndpoint,
        principal: Principal,
        secret: str,
        headers: tuple[tuple[str, str], ...],
    ) -> StoredResponse:
        document = use_cases.endpoint_document(endpoint, principal.environment.value, endpoint.updated_at)
        dto = models.WebhookEndpointWithSecret.model_validate({**document, "secret": secret})
        data = dto.model_dump(mode="json", by_alias=True)
        data["secret"] = seal(secret, self._seal_key)
        return StoredResponse(status, json.dumps(data, separators=(",", ":")).encode(), headers)

    async def _write_once(self, context: RequestContext, principal: Principal, work: Any) -> NoReturn:
        response = await idempotent_write(context.request, principal, self._uow, work, self._policy)
        raise ImmediateResponse(self._unsealed(response))

    def _unsealed(self, response: Response) -> Response:
        data = json.loads(bytes(response.body))
        if not isinstance(data, dict) or not str(data.get("secret", "")).startswith(PREFIX):
            return response
        data["secret"] = unseal(data["secret"], self._seal_key)
        headers = {k: v for k, v in response.headers.items() if k.lower() not in {"content-length", "content-type"}}
        body = json.dumps(data, separators=(",", ":")).encode()
        return Response(body, status_code=response.status_code, media_type="application/json", headers=dict(headers))
