"""Jobs: work at a customer's location, and the state machine that moves it to completion.

::

    unscheduled --schedule--> scheduled --dispatch--> dispatched --start--> in_progress --complete--> completed
         ^  <--unschedule--     |  ^ <--schedule (reschedule)--|                |                      |
         |                      +--------------start--------------------------->+                      |
         |               scheduled/dispatched/in_progress --hold--> on_hold --resume--> (back)          |
         +--reopen-- canceled <--cancel-- any open status        in_progress <--reopen (privileged)----+

Each action is allowed from the statuses in :data:`ACTIONS` (keyed by the action's URL segment, the
name a 409 ``invalid_state_transition`` lists in ``allowed_actions``). Every method that changes a
job returns the event type it announces; the use cases audit and the handlers publish it.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from server_impl.domain.errors import Conflict, FieldError, InvalidStateTransition, ValidationFailed
from server_impl.domain.line_items import LineItem, Totals, totals

UNSCHEDULED: Final = "unscheduled"
SCHEDULED: Final = "scheduled"
DISPATCHED: Final = "dispatched"
IN_PROGRESS: Final = "in_progress"
ON_HOLD: Final = "on_hold"
COMPLETED: Final = "completed"
CANCELED: Final = "canceled"

STATUSES: Final = (UNSCHEDULED, SCHEDULED, DISPATCHED, IN_PROGRESS, ON_HOLD, COMPLETED, CANCELED)
OPEN_STATUSES: Final = frozenset({UNSCHEDULED, SCHEDULED, DISPATCHED, IN_PROGRESS, ON_HOLD})
PRIORITIES: Final = ("low", "normal", "high", "urgent")

ACTIONS: Final[dict[str, frozenset[str]]] = {
    "schedule": frozenset({UNSCHEDULED, SCHEDULED, DISPATCHED}),
    "unschedule": frozenset({SCHEDULED, DISPATCHED}),
    "assign-technicians": OPEN_STATUSES,
    "unassign-technicians": OPEN_STATUSES,
    "dispatch": frozenset({SCHEDULED}),
    "start": frozenset({SCHEDULED, DISPATCHED}),
    "hold": frozenset({SCHEDULED, DISPATCHED, IN_PROGRESS}),
    "resume": frozenset({ON_HOLD}),
    "complete": frozenset({IN_PROGRESS}),
    "cancel": OPEN_STATUSES,
    "reopen": frozenset({COMPLETED, CANCELED}),
}
"""Action (URL segment) -> the statuses it is allowed from."""


def allowed_actions(status: str) -> tuple[str, ...]:
    """Return the actions allowed from ``status``, in the order of :data:`ACTIONS`."""
    return tuple(action for action, statuses in ACTIONS.items() if status in statuses)


def _utc(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat()


@dataclass(frozen=True)
class ScheduleWindow:
    """When a job is planned: the work window and the arrival window promised to the customer."""

    window_start: datetime
    window_end: datetime
    timezone: str
    arrival_window_start: datetime | None = None
    arrival_window_end: datetime | None = None

    def validate(self, pointer: str = "") -> None:
        """Check the window.

        Args:
            pointer: JSON pointer of the window in the request (``/schedule`` inside a create).

        Raises:
            ValidationFailed: An empty window, an arrival window outside it or reversed, an
                arrival bound without the other, or an unknown time zone.
        """
        errors: list[FieldError] = []
        if self.window_end <= self.window_start:
            errors.append(FieldError(f"{pointer}/window_end", "Must be after window_start."))
        start, end = self.arrival_window_start, self.arrival_window_end
        if (start is None) != (end is None):
            missing = "arrival_window_end" if end is None else "arrival_window_start"
            errors.append(FieldError(f"{pointer}/{missing}", "Give both arrival window bounds, or neither."))
        elif start is not None and end is not None:
            if end < start:
                errors.append(FieldError(f"{pointer}/arrival_window_end", "Must not be before arrival_window_start."))
            if start < self.window_start or end > self.window_end:
                errors.append(
                    FieldError(f"{pointer}/arrival_window_start", "The arrival window must lie within the window.")
                )
        try:
            zoneinfo.ZoneInfo(self.timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            errors.append(FieldError(f"{pointer}/timezone", "Not an IANA time zone (such as America/Chicago)."))
        if errors:
            raise ValidationFailed(tuple(errors))

    def snapshot(self) -> dict[str, Any]:
        """Return the window as JSON values (audit log)."""
        return {
            "window_start": _utc(self.window_start),
            "window_end": _utc(self.window_end),
            "arrival_window_start": _utc(self.arrival_window_start),
            "arrival_window_end": _utc(self.arrival_window_end),
            "timezone": self.timezone,
        }


@dataclass
class Job:
    """A job of the tenant. ``status`` changes only through the action methods.

    ``version`` grows on every write; the ETag derives from it and saves check it (a concurrent
    change makes the later save fail instead of overwriting).
    """

    id: str
    number: str
    customer_id: str
    summary: str
    created_at: datetime
    updated_at: datetime
    status: str = UNSCHEDULED
    service_location_id: str | None = None
    priority: str = "normal"
    description: str | None = None
    schedule: ScheduleWindow | None = None
    technician_ids: tuple[str, ...] = ()
    line_items: tuple[LineItem, ...] = ()
    currency: str = "USD"
    source_estimate_id: str | None = None
    invoice_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    hold_reason: str | None = None
    cancel_reason: str | None = None
    completion_notes: str | None = None
    dispatched_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    canceled_at: datetime | None = None
    version: int = 1

    @property
    def totals(self) -> Totals:
        """Subtotal, tax and total of the line items (computed, never stored from a client)."""
        return totals(self.line_items)

    def copy(self) -> Job:
        """Return an independent copy (the state before a change)."""
        return dataclasses.replace(self, metadata=dict(self.metadata))

    def snapshot(self) -> dict[str, Any]:
        """Return the fields the audit log compares (JSON values)."""
        return {
            "number": self.number,
            "status": self.status,
            "customer_id": self.customer_id,
            "service_location_id": self.service_location_id,
            "priority": self.priority,
            "summary": self.summary,
            "description": self.description,
            "schedule": None if self.schedule is None else self.schedule.snapshot(),
            "assigned_technician_ids": list(self.technician_ids),
            "line_items": [line.to_json() for line in self.line_items],
            "currency": self.currency,
            "total": self.totals.total,
            "source_estimate_id": self.source_estimate_id,
            "invoice_ids": list(self.invoice_ids),
            "tags": list(self.tags),
            "metadata": dict(self.metadata),
            "hold_reason": self.hold_reason,
            "cancel_reason": self.cancel_reason,
            "completion_notes": self.completion_notes,
            "dispatched_at": _utc(self.dispatched_at),
            "started_at": _utc(self.started_at),
            "completed_at": _utc(self.completed_at),
            "canceled_at": _utc(self.canceled_at),
        }

    # -- the state machine ---------------------------------------------------------------------

    def require(self, action: str) -> None:
        """Check that ``action`` is allowed in the current status.

        Raises:
            InvalidStateTransition: With the current status and the allowed actions.
        """
        if self.status not in ACTIONS[action]:
            allowed = allowed_actions(self.status)
            hint = f" Allowed: {', '.join(allowed)}." if allowed else " No action is allowed."
            raise InvalidStateTransition(
                f"A {self.status} job cannot take the '{action}' action.{hint}", self.status, allowed
            )

    def schedule_in(self, window: ScheduleWindow) -> str:
        """Schedule an unscheduled job, or replace the window of a scheduled or dispatched one.

        A dispatched job returns to ``scheduled`` and must be dispatched again.

        Returns:
            ``job.scheduled`` or ``job.rescheduled``.
        """
        self.require("schedule")
        event = "job.scheduled" if self.status == UNSCHEDULED else "job.rescheduled"
        self.schedule, self.status, self.dispatched_at = window, SCHEDULED, None
        return event

    def unschedule(self) -> str:
        """Clear the schedule of a scheduled or dispatched job (technicians stay)."""
        self.require("unschedule")
        self.schedule, self.status, self.dispatched_at = None, UNSCHEDULED, None
        return "job.unscheduled"

    def assign(self, technician_ids: Iterable[str]) -> str | None:
        """Replace the assigned technicians.

        Returns:
            ``job.technicians_changed``, or ``None`` when the set is unchanged.
        """
        self.require("assign-technicians")
        return self._set_technicians(tuple(dict.fromkeys(technician_ids)))

    def unassign(self, technician_ids: Iterable[str]) -> str | None:
        """Remove some technicians, keeping the others (ids not assigned are ignored).

        Returns:
            ``job.technicians_changed``, or ``None`` when nothing was removed.
        """
        self.require("unassign-technicians")
        removed = frozenset(technician_ids)
        return self._set_technicians(tuple(tid for tid in self.technician_ids if tid not in removed))

    def _set_technicians(self, technician_ids: tuple[str, ...]) -> str | None:
        if set(technician_ids) == set(self.technician_ids):
            return None
        self.technician_ids = technician_ids
        return "job.technicians_changed"

    def dispatch(self, now: datetime) -> str:
        """Send the assigned technicians to a scheduled job.

        Raises:
            InvalidStateTransition: Unless scheduled.
            Conflict: Without assigned technicians.
        """
        self.require("dispatch")
        if not self.technician_ids:
            raise Conflict("Assign at least one technician (assign-technicians) before dispatching the job.")
        self.status, self.dispatched_at = DISPATCHED, now
        return "job.dispatched"

    def start(self, now: datetime) -> str:
        """Start the work (from scheduled or dispatched)."""
        self.require("start")
        self.status, self.started_at = IN_PROGRESS, now
        return "job.started"

    def hold(self, reason: str) -> str:
        """Put the job on hold (waiting for parts or an approval)."""
        self.require("hold")
        self.status, self.hold_reason = ON_HOLD, reason
        return "job.on_hold"

    def resume(self) -> str:
        """Take the job off hold: in progress when work had started, else scheduled (or unscheduled)."""
        self.require("resume")
        if self.started_at is not None:
            self.status = IN_PROGRESS
        else:  # not started: back to the schedule, to be dispatched again
            self.status = SCHEDULED if self.schedule is not None else UNSCHEDULED
            self.dispatched_at = None
        self.hold_reason = None
        return "job.resumed"

    def complete(self, now: datetime, *, completed_at: datetime | None = None, notes: str | None = None) -> str:
        """Finish the work.

        Args:
            now: The current time.
            completed_at: When the work was finished (defaults to ``now``).
            notes: The technician's completion notes.

        Raises:
            InvalidStateTransition: Unless in progress.
            ValidationFailed: ``completed_at`` in the future or before ``started_at``.
        """
        self.require("complete")
        finished = completed_at or now
        if finished > now:
            raise ValidationFailed((FieldError("/completed_at", "Cannot be in the future."),))
        if self.started_at is not None and finished < self.started_at:
            raise ValidationFailed((FieldError("/completed_at", "Cannot be before the job's started_at."),))
        self.status, self.completed_at, self.completion_notes = COMPLETED, finished, notes
        return "job.completed"

    def cancel(self, reason: str, now: datetime) -> str:
        """Cancel an open job, recording why."""
        self.require("cancel")
        self.status, self.cancel_reason, self.canceled_at, self.hold_reason = CANCELED, reason, now, None
        return "job.canceled"

    def reopen(self) -> str:
        """Reopen a completed job (back in progress) or a canceled one (back to unscheduled)."""
        self.require("reopen")
        if self.status == COMPLETED:
            self.status, self.completed_at = IN_PROGRESS, None
        else:
            self.status, self.schedule = UNSCHEDULED, None
            self.cancel_reason = self.canceled_at = self.dispatched_at = self.started_at = None
        return "job.reopened"

    def check_line_items_editable(self) -> None:
        """Line items are frozen once the job is completed or canceled.

        Raises:
            Conflict: If they are.
        """
        if self.status in (COMPLETED, CANCELED):
            raise Conflict(f"The line items of a {self.status} job cannot change; reopen the job first.")
