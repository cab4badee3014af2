"""Tenants full of real objects, request recipes for every operation, and snapshots of stored rows.

A *recipe* turns an operation into a concrete request for one tenant: each path id is an object
of that tenant (created through the API with the contract's own example body, or found in a list),
the body is the schema's example with every id in it replaced by the tenant's object of the same
prefix. Nothing is written per operation by hand: a new operation gets a recipe from the contract,
or :func:`recipe_gaps` names what is missing.
"""

from __future__ import annotations

import copy
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select

from server_impl.adapters.sqlalchemy.tables import Base
from server_impl.domain.ids import new_ulid
from server_impl.domain.scopes import ALL_SCOPES
from server_impl.domain.tenancy import Environment
from tests.server.attacks.contract import Operation, Parameter, example_of, operations
from tests.server.conftest import Harness

ID_TEXT = re.compile(r"^([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}$")
PER_MINUTE = 6000
PER_DAY = 1_000_000
VOLATILE_COLUMNS = frozenset({("api_keys", "last_used_at")})
"""Columns that reading changes by design (a key's last use); never part of a snapshot."""

UPLOAD = ("report.pdf", b"%PDF-1.4\n% attack suite\n", "application/pdf")


@dataclass
class Tenant:
    """One organization's credentials and one object per path parameter of the contract.

    Attributes:
        org: Organization id.
        secret: A live key with every scope.
        test_secret: A test-environment key with every scope.
        ids: Path parameter name -> id of an object of this tenant (or a fabricated id, see ``real``).
        real: Path parameter names whose id is a real object of the tenant.
        seen: Every id of this tenant met in a response, by prefix.
    """

    org: str
    secret: str
    test_secret: str
    ids: dict[str, str] = field(default_factory=dict)
    real: set[str] = field(default_factory=set)
    seen: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def headers(self, secret: str | None = None, **extra: str) -> dict[str, str]:
        """Headers acting in this tenant's organization with ``secret`` (default: the live key)."""
        return {"x-organization-id": self.org, "x-api-key": secret or self.secret, **extra}


@dataclass(frozen=True)
class Request:
    """A concrete request: what ``TestClient.request`` needs."""

    method: str
    url: str
    json: Any = None
    files: dict[str, tuple[str, bytes, str]] | None = None
    data: dict[str, str] | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def send(self, harness: Harness, headers: dict[str, str]) -> Any:
        """Send it with ``headers`` (credentials) added to the recipe's own."""
        return harness.client.request(
            self.method,
            self.url,
            json=self.json,
            files=self.files,
            data=self.data,
            headers={**self.headers, **headers},
        )


def fabricated_id(parameter: Parameter) -> str:
    """A well-formed id of the parameter's prefix that no object has."""
    return f"{parameter.id_prefix or 'obj'}_{new_ulid()}"


def _collect(value: Any, tenant: Tenant) -> None:
    if isinstance(value, dict):
        for item in value.values():
            _collect(item, tenant)
    elif isinstance(value, list):
        for item in value:
            _collect(item, tenant)
    elif isinstance(value, str) and (match := ID_TEXT.match(value)) and value not in tenant.seen[match.group(1)]:
        tenant.seen[match.group(1)].append(value)


def _substitute(value: Any, tenant: Tenant) -> Any:
    if isinstance(value, dict):
        return {key: _substitute(item, tenant) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, tenant) for item in value]
    if isinstance(value, str) and (match := ID_TEXT.match(value)):
        known = tenant.seen.get(match.group(1))
        return known[0] if known else value
    return value


def example_body(operation: Operation, tenant: Tenant) -> Any:
    """The operation's example body with the tenant's ids, or None when the operation takes no body."""
    example = example_of(operation.body_schema)
    if example is None and operation.body_schema is not None and not operation.body_required:
        example = {}
    return _substitute(copy.deepcopy(example), tenant)


def url_for(operation: Operation, ids: dict[str, str]) -> str:
    """The operation's path with each path parameter taken from ``ids`` (fabricated when absent)."""
    path = operation.path
    for parameter in operation.path_parameters:
        path = path.replace("{" + parameter.name + "}", ids.get(parameter.name) or fabricated_id(parameter))
    return path


def recipe(operation: Operation, tenant: Tenant, *, ids: dict[str, str] | None = None, body: Any = ...) -> Request:
    """The request that calls ``operation`` on ``tenant``'s objects.

    Args:
        operation: The operation.
        tenant: Whose objects the path ids and body ids name.
        ids: Path ids to use instead of the tenant's.
        body: A body to send instead of the example (JSON operations).

    Returns:
        The request (without credentials).
    """
    url = url_for(operation, ids if ids is not None else tenant.ids)
    headers = {
        p.name: str(uuid.uuid4())
        for p in operation.parameters
        if p.location == "header" and p.required and p.name.lower() != "x-organization-id"
    }
    payload = example_body(operation, tenant) if body is ... else body
    if operation.body_media_type == "multipart/form-data":
        fields = {k: str(v) for k, v in (payload or {}).items() if k != "file"}
        return Request(operation.method, url, files={"file": UPLOAD}, data=fields, headers=headers)
    return Request(operation.method, url, json=payload, headers=headers)


def recipe_gaps() -> list[str]:
    """What keeps some operation from having a recipe: a body without example, a path id of no known prefix."""
    gaps = []
    for operation in operations():
        if operation.body_schema is not None and operation.body_required and example_of(operation.body_schema) is None:
            gaps.append(f"{operation}: the request body schema has no example")
        gaps.extend(
            f"{operation}: path parameter {parameter.name} has no prefixed-id pattern"
            for parameter in operation.path_parameters
            if parameter.id_prefix is None
        )
        if not operation.scopes:
            gaps.append(f"{operation}: no apiKey security requirement")
    return gaps


def _creators(parameter: str) -> Iterator[Operation]:
    """Operations that yield an object for a path parameter: POST then GET list on its collection."""
    for operation in operations():
        if operation.path.endswith("/{" + parameter + "}"):
            collection = operation.collection_path
            for method in ("POST", "GET"):
                yield from (op for op in operations() if op.path == collection and op.method == method)
            return


def _parameters_by_depth() -> list[str]:
    names: dict[str, int] = {}
    for operation in operations():
        for depth, parameter in enumerate(operation.path_parameters):
            names[parameter.name] = max(names.get(parameter.name, 0), depth)
    return sorted(names, key=lambda name: (names[name], name))


def _without_refused(operation: Operation, tenant: Tenant, refused: Any) -> Any:
    """The example body without the optional top-level members named by a 422's errors."""
    body = example_body(operation, tenant)
    required = set((operation.body_schema or {}).get("required", []))
    named = {([*str(error.get("field", "")).split("/"), "", ""])[1] for error in refused.json().get("errors", [])}
    if not isinstance(body, dict):
        return body
    return {key: value for key, value in body.items() if key in required or key not in named}


def _try_create(harness: Harness, tenant: Tenant, parameter: str) -> bool:
    for operation in _creators(parameter):
        if any(p.name not in tenant.real for p in operation.path_parameters):
            continue
        response = recipe(operation, tenant).send(harness, tenant.headers())
        if response.status_code == 422:  # retry without the optional members the server refused
            response = recipe(operation, tenant, body=_without_refused(operation, tenant, response)).send(
                harness, tenant.headers()
            )
        if response.status_code >= 400:
            continue
        document = response.json()
        _collect(document, tenant)
        if operation.is_list:
            data = document.get("data") or []
            found = data[0].get("id") if data else None
        else:
            found = document.get("id")
        if found:
            tenant.ids[parameter] = found
            tenant.real.add(parameter)
            return True
    return False


def make_tenant(harness: Harness, name: str) -> Tenant:
    """An organization with a live and a test key, and one object per path parameter where the server allows.

    Objects are created in a few passes, so that one whose example refers to another (a job naming a
    customer) is created once that other exists.
    """
    org = harness.organization(name)
    _, secret = harness.key(org, ALL_SCOPES, per_minute=PER_MINUTE, per_day=PER_DAY)
    _, test_secret = harness.key(org, ALL_SCOPES, Environment.TEST, per_minute=PER_MINUTE, per_day=PER_DAY)
    tenant = Tenant(org, secret, test_secret)
    pending = _parameters_by_depth()
    for _ in range(3):
        pending = [parameter for parameter in pending if not _try_create(harness, tenant, parameter)]
    for operation in operations():  # what the server cannot create yet gets an id no object has
        for parameter in operation.path_parameters:
            tenant.ids.setdefault(parameter.name, fabricated_id(parameter))
    return tenant


def scoped_key(
    harness: Harness, tenant: Tenant, scopes: Iterable[str], *, expires_in: timedelta = timedelta(days=30)
) -> tuple[str, str]:
    """A live key of the tenant with exactly ``scopes``; returns (key id, secret)."""
    return harness.key(tenant.org, tuple(scopes), per_minute=PER_MINUTE, per_day=PER_DAY, expires_in=expires_in)


Snapshot = dict[str, list[tuple[Any, ...]]]


def snapshot(engine: Engine, organizations: Iterable[str]) -> Snapshot:
    """Every stored row of the organizations, table by table (volatile columns left out)."""
    wanted = list(organizations)
    taken: Snapshot = {}
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if "organization_id" not in table.c:
                continue
            columns = [c for c in table.c if (table.name, c.name) not in VOLATILE_COLUMNS]
            rows = connection.execute(select(*columns).where(table.c.organization_id.in_(wanted))).all()
            taken[table.name] = sorted((tuple(row) for row in rows), key=repr)
    return taken


def changed_tables(before: Snapshot, after: Snapshot) -> list[str]:
    """Names of the tables whose rows differ between two snapshots."""
    return sorted(name for name in before.keys() | after.keys() if before.get(name) != after.get(name))
