"""Customer and catalog use cases on the real database: normalization, audit, transitions, tenancy."""

from typing import Any

import pytest

from server_impl.domain.customers import Address, Email, Phone, ServiceLocation
from server_impl.domain.errors import Conflict, InvalidStateTransition, NotFound, ValidationFailed
from server_impl.domain.principal import ActorType, CallContext, Principal
from server_impl.domain.scopes import ALL_SCOPES
from server_impl.domain.tenancy import Environment
from server_impl.services import catalog, customers
from server_impl.services.ports import AuditFilter, CatalogFilter, CustomerFilter
from server_impl.web.conditional import check_if_match, etag_for
from tests.server.conftest import Harness

HOME = Address(line1="1200 Barton Springs Rd", city="Austin", country="US", region="TX")


def _ctx(org: str, environment: Environment = Environment.LIVE) -> CallContext:
    principal = Principal(org, environment, ActorType.API_KEY, "key_t", ALL_SCOPES, key_id="key_t")
    return CallContext(principal, request_id="req_t", ip="127.0.0.1", user_agent="pytest")


def _write(harness: Harness, ctx: CallContext, action: Any) -> Any:
    with harness.context.uow_factory(ctx.principal.tenant) as uow:
        result = action(uow)
        uow.commit()
    return result


def _read(harness: Harness, ctx: CallContext, action: Any) -> Any:
    with harness.context.uow_factory(ctx.principal.tenant) as uow:
        return action(uow)


def test_create_normalizes_primaries_tags_and_location_ids(harness: Harness) -> None:
    ctx = _ctx(harness.organization())
    fields = {
        "display_name": "Dana Whitfield",
        "emails": (Email("dana@example.com"), Email("d@work.example")),
        "phones": (Phone("+15125550143", is_primary=True),),
        "service_locations": (ServiceLocation(id="", address=HOME),),
        "tags": ("vip", "vip", " plan "),
        "type": "residential",
    }
    created = _write(harness, ctx, lambda uow: customers.create_customer(uow, ctx, fields))
    assert [email.is_primary for email in created.emails] == [True, False]
    assert created.tags == ("vip", "plan")
    assert created.service_locations[0].id.startswith("loc_")
    assert created.service_locations[0].is_primary
    loaded = _read(harness, ctx, lambda uow: customers.get_customer(uow, created.id))
    assert loaded == created


def test_two_primaries_are_refused_with_a_pointer(harness: Harness) -> None:
    ctx = _ctx(harness.organization())
    fields = {
        "display_name": "x",
        "phones": (Phone("+15125550143", is_primary=True), Phone("+15125550144", is_primary=True)),
    }
    with pytest.raises(ValidationFailed) as caught:
        _write(harness, ctx, lambda uow: customers.create_customer(uow, ctx, fields))
    assert caught.value.errors[0].field == "/phones/1/is_primary"


def test_update_is_partial_audited_and_guarded_by_if_match(harness: Harness) -> None:
    ctx = _ctx(harness.organization())
    created = _write(
        harness,
        ctx,
        lambda uow: customers.create_customer(
            uow, ctx, {"display_name": "Dana", "service_locations": (ServiceLocation(id="", address=HOME),)}
        ),
    )
    location = created.service_locations[0]
    etag = etag_for(created.id, created.version)
    changes = {
        "notes": "Gate code 4417",
        "service_locations": (location, ServiceLocation(id="", address=HOME, name="Shop")),
    }
    updated = _write(
        harness,
        ctx,
        lambda uow: customers.update_customer(
            uow, ctx, created.id, changes, precondition=lambda c: check_if_match(etag, etag_for(c.id, c.version))
        ),
    )
    assert updated.version == 2
    assert updated.display_name == "Dana"
    assert updated.service_locations[0].id == location.id
    assert len(updated.service_locations) == 2
    from server_impl.domain.errors import PreconditionFailed

    with pytest.raises(PreconditionFailed):
        _write(
            harness,
            ctx,
            lambda uow: customers.update_customer(
                uow,
                ctx,
                created.id,
                {"notes": "x"},
                precondition=lambda c: check_if_match(etag, etag_for(c.id, c.version)),
            ),
        )
    same = _write(
        harness, ctx, lambda uow: customers.update_customer(uow, ctx, created.id, {"notes": "Gate code 4417"})
    )
    assert same.version == 2
    events = _read(harness, ctx, lambda uow: uow.audit_events.list(AuditFilter(resource_id=created.id), limit=10).items)
    assert [event.action for event in events] == ["customer.updated", "customer.created"]
    assert set(events[0].changes) == {"notes", "service_locations"}
    assert events[0].changes["notes"].before is None


def test_unknown_location_id_is_refused(harness: Harness) -> None:
    ctx = _ctx(harness.organization())
    created = _write(harness, ctx, lambda uow: customers.create_customer(uow, ctx, {"display_name": "Dana"}))
    changes = {"service_locations": (ServiceLocation(id="loc_01HWS3C4DWA7N36096Q14DR9GP", address=HOME),)}
    with pytest.raises(ValidationFailed) as caught:
        _write(harness, ctx, lambda uow: customers.update_customer(uow, ctx, created.id, changes))
    assert caught.value.errors[0].field == "/service_locations/0/id"


def test_archive_and_restore_are_state_transitions(harness: Harness) -> None:
    ctx = _ctx(harness.organization())
    created = _write(harness, ctx, lambda uow: customers.create_customer(uow, ctx, {"display_name": "Dana"}))
    archived = _write(harness, ctx, lambda uow: customers.archive_customer(uow, ctx, created.id))
    assert archived.status == "archived"
    with pytest.raises(InvalidStateTransition) as caught:
        _write(harness, ctx, lambda uow: customers.archive_customer(uow, ctx, created.id))
    assert caught.value.allowed_actions == ("restore",)
    assert _write(harness, ctx, lambda uow: customers.restore_customer(uow, ctx, created.id)).status == "active"


def test_customer_lists_filter_and_stay_in_the_tenant(harness: Harness) -> None:
    org, other = harness.organization(), harness.organization()
    ctx, test_ctx, other_ctx = _ctx(org), _ctx(org, Environment.TEST), _ctx(other)
    dana = _write(
        harness, ctx, lambda uow: customers.create_customer(uow, ctx, {"display_name": "Dana W", "tags": ("vip",)})
    )
    lee = _write(
        harness,
        ctx,
        lambda uow: customers.create_customer(
            uow, ctx, {"display_name": "Lee", "emails": (Email("lee@dana.example"),)}
        ),
    )
    _write(harness, test_ctx, lambda uow: customers.create_customer(uow, test_ctx, {"display_name": "Dana test"}))
    _write(harness, other_ctx, lambda uow: customers.create_customer(uow, other_ctx, {"display_name": "Dana other"}))

    def ids(filters: CustomerFilter, limit: int = 10, before: str | None = None) -> list[str]:
        page = _read(harness, ctx, lambda uow: customers.list_customers(uow, filters, limit=limit, before_id=before))
        return [customer.id for customer in page.items]

    assert ids(CustomerFilter()) == [lee.id, dana.id]
    assert ids(CustomerFilter(q="DANA")) == [lee.id, dana.id]
    assert ids(CustomerFilter(tag="vip")) == [dana.id]
    assert ids(CustomerFilter(tag="vi")) == []
    assert ids(CustomerFilter(), limit=1) == [lee.id]
    assert ids(CustomerFilter(), limit=1, before=lee.id) == [dana.id]
    with pytest.raises(NotFound):
        _read(harness, other_ctx, lambda uow: customers.get_customer(uow, dana.id))


def test_catalog_items(harness: Harness) -> None:
    ctx = _ctx(harness.organization())
    fields = {"name": "Drain cleaning", "unit_price": 12550, "currency": "USD", "sku": "DRN-1", "bookable_online": True}
    item = _write(harness, ctx, lambda uow: catalog.create_item(uow, ctx, fields))
    assert item.kind == "service"
    assert item.unit_of_measure == "each"
    with pytest.raises(Conflict):
        _write(harness, ctx, lambda uow: catalog.create_item(uow, ctx, fields))
    updated = _write(harness, ctx, lambda uow: catalog.update_item(uow, ctx, item.id, {"unit_price": 13000}))
    assert updated.version == 2
    assert updated.unit_price == 13000
    with pytest.raises(ValueError, match="currency"):
        _write(harness, ctx, lambda uow: catalog.update_item(uow, ctx, item.id, {"currency": "EUR"}))
    _write(harness, ctx, lambda uow: catalog.set_archived(uow, ctx, item.id, True))
    listed = _read(
        harness, ctx, lambda uow: catalog.list_items(uow, CatalogFilter(status="archived"), limit=10, before_id=None)
    )
    assert [entry.id for entry in listed.items] == [item.id]
    assert (
        _read(
            harness, ctx, lambda uow: catalog.list_items(uow, CatalogFilter(status="active"), limit=10, before_id=None)
        ).items
        == []
    )
    with pytest.raises(NotFound):
        _read(harness, _ctx(harness.organization()), lambda uow: catalog.get_item(uow, item.id))
