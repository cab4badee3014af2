"""The SQLAlchemy unit of work: one session, one transaction, repositories bound to it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from server_impl.adapters.sqlalchemy.engine import READ_ONLY_OPTION
from server_impl.adapters.sqlalchemy.estimates import SqlEstimateRepository
from server_impl.adapters.sqlalchemy.events import SqlEventRepository
from server_impl.adapters.sqlalchemy.files import SqlFileRepository
from server_impl.adapters.sqlalchemy.idempotency import SqlIdempotencyRepository
from server_impl.adapters.sqlalchemy.invoices import SqlInvoiceNumberCounter, SqlInvoiceRepository
from server_impl.adapters.sqlalchemy.jobs import SqlJobRepository
from server_impl.adapters.sqlalchemy.payments import SqlPaymentRepository
from server_impl.adapters.sqlalchemy.repositories import (
    SqlApiKeyRepository,
    SqlAuditEventRepository,
    SqlMembershipRepository,
    SqlOrganizationRepository,
    SqlUserRepository,
)
from server_impl.adapters.sqlalchemy.resources import SqlCatalogRepository, SqlCustomerRepository
from server_impl.adapters.sqlalchemy.tenancy import SCOPE_KEY, SYSTEM
from server_impl.adapters.sqlalchemy.webhooks import SqlWebhookDeliveryRepository, SqlWebhookEndpointRepository
from server_impl.domain.errors import Conflict
from server_impl.domain.tenancy import Tenant
from server_impl.services.file_ports import FileRepository
from server_impl.services.ports import (
    ApiKeyRepository,
    AuditEventRepository,
    CatalogRepository,
    CustomerRepository,
    EstimateRepository,
    EventRepository,
    IdempotencyRepository,
    InvoiceNumberCounter,
    InvoiceRepository,
    JobRepository,
    MembershipRepository,
    OrganizationRepository,
    PaymentRepository,
    UserRepository,
    WebhookDeliveryRepository,
    WebhookEndpointRepository,
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
    events: EventRepository
    idempotency: IdempotencyRepository
    customers: CustomerRepository
    catalog: CatalogRepository
    jobs: JobRepository
    invoices: InvoiceRepository
    invoice_numbers: InvoiceNumberCounter
    payments: PaymentRepository
    estimates: EstimateRepository
    webhook_endpoints: WebhookEndpointRepository
    webhook_deliveries: WebhookDeliveryRepository
    files: FileRepository

    def __init__(
        self, factory: sessionmaker[Session], tenant: Tenant | None, *, read_only_bind: Engine | None = None
    ) -> None:
        self._factory = factory
        self.tenant = tenant
        self._read_only_bind = read_only_bind

    @property
    def read_only(self) -> bool:
        """Whether this unit of work only reads (it begins deferred on SQLite)."""
        return self._read_only_bind is not None

    def __enter__(self) -> Self:
        info = {SCOPE_KEY: self.tenant if self.tenant is not None else SYSTEM}
        if self._read_only_bind is not None:
            self.session = self._factory(info=info, bind=self._read_only_bind)
        else:
            self.session = self._factory(info=info)
        self.organizations = SqlOrganizationRepository(self.session)
        self.users = SqlUserRepository(self.session)
        self.memberships = SqlMembershipRepository(self.session)
        self.api_keys = SqlApiKeyRepository(self.session)
        self.audit_events = SqlAuditEventRepository(self.session)
        self.events = SqlEventRepository(self.session)
        self.idempotency = SqlIdempotencyRepository(self.session)
        self.customers = SqlCustomerRepository(self.session)
        self.catalog = SqlCatalogRepository(self.session)
        self.jobs = SqlJobRepository(self.session)
        self.invoices = SqlInvoiceRepository(self.session)
        self.invoice_numbers = SqlInvoiceNumberCounter(self.session, self.tenant)
        self.payments = SqlPaymentRepository(self.session)
        self.estimates = SqlEstimateRepository(self.session)
        self.webhook_endpoints = SqlWebhookEndpointRepository(self.session)
        self.webhook_deliveries = SqlWebhookDeliveryRepository(self.session)
        self.files = SqlFileRepository(self.session)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.close()  # rolls back whatever was not committed, and returns the connection
        if isinstance(exc, IntegrityError):  # a statement flushed before commit clashed with a unique row
            raise Conflict("The request conflicts with an existing object.") from exc

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


class SqlAlchemyUnitOfWorkFactory:
    """Opens :class:`SqlAlchemyUnitOfWork` on one session factory (the ``UnitOfWorkFactory`` port)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        engine: Engine = factory.kw["bind"]
        self._read_only_bind = engine.execution_options(**{READ_ONLY_OPTION: True})
        self.inline_reads = engine.dialect.name == "sqlite"

    def __call__(self, tenant: Tenant | None, /, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        """Return a unit of work of the tenant (``None``: system); ``read_only`` ones never write."""
        return SqlAlchemyUnitOfWork(self._factory, tenant, read_only_bind=self._read_only_bind if read_only else None)


def unit_of_work_factory(factory: sessionmaker[Session]) -> SqlAlchemyUnitOfWorkFactory:
    """Return ``tenant -> SqlAlchemyUnitOfWork`` bound to a session factory."""
    return SqlAlchemyUnitOfWorkFactory(factory)
