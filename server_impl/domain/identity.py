"""Organizations, users and memberships: who may act where, with which role."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from server_impl.domain.scopes import Role


@dataclass(frozen=True)
class Organization:
    """A customer account of Asteri; with an environment, the tenant of every row."""

    id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class User:
    """A person who signs in to the internal app and holds bearer tokens."""

    id: str
    email: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Membership:
    """A user's role in one organization."""

    organization_id: str
    user_id: str
    role: Role
    created_at: datetime
