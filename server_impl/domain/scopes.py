"""Scopes (``read:<resource>`` / ``write:<resource>``) and the scopes each membership role grants."""

from __future__ import annotations

import enum

BUSINESS_RESOURCES = ("customers", "services", "jobs", "estimates", "invoices", "payments", "files")

ALL_SCOPES: frozenset[str] = frozenset(
    {f"{verb}:{resource}" for verb in ("read", "write") for resource in (*BUSINESS_RESOURCES, "webhooks", "api_keys")}
    | {"read:audit_events", "admin:jobs"}
)


class Role(enum.StrEnum):
    """A user's role in an organization."""

    OWNER = "owner"
    ADMIN = "admin"
    MEMBER = "member"
    VIEWER = "viewer"


_READS = frozenset(f"read:{resource}" for resource in BUSINESS_RESOURCES)
_WRITES = frozenset(f"write:{resource}" for resource in BUSINESS_RESOURCES)

ROLE_SCOPES: dict[Role, frozenset[str]] = {
    Role.OWNER: ALL_SCOPES,
    Role.ADMIN: ALL_SCOPES,
    Role.MEMBER: _READS | _WRITES | {"read:webhooks"},
    Role.VIEWER: _READS,
}


def unknown_scopes(scopes: frozenset[str] | set[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Return the given scopes that are not known scopes, sorted.

    Args:
        scopes: Scopes to check.

    Returns:
        The unknown ones, empty when all are known.
    """
    return tuple(sorted(set(scopes) - ALL_SCOPES))
