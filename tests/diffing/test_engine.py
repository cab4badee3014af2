"""End-to-end semantics of the diff engine: several changes at once, and the normalisations that decide verdicts."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from generator.diagnostics import Severity
from generator.diffing import diff_documents
from generator.loading import load_document
from tests.diffing.helpers import diff, ids, operation, spec, write

REF = {"$ref": "#/components/schemas/Customer"}
CUSTOMER = {
    "type": "object",
    "required": ["id"],
    "properties": {
        "id": {"type": "string", "readOnly": True},
        "status": {"type": "string", "enum": ["active", "archived"]},
        "age": {"type": "integer"},
    },
}


def _customers() -> dict[str, Any]:
    return spec(
        {
            "/customers": {
                "get": operation(response=REF, operationId="listCustomers"),
                "post": operation(request=REF, response=REF, operationId="createCustomer"),
            },
            "/customers/{id}": {
                "get": operation(response=REF, operationId="getCustomer"),
                "delete": operation(operationId="deleteCustomer"),
            },
        },
        {"Customer": copy.deepcopy(CUSTOMER)},
    )


def test_several_changes_at_once(tmp_path: Path) -> None:
    base = _customers()
    revision = _customers()
    revision["info"]["version"] = "2.0.0"
    customer = revision["components"]["schemas"]["Customer"]
    customer["properties"]["status"]["enum"] = ["active"]  # request: error; response: info
    del revision["paths"]["/customers/{id}"]["delete"]  # removed without deprecation
    revision["paths"]["/customers/{customer_id}"] = revision["paths"].pop("/customers/{id}")  # rename: no change
    revision["paths"]["/invoices"] = {"get": operation()}  # added
    result = diff(tmp_path, base, revision)
    assert ids(result) == sorted(
        [
            "request-property-enum-value-removed",  # POST /customers
            "response-property-enum-value-removed",  # GET /customers, POST /customers, GET /customers/{id}
            "response-property-enum-value-removed",
            "response-property-enum-value-removed",
            "api-removed-without-deprecation",
            "endpoint-added",
        ]
    )
    assert result.summary == {"error": 2, "warning": 0, "info": 4}
    removal = next(change for change in result.changes if change.id == "request-property-enum-value-removed")
    assert removal.operation == "POST /api/public/v1/customers"
    assert removal.operation_id == "createCustomer"
    assert removal.component == "Customer"
    assert "Customer" in removal.text
    assert "'archived'" in removal.text
    assert "rejected" in removal.why
    assert removal.base_source.endswith("openapi.yaml:" + removal.base_source.rsplit(":", 1)[1])


def test_shared_component_change_is_reported_on_each_operation(tmp_path: Path) -> None:
    base, revision = _customers(), _customers()
    revision["components"]["schemas"]["Customer"]["properties"]["status"]["enum"].append("suspended")
    result = diff(tmp_path, base, revision)
    operations = sorted(
        change.operation for change in result.changes if change.id == "response-property-enum-value-added"
    )
    assert operations == [
        "GET /api/public/v1/customers",
        "GET /api/public/v1/customers/{id}",
        "POST /api/public/v1/customers",
    ]
    assert all(change.component == "Customer" for change in result.changes)


def test_sources_point_at_the_lines(tmp_path: Path) -> None:
    base, revision = _customers(), _customers()
    revision["components"]["schemas"]["Customer"]["properties"]["age"]["maximum"] = 130
    result = diff(tmp_path, base, revision)
    change = next(change for change in result.changes if change.id == "request-property-max-set")
    file, line = change.revision_source.rsplit(":", 1)
    lines = Path(file).read_text(encoding="utf-8").splitlines()
    assert lines[int(line) - 1].strip() == "age:"


def test_fingerprint_ignores_line_shifts(tmp_path: Path) -> None:
    base, revision = _customers(), _customers()
    revision["components"]["schemas"]["Customer"]["properties"]["status"]["enum"] = ["active"]
    first = diff(tmp_path / "a", base, revision)
    revision["components"]["schemas"]["Customer"]["description"] = "A customer.\nWith two lines."
    revision["info"]["description"] = "moves every line"
    second = diff(tmp_path / "b", base, revision)
    assert [c.fingerprint for c in first.changes] == [c.fingerprint for c in second.changes]
    assert len({c.fingerprint for c in first.changes}) == len(first.changes)


def test_three_nullable_spellings_are_the_same(tmp_path: Path) -> None:
    def doc(version: str, schema: dict[str, Any]) -> dict[str, Any]:
        return spec(
            {
                "/a": {
                    "post": operation(
                        request={"type": "object", "properties": {"x": schema}},
                        response={"type": "object", "properties": {"x": schema}},
                    )
                }
            },
            version=version,
        )

    nullable_30 = doc("3.0.3", {"type": "string", "nullable": True})
    type_list = doc("3.1.0", {"type": ["string", "null"]})
    one_of = doc("3.1.0", {"oneOf": [{"type": "string"}, {"type": "null"}]})
    assert ids(diff(tmp_path / "1", nullable_30, type_list)) == []
    assert ids(diff(tmp_path / "2", type_list, one_of)) == []
    assert ids(diff(tmp_path / "3", one_of, nullable_30)) == []
    plain = doc("3.1.0", {"type": "string"})
    assert ids(diff(tmp_path / "4", plain, one_of)) == [
        "request-property-became-nullable",
        "response-property-became-nullable",
    ]


def test_direction_decides_the_verdict(tmp_path: Path) -> None:
    def doc(schema: dict[str, Any]) -> dict[str, Any]:
        return spec(
            {
                "/a": {
                    "post": operation(
                        request={"type": "object", "properties": {"x": schema}},
                        response={"type": "object", "properties": {"x": schema}},
                    )
                }
            }
        )

    result = diff(
        tmp_path,
        doc({"type": "integer", "format": "int32", "maxLength": 3}),
        doc({"type": "integer", "format": "int64"}),
    )
    levels = {change.id: change.level for change in result.changes}
    assert levels == {
        "request-property-type-generalized": Severity.INFO,
        "request-property-max-length-increased": Severity.INFO,
        "response-property-type-generalized": Severity.ERROR,
        "response-property-max-length-unset": Severity.ERROR,
    }


def test_parameters_accept_anything_to_string(tmp_path: Path) -> None:
    def doc(schema: dict[str, Any]) -> dict[str, Any]:
        return spec({"/a": {"get": operation(parameters=[{"name": "n", "in": "query", "schema": schema}])}})

    assert ids(diff(tmp_path, doc({"type": "integer"}), doc({"type": "string"}))) == [
        "request-parameter-type-generalized"
    ]


def test_read_only_does_not_count_on_requests(tmp_path: Path) -> None:
    base, revision = _customers(), _customers()
    revision["components"]["schemas"]["Customer"]["properties"].pop("id")
    revision["components"]["schemas"]["Customer"]["required"] = []
    result = diff(tmp_path, base, revision)
    assert set(ids(result)) == {"response-required-property-removed"}


def test_sunset_and_stability(tmp_path: Path) -> None:
    past: dict[str, Any] = {"deprecated": True, "x-sunset": "2029-12-31"}
    future: dict[str, Any] = {"deprecated": True, "x-sunset": "2030-06-01"}
    draft: dict[str, Any] = {"x-stability-level": "draft"}
    base = spec(
        {
            "/old": {"get": operation(**past)},
            "/draft": {"get": operation(**draft)},
            "/later": {"get": operation(**future)},
        }
    )
    revision = spec({})
    assert ids(diff(tmp_path, base, revision)) == ["api-path-removed-before-sunset"]


def test_recursive_schemas_terminate(tmp_path: Path) -> None:
    children = {"type": "array", "items": {"$ref": "#/components/schemas/Node"}}
    node = {"type": "object", "properties": {"name": {"type": "string"}, "children": children}}
    base = spec({"/tree": {"get": operation(response={"$ref": "#/components/schemas/Node"})}}, {"Node": node})
    revision = copy.deepcopy(base)
    revision["components"]["schemas"]["Node"]["properties"]["name"]["maxLength"] = 10
    revision["components"]["schemas"]["Node"]["properties"]["children"]["items"] = {"$ref": "#/components/schemas/Node"}
    result = diff(tmp_path, base, revision)
    assert ids(result) == []  # response max-length set is not breaking; the walk terminated
    revision["components"]["schemas"]["Node"]["properties"]["name"]["type"] = "integer"
    assert ids(diff(tmp_path / "2", base, revision)) == ["response-property-type-changed"]


def test_subschemas_match_by_ref_then_title(tmp_path: Path) -> None:
    cat = {"type": "object", "properties": {"meow": {"type": "string"}}}
    base = spec(
        {
            "/pets": {
                "get": operation(
                    response={"oneOf": [{"$ref": "#/components/schemas/Cat"}, {"title": "Dog", "type": "object"}]}
                )
            }
        },
        {"Cat": cat},
    )
    revision = copy.deepcopy(base)
    members = revision["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["oneOf"]
    members.reverse()
    members[0]["properties"] = {"bark": {"type": "string"}}
    revision["components"]["schemas"]["Cat"]["properties"]["meow"]["enum"] = ["purr"]
    result = diff(tmp_path, base, revision)
    # Cat matched by ref, Dog by title although the order changed: only Dog's new property is reported
    assert ids(result) == ["response-optional-property-added"]
    assert result.changes[0].location.endswith("property 'oneOf[Dog]/bark'")


def test_split_spec_and_component_names(tmp_path: Path) -> None:
    for side, enum in (("base", ["a", "b"]), ("revision", ["a"])):
        write(
            tmp_path / side / "schemas" / "thing.yaml",
            {"type": "object", "properties": {"kind": {"type": "string", "enum": enum}}},
        )
        write(
            tmp_path / side / "openapi.yaml",
            spec(
                {"/things": {"post": operation(request={"$ref": "schemas/thing.yaml"})}},
                info_version="1.0.0" if side == "base" else "2.0.0",
            ),
        )
    result = diff_documents(
        load_document(tmp_path / "base" / "openapi.yaml"), load_document(tmp_path / "revision" / "openapi.yaml")
    )
    assert ids(result) == ["request-property-enum-value-removed"]
    assert "thing.yaml" in result.changes[0].revision_source
