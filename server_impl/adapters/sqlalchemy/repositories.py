"""Repositories: rows in, domain objects out. Tenancy is not their concern (see ``tenancy.py``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, or_, select, update
from sqlalchemy.orm import Session

from server_impl.adapters.sqlalchemy.tables import (
    ApiKeyRow,
    AuditEventRow,
    MembershipRow,
    OrganizationRow,
    UserRow,
)
from server_impl.adapters.sqlalchemy.tenancy import insert_row
from server_impl.domain.api_keys import ApiKey
from server_impl.domain.audit import AuditEvent, FieldChange
from server_impl.domain.clock import utc_now
from server_impl.domain.identity import Membership, Organization, User
from server_impl.domain.scopes import Role
from server_impl.domain.tenancy import Environment
from server_impl.services.ports import AuditFilter, Page


class SqlOrganizationRepository:
    """Organizations in SQL."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, organization: Organization) -> None:
        """Stage a new organization."""
        self._session.add(
            OrganizationRow(id=organization.id, name=organization.name, created_at=organization.created_at)
        )

    def get(self, organization_id: str) -> Organization | None:
        """Return the organization or ``None``."""
        row = self._session.scalars(select(OrganizationRow).where(OrganizationRow.id == organization_id)).first()
        return None if row is None else Organization(row.id, row.name, row.created_at)


class SqlUserRepository:
    """Users in SQL."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, user: User) -> None:
        """Stage a new user."""
        self._session.add(UserRow(id=user.id, email=user.email, name=user.name, created_at=user.created_at))

    def get(self, user_id: str) -> User | None:
        """Return the user or ``None``."""
        row = self._session.scalars(select(UserRow).where(UserRow.id == user_id)).first()
        return None if row is None else User(row.id, row.email, row.name, row.created_at)


class SqlMembershipRepository:
    """Memberships in SQL."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, membership: Membership) -> None:
        """Stage a new membership."""
        self._session.add(
            MembershipRow(
                organization_id=membership.organization_id,
                user_id=membership.user_id,
                role=membership.role.value,
                created_at=membership.created_at,
            )
        )

    def get(self, organization_id: str, user_id: str) -> Membership | None:
        """Return the membership or ``None``."""
        row = self._session.scalars(
            select(MembershipRow).where(
                MembershipRow.organization_id == organization_id, MembershipRow.user_id == user_id
            )
        ).first()
        return None if row is None else Membership(row.organization_id, row.user_id, Role(row.role), row.created_at)


_KEY_FIELDS = (
    "id",
    "organization_id",
    "name",
    "key_hash",
    "prefix",
    "last_four",
    "expires_at",
    "per_minute",
    "per_day",
    "created_at",
    "created_by_type",
    "created_by_id",
    "last_used_at",
    "revoked_at",
    "rotated_to_id",
)


def _key_from_row(row: ApiKeyRow) -> ApiKey:
    values: dict[str, Any] = {name: getattr(row, name) for name in _KEY_FIELDS}
    return ApiKey(environment=Environment(row.environment), scopes=tuple(row.scopes), **values)


class SqlApiKeyRepository:
    """API keys in SQL."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, key: ApiKey) -> None:
        """Stage a new key."""
        values = {name: getattr(key, name) for name in _KEY_FIELDS}
        self._session.add(ApiKeyRow(environment=key.environment.value, scopes=list(key.scopes), **values))

    def get(self, key_id: str) -> ApiKey | None:
        """Return the key in the tenant, or ``None``."""
        row = self._session.scalars(select(ApiKeyRow).where(ApiKeyRow.id == key_id)).first()
        return None if row is None else _key_from_row(row)

    def find_by_hash(self, key_hash: str) -> ApiKey | None:
        """Return the key with this hash, or ``None``."""
        row = self._session.scalars(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash)).first()
        return None if row is None else _key_from_row(row)

    def save(self, key: ApiKey) -> None:
        """Write back the mutable fields of a key."""
        self._session.execute(
            update(ApiKeyRow)
            .where(ApiKeyRow.id == key.id)
            .values(
                last_used_at=key.last_used_at,
                revoked_at=key.revoked_at,
                rotated_to_id=key.rotated_to_id,
                expires_at=key.expires_at,
            )
        )

    def touch(self, key_id: str, used_at: datetime) -> None:
        """Write ``last_used_at`` alone (a concurrent revocation is never overwritten)."""
        self._session.execute(update(ApiKeyRow).where(ApiKeyRow.id == key_id).values(last_used_at=used_at))

    def predecessor(self, key_id: str) -> ApiKey | None:
        """Return the key a rotation replaced by ``key_id``, if any."""
        row = self._session.scalars(select(ApiKeyRow).where(ApiKeyRow.rotated_to_id == key_id)).first()
        return None if row is None else _key_from_row(row)

    def list(
        self, *, limit: int, before_id: str | None = None, status: str | None = None, now: datetime | None = None
    ) -> Page[ApiKey]:
        """Return keys newest first; ``status`` (``active``, ``expired``, ``revoked`` at ``now``) filters them."""
        query = select(ApiKeyRow).order_by(ApiKeyRow.id.desc()).limit(limit + 1)
        if before_id is not None:
            query = query.where(ApiKeyRow.id < before_id)
        moment = now or utc_now()
        if status == "revoked":
            query = query.where(ApiKeyRow.revoked_at.is_not(None), ApiKeyRow.revoked_at <= moment)
        elif status in {"active", "expired"}:
            not_revoked = or_(ApiKeyRow.revoked_at.is_(None), ApiKeyRow.revoked_at > moment)
            expiry = ApiKeyRow.expires_at > moment if status == "active" else ApiKeyRow.expires_at <= moment
            query = query.where(not_revoked, expiry)
        rows = list(self._session.scalars(query))
        return Page([_key_from_row(row) for row in rows[:limit]], has_more=len(rows) > limit)


def _event_from_row(row: AuditEventRow) -> AuditEvent:
    return AuditEvent(
        id=row.id,
        organization_id=row.organization_id,
        environment=Environment(row.environment),
        actor_type=row.actor_type,
        actor_id=row.actor_id,
        credential_id=row.credential_id,
        action=row.action,
        resource_type=row.resource_type,
        resource_id=row.resource_id,
        request_id=row.request_id,
        ip=row.ip,
        user_agent=row.user_agent,
        created_at=row.created_at,
        changes={name: FieldChange(change["before"], change["after"]) for name, change in row.changes.items()},
    )


_AUDIT_EVENTS = cast(Table, AuditEventRow.__table__)


class SqlAuditEventRepository:
    """The audit log in SQL."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def add(self, event: AuditEvent) -> None:
        """Stage an event."""
        insert_row(
            self._session,
            _AUDIT_EVENTS,
            {
                "id": event.id,
                "organization_id": event.organization_id,
                "environment": event.environment.value,
                "actor_type": event.actor_type,
                "actor_id": event.actor_id,
                "credential_id": event.credential_id,
                "action": event.action,
                "resource_type": event.resource_type,
                "resource_id": event.resource_id,
                "request_id": event.request_id,
                "ip": event.ip,
                "user_agent": event.user_agent,
                "created_at": event.created_at,
                "changes": {name: {"before": c.before, "after": c.after} for name, c in event.changes.items()},
            },
        )

    def get(self, event_id: str) -> AuditEvent | None:
        """Return one event of the tenant, or ``None``."""
        row = self._session.scalars(select(AuditEventRow).where(AuditEventRow.id == event_id)).first()
        return None if row is None else _event_from_row(row)

    def list(self, filters: AuditFilter, *, limit: int, before_id: str | None = None) -> Page[AuditEvent]:
        """Return the tenant's events newest first, filtered."""
        query = select(AuditEventRow).order_by(AuditEventRow.id.desc()).limit(limit + 1)
        conditions = {
            AuditEventRow.actor_id: filters.actor_id,
            AuditEventRow.action: filters.action,
            AuditEventRow.resource_type: filters.resource_type,
            AuditEventRow.resource_id: filters.resource_id,
        }
        for column, value in conditions.items():
            if value is not None:
                query = query.where(column == value)
        if filters.since is not None:
            query = query.where(AuditEventRow.created_at >= filters.since)
        if filters.until is not None:
            query = query.where(AuditEventRow.created_at < filters.until)
        if before_id is not None:
            query = query.where(AuditEventRow.id < before_id)
        rows = list(self._session.scalars(query))
        return Page([_event_from_row(row) for row in rows[:limit]], has_more=len(rows) > limit)
