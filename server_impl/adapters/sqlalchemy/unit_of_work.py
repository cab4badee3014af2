"""The SQLAlchemy unit of work: one session, one transaction, repositories bound to it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import AbstractContextManager
from types import TracebackType
from typing import Any, Generic, Self, TypeVar, cast, overload

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from server_impl.adapters.sqlalchemy.engine import first_write_without_waiting, read_only_transactions
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
    WriterBusy,
)

R = TypeVar("R")


class _Repository(Generic[R]):
    """A repository of the unit of work, built on its session the first time it is used.

    A request uses one or two of the seventeen; building them all on entry was a tenth of a
    one-row read. Assigning one (a test's stand-in) replaces it for that unit of work.
    """

    def __init__(self, build: Callable[[SqlAlchemyUnitOfWork], R]) -> None:
        self._build = build
        self._name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self._name = name

    @overload
    def __get__(self, uow: None, owner: type) -> Self: ...

    @overload
    def __get__(self, uow: SqlAlchemyUnitOfWork, owner: type) -> R: ...

    def __get__(self, uow: SqlAlchemyUnitOfWork | None, owner: type) -> Self | R:
        if uow is None:
            return self
        built = uow.repositories.get(self._name)
        if built is None:
            built = uow.repositories[self._name] = self._build(uow)
        return cast(R, built)

    def __set__(self, uow: SqlAlchemyUnitOfWork, repository: R) -> None:
        uow.repositories[self._name] = repository


class SqlAlchemyUnitOfWork:
    """A unit of work confined to one tenant (or a system one for identity lookups).

    A writing unit opens a session at once. A read-only one opens only a connection: the Core
    reads of the hot paths run on it (see :class:`~server_impl.adapters.sqlalchemy.tenancy.ScopedConnection`),
    and a session joining its transaction is built the first time a repository needs the ORM.
    """

    tenant: Tenant | None
    organizations = _Repository[OrganizationRepository](lambda uow: SqlOrganizationRepository(uow.session))
    users = _Repository[UserRepository](lambda uow: SqlUserRepository(uow.session))
    memberships = _Repository[MembershipRepository](lambda uow: SqlMembershipRepository(uow.session))
    api_keys = _Repository[ApiKeyRepository](lambda uow: SqlApiKeyRepository(uow.session))
    audit_events = _Repository[AuditEventRepository](lambda uow: SqlAuditEventRepository(uow.session))
    events = _Repository[EventRepository](lambda uow: SqlEventRepository(uow.session))
    idempotency = _Repository[IdempotencyRepository](lambda uow: SqlIdempotencyRepository(uow.session))
    customers = _Repository[CustomerRepository](SqlCustomerRepository)
    catalog = _Repository[CatalogRepository](lambda uow: SqlCatalogRepository(uow.session))
    jobs = _Repository[JobRepository](SqlJobRepository)
    invoices = _Repository[InvoiceRepository](lambda uow: SqlInvoiceRepository(uow.session))
    invoice_numbers = _Repository[InvoiceNumberCounter](lambda uow: SqlInvoiceNumberCounter(uow.session, uow.tenant))
    payments = _Repository[PaymentRepository](lambda uow: SqlPaymentRepository(uow.session))
    estimates = _Repository[EstimateRepository](lambda uow: SqlEstimateRepository(uow.session))
    webhook_endpoints = _Repository[WebhookEndpointRepository](lambda uow: SqlWebhookEndpointRepository(uow.session))
    webhook_deliveries = _Repository[WebhookDeliveryRepository](lambda uow: SqlWebhookDeliveryRepository(uow.session))
    files = _Repository[FileRepository](lambda uow: SqlFileRepository(uow.session))

    def __init__(
        self,
        factory: sessionmaker[Session],
        tenant: Tenant | None,
        *,
        read_only: bool = False,
        readers: _ThreadReaders | None = None,
        writers: _ThreadWriters | None = None,
    ) -> None:
        self._factory = factory
        self._engine: Engine = factory.kw["bind"]
        self._readers = readers
        self._writers = writers
        self._writer: Connection | None = None  # the thread's kept connection a writing unit's session is bound to
        self._kept = False  # whether the connection is its thread's kept one
        self.tenant = tenant
        self.read_only = read_only
        """Whether this unit of work only reads (it begins deferred on SQLite)."""
        self._reading: AbstractContextManager[None] | None = None
        self._session: Session | None = None
        self._connection: Connection | None = None
        self._info: dict[Any, Any] = {}
        self.repositories: dict[str, object] = {}
        """The repositories built so far, by name (see :class:`_Repository`)."""

    def __enter__(self) -> Self:
        self._info = {SCOPE_KEY: self.tenant if self.tenant is not None else SYSTEM}
        self._session = self._connection = None
        if self.read_only:
            kept = None if self._readers is None else self._readers.take()
            self._kept = kept is not None
            if kept is not None:
                self._connection = kept
            else:
                self._reading = read_only_transactions()
                self._reading.__enter__()
                try:
                    self._connection = self._engine.connect()
                except BaseException:  # no __exit__ follows a failed __enter__: leave the block here
                    self._reading.__exit__(None, None, None)
                    self._reading = None
                    raise
        else:
            writer = None if self._writers is None else self._writers.take()
            self._writer = writer
            self._session = self._factory(info=self._info, **({} if writer is None else {"bind": writer}))
        self.repositories.clear()  # a unit of work entered again builds its repositories anew
        return self

    @property
    def session(self) -> Session:
        """The ORM session (of a read-only unit: built on first use, on its connection)."""
        if self._session is None:
            if self._connection is None:
                raise RuntimeError("the unit of work is not open")
            self._session = self._factory(bind=self._connection, info=self._info)
        return self._session

    @property
    def info(self) -> dict[Any, Any]:
        """The scope of the statements (``info[SCOPE_KEY]``), the session's own once there is one."""
        return self._session.info if self._session is not None else self._info

    def connection(self) -> Connection:
        """The connection of this unit's transaction."""
        return self._connection if self._connection is not None else self.session.connection()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        try:
            if self._session is not None:
                self._session.close()  # rolls back whatever was not committed, and returns the connection
            if self._writer is not None and self._writers is not None:
                self._writers.give_back(self._writer, failed=exc is not None and not isinstance(exc, WriterBusy))
            if self._connection is not None:
                if self._readers is not None and self._kept:
                    self._readers.give_back(self._connection, failed=exc is not None)
                else:
                    self._connection.close()  # ends the read transaction, and returns the connection
        finally:
            self._session = self._connection = self._writer = None
            if self._reading is not None:
                self._reading.__exit__(None, None, None)
                self._reading = None
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


class _KeptConnections:
    """One connection per thread kept between units of work (SQLite: no server to hold it open).

    At most :attr:`MAX_KEPT` threads keep one (the event loop's, where SQLite's units run, and a
    few of the thread pool's); other threads' units check one out of the pool as before, so the
    pool (5 + 10 overflow) is never exhausted by kept connections. A thread that ended gives its
    slot back the next time a connection is to be kept. A unit opened while another of the same
    thread holds the connection uses the pool too.
    """

    MAX_KEPT = 4

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._local = threading.local()
        self._lock = threading.Lock()
        self._open: dict[Connection, threading.Thread] = {}

    def take(self) -> Connection | None:
        """Mark this thread's connection taken and return it (opened first if need be), or ``None`` (use the pool)."""
        local = self._local
        if getattr(local, "taken", False):
            return None
        connection: Connection | None = getattr(local, "connection", None)
        if connection is None or connection.closed or connection.invalidated:
            with self._lock:
                if connection is not None:  # closed or invalidated: its slot is free
                    self._open.pop(connection, None)
                for ended in [kept for kept, thread in self._open.items() if not thread.is_alive()]:
                    del self._open[ended]
                    ended.close()
                if len(self._open) >= self.MAX_KEPT:
                    return None
            connection = self._engine.connect()
            local.connection = connection
            with self._lock:
                self._open[connection] = threading.current_thread()
        local.taken = True
        return connection

    def _release(self, connection: Connection, *, keep: bool) -> None:
        """End the thread's use of the connection; close it (back to the pool's reset) unless ``keep``."""
        self._local.taken = False
        if not keep:
            with self._lock:
                self._open.pop(connection, None)
            self._local.connection = None
            connection.close()

    def close(self) -> None:
        """Close every kept connection."""
        with self._lock:
            connections, self._open = list(self._open), {}
        for connection in connections:
            connection.close()


class _ThreadReaders(_KeptConnections):
    """Kept connections for read-only units of work.

    Checking a connection out of the pool and back for every read cost about a sixth of a GET of
    one customer. A read-only unit of work instead takes its thread's connection: SQLite's deferred
    ``BEGIN`` when the unit starts, its ``ROLLBACK`` when it ends. A unit that fails closes the
    connection, so no broken or half-read state is ever reused.

    SQLAlchemy's own transaction on a kept connection is begun once and stays open for the
    connection's life: each unit's transaction is SQLite's, begun and ended on the driver
    connection, because SQLAlchemy's begin and rollback (transaction objects, state checks, the
    dialect's steps) cost 5 us per read, three times SQLite's own two statements. Statements and
    sessions on the connection see a transaction in progress and join it, as they would have.
    """

    def take(self) -> Connection | None:
        """Return this thread's reading connection in a new read transaction, or ``None`` (use the pool)."""
        connection = super().take()
        if connection is None:
            return None
        if connection.in_transaction():
            _driver(connection).execute("BEGIN")  # deferred: takes no lock
        else:  # a new connection, or one whose SQLAlchemy transaction a unit ended
            with read_only_transactions():
                connection.begin()  # SQLAlchemy's transaction, for the connection's life (SQLite's BEGIN too)
        return connection

    def give_back(self, connection: Connection, *, failed: bool) -> None:
        """End the unit's read transaction; after a failure, close the connection instead of keeping it."""
        keep = not failed and not connection.invalidated
        if keep:
            _driver(connection).rollback()  # SQLite's transaction only
        self._release(connection, keep=keep)  # closing rolls back SQLAlchemy's transaction and SQLite's


class _ThreadWriters(_KeptConnections):
    """Kept connections for the sessions of writing units of work.

    A writing unit's session is bound to its thread's connection instead of checking one out of the
    pool and returning it (with the pool's reset) for every write: about 4 % of a create. The
    session begins and commits (or rolls back) the transaction on it as on a pooled one. A unit
    that fails closes the connection, unless it was refused before it began (``WriterBusy``).
    """

    def give_back(self, connection: Connection, *, failed: bool) -> None:
        """Keep the connection for the thread's next write; close it after a failure or a transaction left open."""
        left_open = connection.invalidated or connection.in_transaction() or _driver(connection).in_transaction
        self._release(connection, keep=not failed and not left_open)


def _driver(connection: Connection) -> Any:
    # The sqlite3 connection under a SQLAlchemy connection (typed Any by SQLAlchemy).
    return connection.connection.driver_connection


class SqlAlchemyUnitOfWorkFactory:
    """Opens :class:`SqlAlchemyUnitOfWork` on one session factory (the ``UnitOfWorkFactory`` port)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory
        engine: Engine = factory.kw["bind"]
        self.inline = engine.dialect.name == "sqlite"
        self._readers = _ThreadReaders(engine) if self.inline else None
        self._writers = _ThreadWriters(engine) if self.inline else None

    def __call__(self, tenant: Tenant | None, /, *, read_only: bool = False) -> SqlAlchemyUnitOfWork:
        """Return a unit of work of the tenant (``None``: system); ``read_only`` ones never write."""
        return SqlAlchemyUnitOfWork(
            self._factory, tenant, read_only=read_only, readers=self._readers, writers=self._writers
        )

    def close(self) -> None:
        """Close the connections kept for reading (call before disposing of the engine)."""
        if self._readers is not None:
            self._readers.close()
        if self._writers is not None:
            self._writers.close()

    def first_write_without_waiting(self) -> AbstractContextManager[None]:
        """See :meth:`server_impl.services.ports.UnitOfWorkFactory.first_write_without_waiting`."""
        return first_write_without_waiting()


def unit_of_work_factory(factory: sessionmaker[Session]) -> SqlAlchemyUnitOfWorkFactory:
    """Return ``tenant -> SqlAlchemyUnitOfWork`` bound to a session factory."""
    return SqlAlchemyUnitOfWorkFactory(factory)
