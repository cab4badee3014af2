"""Every operation of the contract can be attacked: it has a recipe, and this suite parametrizes over it.

A new operation whose request body has no example, or whose path id is not a prefixed id, fails
here with the operation named; otherwise it is attacked by every test of this package at once.
"""

from server_impl.domain.scopes import ALL_SCOPES
from tests.server.attacks.conftest import World
from tests.server.attacks.contract import contract, operations
from tests.server.attacks.world import recipe_gaps


def test_the_suite_enumerates_every_operation_of_the_served_contract() -> None:
    declared = {
        operation["operationId"]
        for item in contract()["paths"].values()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert {op.operation_id for op in operations()} == declared
    assert len(declared) >= 80


def test_every_operation_has_a_request_recipe() -> None:
    assert recipe_gaps() == []


def test_every_declared_scope_is_a_scope_the_server_knows() -> None:
    assert {scope for op in operations() for scope in op.scopes} <= ALL_SCOPES


def test_the_world_holds_real_objects_of_every_resource_the_server_serves(world: World) -> None:
    # Customers, services, API keys and audit events are served since issue 5; the other resources
    # join as their handlers land (their path ids are real from then on, fabricated before).
    for tenant in (world.victim, world.attacker):
        assert {"customer_id", "service_id", "api_key_id", "audit_event_id"} <= tenant.real
        assert not set(tenant.ids.values()) & set(
            (world.attacker if tenant is world.victim else world.victim).ids.values()
        )
