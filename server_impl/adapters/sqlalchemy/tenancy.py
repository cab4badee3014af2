"""The one place tenancy is enforced: every ORM query and insert of a tenant-owned row.

Each session carries its scope in ``session.info["tenant_scope"]``: a :class:`Tenant`, or
:data:`SYSTEM` for the few identity lookups that precede knowing the tenant (finding an API key by
its hash). A session without a scope sees no tenant-owned rows at all.
"""

from __future__ import annotations

from typing import Any, Final

from sqlalchemy import bindparam, event, false
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker, with_loader_criteria

from server_impl.adapters.sqlalchemy.tables import TenantScoped
from server_impl.domain.tenancy import Tenant

SCOPE_KEY: Final = "tenant_scope"
SYSTEM: Final = "system"


class TenantViolation(RuntimeError):
    """A row of another tenant was about to be written: a bug, never a user error."""


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
