"""Estimates: priced proposals with good/better/best options, and their lifecycle.

::

    draft ──send──▶ sent ──approve──▶ approved ──convert──▶ converted
      │  └─approve────────▲   ├─decline──▶ declined ─┐
      │                       └─(valid_until passes)──▶ expired ─┤ revise ──▶ draft
      └── void ◀── sent, declined, expired ◀──────────────────────┘

Expiry is a fact of time, not of a request: a ``sent`` estimate whose ``valid_until`` day has
passed (in UTC) *is* expired, whether or not anything has written that down yet. Reads apply
:meth:`Estimate.as_of`; writes call :meth:`Estimate.expire_if_due` first, so an action never
treats a stale ``sent`` estimate as approvable, and the worker persists the expiry of estimates
nobody touches (ADR 0610).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from server_impl.domain.errors import FieldError, InvalidStateTransition, ValidationFailed
from server_impl.domain.line_items import LineItem, Totals, totals

STATUSES = ("draft", "sent", "approved", "declined", "expired", "converted", "void")

# The actions a caller may take in each status (the 409's ``allowed_actions``), in a stable order.
ALLOWED_ACTIONS: dict[str, tuple[str, ...]] = {
    "draft": ("update", "send", "approve", "void"),
    "sent": ("send", "approve", "decline", "void"),
    "approved": ("convert",),
    "declined": ("revise", "void"),
    "expired": ("revise", "void"),
    "converted": (),
    "void": (),
}

MAX_OPTIONS = 5


@dataclass(frozen=True)
class EstimateOption:
    """One alternative of an estimate, with its own priced lines (``opt_...``)."""

    id: str
    name: str
    lines: tuple[LineItem, ...]
    description: str | None = None
    is_recommended: bool = False
    approval_status: str = "pending"

    @property
    def totals(self) -> Totals:
        """Subtotal, tax and total of the option's lines (no discount on estimates)."""
        return totals(self.lines)

    def to_json(self) -> dict[str, Any]:
        """Return the option as stored."""
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "is_recommended": self.is_recommended,
            "approval_status": self.approval_status,
            "lines": [line.to_json() for line in self.lines],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> EstimateOption:
        """Return an option from :meth:`to_json`'s output."""
        return cls(
            id=data["id"],
            name=data["name"],
            description=data.get("description"),
            is_recommended=bool(data.get("is_recommended", False)),
            approval_status=data.get("approval_status", "pending"),
            lines=tuple(LineItem.from_json(line) for line in data["lines"]),
        )


@dataclass(frozen=True)
class Approval:
    """The customer's approval: which options, who (as the caller recorded it), when, and the signature."""

    option_ids: tuple[str, ...]
    approved_by: str
    approved_at: datetime
    signature_name: str | None = None
    signature_file_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the approval as stored (the time as RFC 3339 text)."""
        return {
            "option_ids": list(self.option_ids),
            "approved_by": self.approved_by,
            "approved_at": self.approved_at.isoformat(),
            "signature_name": self.signature_name,
            "signature_file_id": self.signature_file_id,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Approval:
        """Return an approval from :meth:`to_json`'s output."""
        return cls(
            option_ids=tuple(data["option_ids"]),
            approved_by=data["approved_by"],
            approved_at=datetime.fromisoformat(data["approved_at"]),
            signature_name=data.get("signature_name"),
            signature_file_id=data.get("signature_file_id"),
        )


def expiry_moment(valid_until: date) -> datetime:
    """Return when an estimate valid until ``valid_until`` expires: the next midnight, UTC."""
    return datetime.combine(valid_until + timedelta(days=1), time(0), tzinfo=UTC)


def check_options(options: Sequence[EstimateOption], pointer: str = "/options") -> None:
    """Check the rules across an estimate's options.

    Raises:
        ValidationFailed: No option, more than :data:`MAX_OPTIONS`, or several recommended.
    """
    if not options or len(options) > MAX_OPTIONS:
        raise ValidationFailed((FieldError(pointer, f"Give one to {MAX_OPTIONS} options."),))
    recommended = [index for index, option in enumerate(options) if option.is_recommended]
    if len(recommended) > 1:
        message = "At most one option may be recommended."
        raise ValidationFailed((FieldError(f"{pointer}/{recommended[1]}/is_recommended", message),))


@dataclass
class Estimate:
    """An estimate of the tenant. ``status`` is the stored status; reads go through :meth:`as_of`.

    ``version`` grows on every write; the ETag derives from it and the effective status.
    """

    id: str
    number: str
    customer_id: str
    title: str
    currency: str
    options: tuple[EstimateOption, ...]
    created_at: datetime
    updated_at: datetime
    status: str = "draft"
    service_location_id: str | None = None
    job_id: str | None = None
    message: str | None = None
    valid_until: date | None = None
    deposit_amount: int | None = None
    deposit_required: bool = False
    approval: Approval | None = None
    decline_reason: str | None = None
    converted_job_id: str | None = None
    converted_invoice_id: str | None = None
    tags: tuple[str, ...] = ()
    metadata: dict[str, str] = field(default_factory=dict)
    sent_at: datetime | None = None
    approved_at: datetime | None = None
    declined_at: datetime | None = None
    expired_at: datetime | None = None
    converted_at: datetime | None = None
    voided_at: datetime | None = None
    version: int = 1

    # -- reading -------------------------------------------------------------------------------

    def is_due_to_expire(self, now: datetime) -> bool:
        """Whether the estimate is ``sent`` and its ``valid_until`` day has passed (UTC) at ``now``."""
        return self.status == "sent" and self.valid_until is not None and now >= expiry_moment(self.valid_until)

    def as_of(self, now: datetime) -> Estimate:
        """Return the estimate as it is at ``now``: a ``sent`` one past its date shows as ``expired``.

        The stored object is not changed; the copy's ``expired_at`` is the moment it expired.
        """
        if not self.is_due_to_expire(now):
            return self
        copy = self.copy()
        copy._expire()
        return copy

    def copy(self) -> Estimate:
        """Return an independent copy (the ``before`` of a change)."""
        return dataclasses.replace(self, metadata=dict(self.metadata))

    @property
    def allowed_actions(self) -> tuple[str, ...]:
        """The actions the stored status allows."""
        return ALLOWED_ACTIONS[self.status]

    def option(self, option_id: str) -> EstimateOption | None:
        """Return the option with this id, or ``None``."""
        return next((option for option in self.options if option.id == option_id), None)

    @property
    def approved_options(self) -> tuple[EstimateOption, ...]:
        """The options the customer approved, in the estimate's order."""
        return tuple(option for option in self.options if option.approval_status == "approved")

    def snapshot(self) -> dict[str, Any]:
        """Return the fields the audit log compares (JSON-compatible)."""
        data: dict[str, Any] = {}
        for item in dataclasses.fields(self):
            if item.name in ("created_at", "updated_at", "version"):
                continue
            value = getattr(self, item.name)
            if isinstance(value, datetime | date):
                value = value.isoformat()
            elif item.name == "options":
                value = [option.to_json() for option in self.options]
            elif item.name == "approval":
                value = None if self.approval is None else self.approval.to_json()
            elif isinstance(value, tuple):
                value = list(value)
            data[item.name] = value
        return data

    # -- transitions ---------------------------------------------------------------------------

    def _require(self, action: str) -> None:
        if action not in self.allowed_actions:
            raise InvalidStateTransition(
                f"An estimate in status {self.status} cannot be {_PAST[action]} ({_hint(self.allowed_actions)}).",
                self.status,
                self.allowed_actions,
            )

    def _expire(self) -> None:
        assert self.valid_until is not None
        moment = expiry_moment(self.valid_until)
        self.status, self.expired_at = "expired", moment
        self.updated_at = max(self.updated_at, moment)

    def expire_if_due(self, now: datetime) -> bool:
        """Record the expiry of a ``sent`` estimate past its date; return whether it expired."""
        if not self.is_due_to_expire(now):
            return False
        self._expire()
        return True

    def check_editable(self) -> None:
        """Raise unless the estimate is a draft.

        Raises:
            InvalidStateTransition: In any other status.
        """
        self._require("update")

    def send(self, now: datetime) -> None:
        """Send (or resend) a draft or sent estimate.

        Raises:
            InvalidStateTransition: In another status.
            ValidationFailed: ``valid_until`` is already past (update it first).
        """
        self._require("send")
        if self.valid_until is not None and now >= expiry_moment(self.valid_until):
            message = "The estimate would expire at once; set a valid_until of today or later first."
            raise ValidationFailed((FieldError("/valid_until", message),))
        self.status, self.sent_at = "sent", now

    def approve(self, approval: Approval) -> None:
        """Record the customer's approval: chosen options ``approved``, the others ``declined``.

        Raises:
            InvalidStateTransition: Not a draft or sent estimate.
            ValidationFailed: An option id that is not an option of this estimate.
        """
        self._require("approve")
        known = {option.id for option in self.options}
        errors = tuple(
            FieldError(f"/option_ids/{index}", "Not an option of this estimate.")
            for index, option_id in enumerate(approval.option_ids)
            if option_id not in known
        )
        if errors:
            raise ValidationFailed(errors)
        chosen = set(approval.option_ids)
        self.options = tuple(
            dataclasses.replace(option, approval_status="approved" if option.id in chosen else "declined")
            for option in self.options
        )
        self.status, self.approval, self.approved_at = "approved", approval, approval.approved_at

    def decline(self, reason: str | None, now: datetime) -> None:
        """Record that the customer declined every option of a sent estimate.

        Raises:
            InvalidStateTransition: Not a sent estimate.
        """
        self._require("decline")
        self.options = tuple(dataclasses.replace(option, approval_status="declined") for option in self.options)
        self.status, self.decline_reason, self.declined_at = "declined", reason, now

    def revise(self) -> None:
        """Move a declined or expired estimate back to draft; options return to ``pending``.

        Raises:
            InvalidStateTransition: In another status.
        """
        self._require("revise")
        self.options = tuple(dataclasses.replace(option, approval_status="pending") for option in self.options)
        self.status = "draft"
        self.decline_reason = self.declined_at = self.expired_at = None

    def void(self, now: datetime) -> None:
        """Void an estimate that is not approved or converted.

        Raises:
            InvalidStateTransition: Approved, converted or already void.
        """
        self._require("void")
        self.status, self.voided_at = "void", now

    def check_convertible(self) -> None:
        """Raise unless the estimate is approved.

        Raises:
            InvalidStateTransition: In another status.
        """
        self._require("convert")

    def convert(self, job_id: str, invoice_id: str | None, now: datetime) -> None:
        """Record the conversion of an approved estimate into a job (and maybe a draft invoice).

        Raises:
            InvalidStateTransition: Not approved.
        """
        self._require("convert")
        self.status, self.converted_job_id, self.converted_invoice_id = "converted", job_id, invoice_id
        self.converted_at = now


_PAST = {
    "update": "edited",
    "send": "sent",
    "approve": "approved",
    "decline": "declined",
    "revise": "revised",
    "void": "voided",
    "convert": "converted",
}


def _hint(actions: Iterable[str]) -> str:
    allowed = list(actions)
    return "allowed actions: " + ", ".join(allowed) if allowed else "no action is allowed any more"
