"""Domain errors: what a use case refuses, independent of HTTP.

Hierarchy::

    DomainError
    ├── NotFound                  the object does not exist in this tenant
    ├── Conflict                  the request conflicts with the current state
    │   └── InvalidStateTransition
    ├── PreconditionFailed        If-Match does not match
    ├── ValidationFailed          a business rule rejects fields (one FieldError each)
    ├── ScopeEscalation           granting scopes the caller does not hold
    ├── IdempotencyKeyReused      same key, different request
    └── IdempotencyKeyInUse       same key, first request still running
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(DomainError):
    """The object does not exist, or belongs to another tenant (the same answer)."""

    def __init__(self, resource: str, object_id: str) -> None:
        super().__init__(f"No {resource} with id {object_id!r} exists in this organization and environment.")
        self.resource = resource
        self.object_id = object_id


class Conflict(DomainError):
    """The request conflicts with the current state of the object."""


class InvalidStateTransition(Conflict):
    """An action is not allowed from the object's current status."""

    def __init__(self, detail: str, current_status: str, allowed_actions: tuple[str, ...]) -> None:
        super().__init__(detail)
        self.current_status = current_status
        self.allowed_actions = allowed_actions


class PreconditionFailed(DomainError):
    """The caller's ``If-Match`` does not match the object's current ETag."""


@dataclass(frozen=True)
class FieldError:
    """One invalid field: a JSON pointer into the body (or a parameter name) and a message."""

    field: str
    message: str


class ValidationFailed(DomainError):
    """A business rule rejects one or more fields of the request."""

    def __init__(self, errors: tuple[FieldError, ...]) -> None:
        count = len(errors)
        super().__init__(f"{count} field{'s are' if count != 1 else ' is'} invalid.")
        self.errors = errors


class ScopeEscalation(DomainError):
    """The caller tried to grant scopes it does not hold itself."""

    def __init__(self, missing: tuple[str, ...]) -> None:
        super().__init__("You cannot grant scopes you do not hold: " + ", ".join(missing) + ".")
        self.missing = missing


class IdempotencyKeyReused(DomainError):
    """The idempotency key was already used with a different request."""


class IdempotencyKeyInUse(DomainError):
    """A request with the same idempotency key is still running."""

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class InvalidCredentials(DomainError):
    """The credential is missing, malformed, unknown, expired or revoked (``reason`` says which)."""

    def __init__(self, reason: str, detail: str, scheme: str = "ApiKey") -> None:
        super().__init__(detail)
        self.reason = reason
        self.scheme = scheme


class OrganizationAccessDenied(DomainError):
    """The credential cannot act in the organization (the same whether it exists or not)."""
