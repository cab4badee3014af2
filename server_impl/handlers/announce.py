"""Announcing a write: its outbox event, staged in the write's unit of work from the contract shapes."""

from __future__ import annotations

from pydantic import BaseModel

from server_impl.domain.events import DomainEvent
from server_impl.domain.principal import CallContext
from server_impl.services import events
from server_impl.services.ports import UnitOfWork


def announce(
    uow: UnitOfWork, caller: CallContext, event_type: str, after: BaseModel, before: BaseModel | None = None
) -> DomainEvent:
    """Stage the event of a write: ``after`` is the object as the API returns it, ``before`` as it was.

    Args:
        uow: The write's unit of work (the event commits or rolls back with it).
        caller: Who made the change.
        event_type: A value of the contract's ``EventType``, such as ``customer.updated``.
        after: The object after the change (its DTO).
        before: The object before the change, on updates and transitions (for ``previous_attributes``).

    Returns:
        The staged event.
    """
    previous = None if before is None else before.model_dump(mode="json")
    return events.publish(uow, caller, event_type, after.model_dump(mode="json"), previous=previous)
