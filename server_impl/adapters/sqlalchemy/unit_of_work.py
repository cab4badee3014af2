"""The SQLAlchemy unit of work: one session, one transaction, repositories bound to it."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from server_impl.adapters.sqlalchemy.idempotency import SqlIdempotencyRepository
from server_impl.adapters.sqlalchemy.repositories import (
    SqlApiKeyRepository,
    SqlAuditEventRepository,
    SqlMembershipRepository,
    SqlOrganizationRepository,
    SqlUserRepository,
)
from server_impl.adapters.sqlalchemy.resources import SqlCatalogRepository, SqlCustomerRepository
from server_impl.adapters.sqlalchemy.tenancy import SCOPE_KEY, SYSTEM
from server_impl.domain.errors import Conflict
from server_impl.domain.tenancy import Tenant
from server_impl.services.ports import (
    ApiKeyRepository,
    AuditEventRepository,
    CatalogRepository,
    CustomerRepository,
    IdempotencyRepository,
    MembershipRepository,
    OrganizationRepository,
    UserRepository,
)


class SqlAlchemyUnitOfWork:
    """A unit of work confined to one tenant (or a system one for identity lookups).

    Attributes:
        session: The session; adapters (and tests' own repositories) may build on it.
    """

    session: Session
    organizations: OrganizationRepository
    users: UserRepository
    memberships: MembershipRepository
    api_keys: ApiKeyRepository
    audit_events: AuditEventRepository
    idempotency: IdempotencyRepository
    customers: CustomerRepository
    catalog: CatalogRepository

    def __init__(self, factory: sessionmaker[Session], tenant: Tenant | None) -> None:
        self._factory = factory
        self.tenant = tenant

    def __enter__(self) -> Self:
        self.session = self._factory(info={SCOPE_KEY: self.tenant if self.tenant is not None else SYSTEM})
        self.organizations = SqlOrganizationRepository(self.session)
        self.users = SqlUserRepository(self.session)
        self.memberships = SqlMembershipRepository(self.session)
        self.api_keys = SqlApiKeyRepository(self.session)
        self.audit_events = SqlAuditEventRepository(self.session)
        self.idempotency = SqlIdempotencyRepository(self.session)
        self.customers = SqlCustomerRepository(self.session)
        self.catalog = SqlCatalogRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        """Commit; a unique-constraint violation becomes a domain :class:`Conflict`.

        Raises:
            Conflict: If the write clashes with an existing row.
        """
        try:
            self.session.commit()
        except IntegrityError as error:
            self.session.rollback()
            raise Conflict("The request conflicts with an existing object.") from error

    def rollback(self) -> None:
        """Roll back the transaction."""
        self.session.rollback()


def unit_of_work_factory(factory: sessionmaker[Session]) -> Callable[[Tenant | None], SqlAlchemyUnitOfWork]:
    """Return ``tenant -> SqlAlchemyUnitOfWork`` bound to a session factory."""

    def make(tenant: Tenant | None) -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(factory, tenant)

    return make
