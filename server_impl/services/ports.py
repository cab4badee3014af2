"""Ports: the repositories and the unit of work the use cases need, as Protocols."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from server_impl.domain.api_keys import ApiKey
from server_impl.domain.audit import AuditEvent
from server_impl.domain.catalog import CatalogItem
from server_impl.domain.customers import Customer
from server_impl.domain.estimates import Estimate
from server_impl.domain.events import DomainEvent
from server_impl.domain.idempotency import IdempotencyRecord, StoredResponse
from server_impl.domain.identity import Membership, Organization, User
from server_impl.domain.invoices import Invoice
from server_impl.domain.jobs import Job
from server_impl.domain.payments import Payment
from server_impl.domain.tenancy import Tenant
from server_impl.domain.webhooks import WebhookDelivery, WebhookEndpoint
from server_impl.services.file_ports import FileRepository

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a list: items newest first, and whether more follow."""

    items: Sequence[T]
    has_more: bool


class OrganizationRepository(Protocol):
    """Organizations (not tenant-scoped: they define tenants)."""

    def add(self, organization: Organization) -> None:
        """Stage a new organization."""

    def get(self, organization_id: str) -> Organization | None:
        """Return the organization or ``None``."""


class UserRepository(Protocol):
    """Users of the internal app."""

    def add(self, user: User) -> None:
        """Stage a new user."""

    def get(self, user_id: str) -> User | None:
        """Return the user or ``None``."""


class MembershipRepository(Protocol):
    """Users' roles in organizations."""

    def add(self, membership: Membership) -> None:
        """Stage a new membership."""

    def get(self, organization_id: str, user_id: str) -> Membership | None:
        """Return the user's membership in the organization, or ``None``."""


class ApiKeyRepository(Protocol):
    """API keys of the current tenant (or of every tenant in a system unit of work)."""

    def add(self, key: ApiKey) -> None:
        """Stage a new key."""

    def get(self, key_id: str) -> ApiKey | None:
        """Return the key, or ``None`` when it does not exist in the tenant."""

    def find_by_hash(self, key_hash: str) -> ApiKey | None:
        """Return the key with this secret hash (system unit of work only)."""

    def save(self, key: ApiKey) -> None:
        """Write back a changed key (revoked, rotated, used)."""

    def touch(self, key_id: str, used_at: datetime) -> None:
        """Record that the key authenticated a request at ``used_at`` (only ``last_used_at`` changes)."""

    def predecessor(self, key_id: str) -> ApiKey | None:
        """Return the key a rotation replaced by ``key_id``, if any."""

    def list(
        self, *, limit: int, before_id: str | None = None, status: str | None = None, now: datetime | None = None
    ) -> Page[ApiKey]:
        """Return keys newest first, starting after ``before_id``; ``status`` (at ``now``) filters them."""


@dataclass(frozen=True)
class AuditFilter:
    """Filters of the audit log listing (all optional, combined with AND)."""

    actor_id: str | None = None
    action: str | None = None
    resource_type: str | None = None
    resource_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class AuditEventRepository(Protocol):
    """The tenant's audit log: append and read, never edit."""

    def add(self, event: AuditEvent) -> None:
        """Stage an event in the current transaction."""

    def get(self, event_id: str) -> AuditEvent | None:
        """Return one event, or ``None`` outside the tenant."""

    def list(self, filters: AuditFilter, *, limit: int, before_id: str | None = None) -> Page[AuditEvent]:
        """Return events newest first."""


@dataclass(frozen=True)
class CustomerFilter:
    """Filters of the customer list (combined with AND)."""

    status: str | None = None
    q: str | None = None
    tag: str | None = None
    updated_since: datetime | None = None


class CustomerRepository(Protocol):
    """The tenant's customers."""

    def add(self, customer: Customer) -> None:
        """Stage a new customer."""

    def get(self, customer_id: str) -> Customer | None:
        """Return the customer, or ``None`` outside the tenant."""

    def save(self, customer: Customer) -> None:
        """Write back a changed customer."""

    def list(self, filters: CustomerFilter, *, limit: int, before_id: str | None = None) -> Page[Customer]:
        """Return customers newest first."""


@dataclass(frozen=True)
class CatalogFilter:
    """Filters of the catalog list (combined with AND)."""

    status: str | None = None
    kind: str | None = None
    bookable_online: bool | None = None
    updated_since: datetime | None = None


class CatalogRepository(Protocol):
    """The tenant's service catalog."""

    def add(self, item: CatalogItem) -> None:
        """Stage a new item."""

    def get(self, item_id: str) -> CatalogItem | None:
        """Return the item, or ``None`` outside the tenant."""

    def save(self, item: CatalogItem) -> None:
        """Write back a changed item."""

    def list(self, filters: CatalogFilter, *, limit: int, before_id: str | None = None) -> Page[CatalogItem]:
        """Return items newest first."""


@dataclass(frozen=True)
class InvoiceFilter:
    """Filters of the invoice list (combined with AND).

    Attributes:
        status: The stored status.
        customer_id: Invoices of this customer.
        job_id: Invoices made for this job.
        overdue: Open invoices with money due and a due date before ``today`` (or all the others).
        accounting_sync_status: The accounting handoff status (a connector lists ``pending``).
        updated_since: Updated at or after.
        today: The current UTC date (for ``overdue``).
    """

    status: str | None = None
    customer_id: str | None = None
    job_id: str | None = None
    overdue: bool | None = None
    accounting_sync_status: str | None = None
    updated_since: datetime | None = None
    today: date | None = None


class InvoiceRepository(Protocol):
    """The tenant's invoices."""

    def add(self, invoice: Invoice) -> None:
        """Stage a new invoice."""

    def get(self, invoice_id: str) -> Invoice | None:
        """Return the invoice, or ``None`` outside the tenant."""

    def lock(self, invoice_ids: Sequence[str]) -> dict[str, Invoice]:
        """Return the tenant's invoices among ``invoice_ids``, locked until the transaction ends.

        Rows are locked in id order (``SELECT ... FOR UPDATE`` on PostgreSQL, so concurrent payments
        never deadlock; SQLite serializes writers already). Unknown ids are left out.
        """

    def save(self, invoice: Invoice) -> None:
        """Write back a changed invoice."""

    def list(self, filters: InvoiceFilter, *, limit: int, before_id: str | None = None) -> Page[Invoice]:
        """Return invoices newest first."""


class InvoiceNumberCounter(Protocol):
    """The tenant's invoice number sequence: one counter row, incremented in the caller's transaction."""

    def next(self) -> int:
        """Return the next number (1, 2, ...); the row stays locked until commit, so no number is skipped."""


@dataclass(frozen=True)
class PaymentFilter:
    """Filters of the payment list (combined with AND)."""

    status: str | None = None
    customer_id: str | None = None
    invoice_id: str | None = None
    method: str | None = None
    updated_since: datetime | None = None


class PaymentRepository(Protocol):
    """The tenant's payments with their applications and refunds."""

    def add(self, payment: Payment) -> None:
        """Stage a new payment."""

    def get(self, payment_id: str, *, for_update: bool = False) -> Payment | None:
        """Return the payment (locked until the transaction ends with ``for_update``), or ``None``."""

    def save(self, payment: Payment) -> None:
        """Write back a changed payment."""

    def list(self, filters: PaymentFilter, *, limit: int, before_id: str | None = None) -> Page[Payment]:
        """Return payments newest first."""


@dataclass(frozen=True)
class JobFilter:
    """Filters of the job list (combined with AND).

    Attributes:
        status: Jobs in this status.
        customer_id: Jobs of this customer.
        technician_id: Jobs this technician is assigned to.
        scheduled_after: Jobs whose schedule window ends at or after this time.
        scheduled_before: Jobs whose schedule window starts before this time.
        tag: Jobs carrying this tag.
        updated_since: Updated at or after.
    """

    status: str | None = None
    customer_id: str | None = None
    technician_id: str | None = None
    scheduled_after: datetime | None = None
    scheduled_before: datetime | None = None
    tag: str | None = None
    updated_since: datetime | None = None


class JobRepository(Protocol):
    """The tenant's jobs."""

    def add(self, job: Job) -> None:
        """Stage a new job."""

    def get(self, job_id: str) -> Job | None:
        """Return the job, or ``None`` outside the tenant."""

    def save(self, job: Job, *, expected_version: int) -> None:
        """Write back a changed job that was at ``expected_version`` when read.

        Raises:
            Conflict: If another write changed the job since (nothing is written).
        """

    def next_number(self) -> int:
        """Return the next job number of the tenant (1001, 1002, ...; never reused)."""

    def list(self, filters: JobFilter, *, limit: int, before_id: str | None = None) -> Page[Job]:
        """Return jobs newest first."""


@dataclass(frozen=True)
class EventFilter:
    """Filters of the event list (combined with AND).

    Attributes:
        type: An exact event type, or ``<resource>.*`` for every type of a resource.
        customer_id: Events of objects belonging to this customer (its activity history).
        resource_types: Only events of these resources (``job``, ``invoice`` ...).
        since: Created at or after.
        until: Created before.
    """

    type: str | None = None
    customer_id: str | None = None
    resource_types: tuple[str, ...] | None = None
    since: datetime | None = None
    until: datetime | None = None


class EventRepository(Protocol):
    """The tenant's outbox: events are appended with their write and read back, never edited."""

    def add(self, event: DomainEvent) -> None:
        """Stage an event in the current transaction."""

    def get(self, event_id: str) -> DomainEvent | None:
        """Return one event, or ``None`` outside the tenant."""

    def list(self, filters: EventFilter, *, limit: int, before_id: str | None = None) -> Page[DomainEvent]:
        """Return events newest first."""


@dataclass(frozen=True)
class EstimateFilter:
    """Filters of the estimate list (combined with AND).

    Attributes:
        status: The status as of ``today``: ``sent`` leaves out, and ``expired`` takes in, sent
            estimates whose ``valid_until`` is before ``today``.
        customer_id: Estimates of this customer.
        job_id: Estimates made for this job.
        updated_since: Updated at or after.
        today: The current UTC date (expiry is checked on read).
    """

    status: str | None = None
    customer_id: str | None = None
    job_id: str | None = None
    updated_since: datetime | None = None
    today: date | None = None


class EstimateRepository(Protocol):
    """The tenant's estimates (as stored: callers apply expiry on read)."""

    def add(self, estimate: Estimate) -> None:
        """Stage a new estimate."""

    def get(self, estimate_id: str) -> Estimate | None:
        """Return the estimate, or ``None`` outside the tenant."""

    def save(self, estimate: Estimate) -> None:
        """Write back a changed estimate."""

    def next_number(self) -> int:
        """Return the next estimate number of the tenant (1, 2, ...)."""

    def list(self, filters: EstimateFilter, *, limit: int, before_id: str | None = None) -> Page[Estimate]:
        """Return estimates newest first."""

    def due_for_expiry(self, today: date, *, limit: int) -> Sequence[tuple[Tenant, str]]:
        """Return ``(tenant, estimate id)`` of sent estimates valid until before ``today`` (system unit of work)."""


@dataclass(frozen=True)
class DeliveryFilter:
    """Filters of an endpoint's delivery list (combined with AND)."""

    status: str | None = None
    event_type: str | None = None
    since: datetime | None = None
    until: datetime | None = None


class WebhookEndpointRepository(Protocol):
    """The tenant's webhook endpoints (secrets sealed at rest by the adapter)."""

    def add(self, endpoint: WebhookEndpoint) -> None:
        """Stage a new endpoint."""

    def get(self, endpoint_id: str) -> WebhookEndpoint | None:
        """Return the endpoint, or ``None`` outside the tenant."""

    def save(self, endpoint: WebhookEndpoint) -> None:
        """Write back a changed endpoint."""

    def delete(self, endpoint_id: str) -> None:
        """Delete the endpoint with its deliveries and their attempts."""

    def list(self, *, status: str | None, limit: int, before_id: str | None = None) -> Page[WebhookEndpoint]:
        """Return endpoints newest first."""


class WebhookDeliveryRepository(Protocol):
    """Deliveries of the tenant's endpoints and their attempts."""

    def add(self, delivery: WebhookDelivery) -> None:
        """Stage a new delivery."""

    def get(self, endpoint_id: str, delivery_id: str, *, with_attempts: bool = False) -> WebhookDelivery | None:
        """Return a delivery of the endpoint (with its attempts, oldest first), or ``None``."""

    def save(self, delivery: WebhookDelivery) -> None:
        """Write back a changed delivery (status, schedule)."""

    def list(
        self, endpoint_id: str, filters: DeliveryFilter, *, limit: int, before_id: str | None = None
    ) -> Page[WebhookDelivery]:
        """Return the endpoint's deliveries newest first."""


class IdempotencyRepository(Protocol):
    """The tenant's idempotency keys."""

    def claim(self, record: IdempotencyRecord) -> bool:
        """Insert the record; ``False`` (and nothing written) when the key already exists."""

    def get(self, key: str) -> IdempotencyRecord | None:
        """Return the record of a key, or ``None``."""

    def complete(self, key: str, response: StoredResponse) -> None:
        """Mark the key completed with its response, in the current transaction."""

    def release(self, key: str) -> None:
        """Forget an in-progress claim (the request failed)."""

    def take_over(self, key: str, stale: IdempotencyRecord, record: IdempotencyRecord) -> bool:
        """Replace an expired or abandoned record; ``False`` if someone else changed it first."""


class UnitOfWork(Protocol):
    """One database transaction with the repositories bound to it.

    Use as a context manager; nothing is written unless :meth:`commit` is called, and leaving the
    block without committing rolls back.
    """

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

    def __enter__(self) -> Self:
        """Begin."""

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        """Roll back anything not committed and release the connection."""

    def commit(self) -> None:
        """Commit the transaction."""

    def rollback(self) -> None:
        """Roll back the transaction."""


class WriterBusy(Exception):
    """The database's writer lock is taken, and the work asked not to wait for it (nothing was written).

    Raised by the first write transaction inside :meth:`UnitOfWorkFactory.first_write_without_waiting`.
    """


class UnitOfWorkFactory(Protocol):
    """Opens a unit of work confined to one tenant, or a system one (``None``) for identity lookups.

    Attributes:
        inline: Units never wait on the network (an embedded SQLite database): the web layer may run
            them on the event loop instead of hopping to a worker thread. Reads never wait on a lock
            either (WAL); a write may, so it runs there inside :meth:`first_write_without_waiting`.
    """

    inline: bool

    def __call__(self, tenant: Tenant | None, /, *, read_only: bool = False) -> UnitOfWork:
        """Return a unit of work; a ``read_only`` one must not write (it takes no write lock)."""

    def close(self) -> None:
        """Let go of what the factory keeps open between units of work (before the database is disposed of)."""

    def first_write_without_waiting(self) -> AbstractContextManager[None]:
        """Within this block the first write transaction raises :class:`WriterBusy` rather than wait.

        Work run inside it must have no effect outside the database before its first write, so
        that it can be run again elsewhere (where it may wait) when that write is refused.
        """
