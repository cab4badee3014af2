"""The one place tenancy is enforced: every ORM query, Core read and insert of a tenant-owned row.

Hot read paths use Core through :func:`read_rows`, which applies the same criteria. Each session
carries its scope in ``session.info["tenant_scope"]``: a :class:`Tenant`, or :data:`SYSTEM` for
the few identity lookups that precede knowing the tenant (finding an API key by its hash). A
session without a scope sees no tenant-owned rows at all.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, Final, Protocol

from sqlalchemy import Connection, Select, Table, bindparam, event, false
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria
from sqlalchemy.sql import visitors
from sqlalchemy.sql.selectable import FromClause

from server_impl.adapters.sqlalchemy.prepared import insert_of, prepared_insert, prepared_read
from server_impl.adapters.sqlalchemy.tables import Base, TenantScoped
from server_impl.domain.tenancy import Tenant

SCOPE_KEY: Final = "tenant_scope"
SYSTEM: Final = "system"


class TenantViolation(RuntimeError):
    """A row of another tenant was about to be written: a bug, never a user error."""


class ScopedConnection(Protocol):
    """A connection with its tenant scope in ``info[SCOPE_KEY]``: a session, or a unit of work.

    :func:`read_rows` needs only these two; a read-only unit of work answers them from a plain
    connection, without building a session (about a tenth of a one-row read). :func:`insert_row`
    takes the session itself: it flushes pending ORM rows first.
    """

    @property
    def info(self) -> dict[Any, Any]:
        """Holds the scope under ``SCOPE_KEY``."""
        ...

    def connection(self) -> Connection:
        """The connection whose transaction the statements join."""
        ...


class SqlScope(ScopedConnection, Protocol):
    """What a repository that mixes Core and ORM statements runs on: the unit of work."""

    @property
    def session(self) -> Session:
        """The ORM session of the same transaction (built when first asked for)."""
        ...


ORGANIZATION_PARAM: Final = "_tenant_organization_id"
ENVIRONMENT_PARAM: Final = "_tenant_environment"

# The criteria take the tenant as bound parameters, not closure values: the option (and its cache
# key) is the same for every tenant, so SQLAlchemy reuses the compiled statement and the lambda's
# analysis; the values are added to each execution's parameters by the hook below.
_TENANT_ROWS = with_loader_criteria(
    TenantScoped,
    lambda cls: (
        # literal names: SQLAlchemy's lambda analysis would wrap module globals as tracked values
        (cls.organization_id == bindparam("_tenant_organization_id"))
        & (cls.environment == bindparam("_tenant_environment"))
    ),
    include_aliases=True,
)
_NO_ROWS = with_loader_criteria(TenantScoped, lambda _cls: false(), include_aliases=True)


def _with_tenant(parameters: Any, scope: Tenant) -> Any:
    values = {ORGANIZATION_PARAM: scope.organization_id, ENVIRONMENT_PARAM: scope.environment.value}
    if isinstance(parameters, list):  # executemany
        return [{**item, **values} for item in parameters]
    return {**(parameters or {}), **values}


def install_tenant_guard(factory: sessionmaker[Session]) -> None:
    """Filter every SELECT/UPDATE/DELETE and check every INSERT by the session's tenant.

    Args:
        factory: The session factory whose sessions are guarded.
    """

    @event.listens_for(factory, "do_orm_execute")
    def _filter(state: ORMExecuteState) -> None:
        scope = state.session.info.get(SCOPE_KEY)
        if scope == SYSTEM or not (state.is_select or state.is_update or state.is_delete):
            return
        if isinstance(scope, Tenant):
            state.statement = state.statement.options(_TENANT_ROWS)
            state.parameters = _with_tenant(state.parameters, scope)
        else:
            state.statement = state.statement.options(_NO_ROWS)

    @event.listens_for(factory, "before_flush")
    def _stamp(session: Session, _context: Any, _instances: Any) -> None:
        scope = session.info.get(SCOPE_KEY)
        for obj in session.new:
            if not isinstance(obj, TenantScoped) or scope == SYSTEM:
                continue
            if not isinstance(scope, Tenant):
                raise TenantViolation("tenant-owned row written by a session without a tenant")
            if getattr(obj, "organization_id", None) is None and getattr(obj, "environment", None) is None:
                obj.organization_id, obj.environment = scope.organization_id, scope.environment.value
            elif (obj.organization_id, obj.environment) != (scope.organization_id, scope.environment.value):
                raise TenantViolation("row of another tenant written in a tenant-scoped session")


# ------------------------------------------------------------------------------------------ Core reads
# Hot read paths (GET one, list) skip the ORM: a Core select of a table's columns runs about three
# times faster than the same ORM-enabled select (no compile-state, loader options or cache key of
# the criteria option per call). They go through read_rows, which applies the same criteria as the
# ORM hook from the same session scope, and refuses what it cannot filter for certain.


@functools.cache
def _tenant_tables() -> frozenset[Table]:
    tables = set()
    for mapper in Base.registry.mappers:
        if issubclass(mapper.class_, TenantScoped) and isinstance(mapper.local_table, Table):
            tables.add(mapper.local_table)
    return frozenset(tables)


@functools.lru_cache(maxsize=512)  # holds the statements it saw, so an id is never reused while cached
def tenant_filtered(statement: Select[Any]) -> Select[Any]:
    """Return ``statement`` with the tenant criteria on every tenant-owned table it reads.

    Only single-level selects are accepted: every FROM is a plain table, with no join, alias,
    subquery or CTE anywhere in the statement (the criteria could miss a nested read). Build
    statements once at import time (or cache them per shape) so this runs once per statement.

    Raises:
        TenantViolation: The statement has a shape this filter cannot vouch for.
    """
    froms = statement.get_final_froms()
    for element in visitors.iterate(statement):
        nested = element is not statement and isinstance(element, (Select, FromClause)) and element not in froms
        if nested or (isinstance(element, FromClause) and not isinstance(element, Table)):
            raise TenantViolation("Core reads take single-table selects; read through the ORM session instead")
    tenant = _tenant_tables()
    for table in froms:
        if table in tenant:
            statement = statement.where(
                table.c.organization_id == bindparam(ORGANIZATION_PARAM),
                table.c.environment == bindparam(ENVIRONMENT_PARAM),
            )
    return statement


def read_rows(
    source: ScopedConnection, statement: Select[Any], parameters: Mapping[str, Any] | None = None
) -> Sequence[Any]:
    """Run a Core select in the source's transaction, confined to its tenant exactly like the ORM hook.

    Args:
        source: A unit of work or its session (its ``tenant_scope`` decides the rows).
        statement: A single-table select (see :func:`tenant_filtered`), ideally a module constant.
        parameters: Values of the statement's own bound parameters.

    Returns:
        The rows: tuples whose columns are also attributes by their keys.
    """
    scope = source.info.get(SCOPE_KEY)
    connection = source.connection()
    if scope == SYSTEM:
        filtered, values = statement, dict(parameters or {})
    elif isinstance(scope, Tenant):
        filtered, values = tenant_filtered(statement), _with_tenant(parameters, scope)
    else:
        return connection.execute(statement.where(false()), dict(parameters or {})).all()
    prepared = prepared_read(filtered, connection.dialect)
    if prepared is None:
        return connection.execute(filtered, values).all()
    return prepared.rows(connection, values)


def insert_row(session: Session, table: Table, values: Mapping[str, Any]) -> None:
    """Insert one row with Core in the session's transaction, stamped and checked like an ORM insert.

    A row of a tenant-owned table gets the session's tenant when it names none, and refuses one that
    names another (the ``before_flush`` rule of the ORM path). The statement runs at once (an ORM
    ``add`` waits for the flush): about half the cost of a flushed instance per row.

    Args:
        session: A session of a unit of work.
        table: The row's table (``SomeRow.__table__``).
        values: Column values by column name.

    Raises:
        TenantViolation: A tenant-owned row written without a tenant, or for another tenant.
    """
    row = dict(values)
    scope = session.info.get(SCOPE_KEY)
    if scope != SYSTEM and table in _tenant_tables():
        if not isinstance(scope, Tenant):
            raise TenantViolation("tenant-owned row written by a session without a tenant")
        tenant = (scope.organization_id, scope.environment.value)
        if row.get("organization_id") is None and row.get("environment") is None:
            row["organization_id"], row["environment"] = tenant
        elif (row.get("organization_id"), row.get("environment")) != tenant:
            raise TenantViolation("row of another tenant written in a tenant-scoped session")
    # On the session's connection, not through Session.execute: the ORM layer adds nothing to a
    # Core insert (the guard's execute hook filters reads and bulk writes) but cost a third of
    # each insert. Pending ORM rows are flushed first, as Session.execute's autoflush did.
    session.flush()
    connection = session.connection()
    prepared = prepared_insert(table, frozenset(row), connection.dialect)
    if prepared is None:
        connection.execute(insert_of(table), row)
    else:
        prepared.execute(connection, row)
