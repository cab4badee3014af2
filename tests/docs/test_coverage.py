"""Every operation, schema, scope, event and problem code of the spec is in the reference and the search index."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from generator.docs import build_view
from generator.docs.error_guide import GUIDE
from generator.docs.operations import iter_operations


def _index(site: dict[str, str]) -> list[list[Any]]:
    script = site["assets/search-index.js"]
    payload = json.loads(script.removeprefix("window.ASTERI_SEARCH=").rstrip().removesuffix(";"))
    kinds = payload["kinds"]
    return [[row[0], kinds[row[1]], *row[2:]] for row in payload["entries"]]


def _spec_operations(spec: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(str(op["operationId"]), method.upper(), path) for path, method, _, op in iter_operations(spec["paths"])]


def _problem_codes(spec: dict[str, Any]) -> list[str]:
    return list(spec["components"]["schemas"]["ProblemCode"]["enum"])


def test_every_operation_has_an_anchored_section_in_its_tag_page(spec_data, site):
    operations = _spec_operations(spec_data)
    assert len(operations) > 80, "the whole contract was read"
    found = 0
    for op_id, method, path in operations:
        op = next(op for _, _, _, op in iter_operations(spec_data["paths"]) if op["operationId"] == op_id)
        page = site[f"reference/{op['tags'][0]}/index.html"]
        section = re.search(rf'<section class="op" id="{op_id}">(.*?)</section>', page, re.S)
        assert section, op_id
        assert f">{method}</span> <code>{path}</code>" in section.group(1)
        found += 1
    assert found == len(operations)


def test_every_operation_is_in_the_search_index(spec_data, site):
    entries = [row for row in _index(site) if row[1] == "operation"]
    urls = {row[2].rsplit("#", 1)[1] for row in entries}
    assert urls == {op_id for op_id, _, _ in _spec_operations(spec_data)}
    assert len(entries) == len(_spec_operations(spec_data))


def test_every_schema_has_a_page_and_a_search_entry(spec_data, site):
    names = set(spec_data["components"]["schemas"])
    assert len(names) > 100
    pages = {rel.split("/")[1] for rel in site if rel.startswith("schemas/") and rel.count("/") == 2}
    assert pages == names
    indexed = {row[0] for row in _index(site) if row[1] == "schema"}
    assert indexed == names


def test_every_schema_property_is_a_field_in_the_index_and_on_its_page(spec_data, site):
    index = {row[0] for row in _index(site) if row[1] == "field"}
    for name, schema in spec_data["components"]["schemas"].items():
        for prop in schema.get("properties", {}):
            assert f"{name}.{prop}" in index
            assert f"<code>{prop}</code>" in site[f"schemas/{name}/index.html"], (name, prop)


def test_every_problem_code_has_a_page_with_guidance(spec_data, site):
    codes = _problem_codes(spec_data)
    for code in codes:
        page = site[f"errors/{code}/index.html"]
        assert 'id="causes"' in page, code
        assert 'id="fix"' in page, code
        assert code in GUIDE, f"write the causes and fixes of {code} in generator/docs/error_guide.py"
    assert {row[0] for row in _index(site) if row[1] == "error"} == set(codes)


def test_server_titles_have_pages(site):
    problems = pytest.importorskip("server_impl.web.problems", reason="the server is not installed")
    for code in problems.TITLES:
        assert f"errors/{code}/index.html" in site, code


def test_invalid_credentials_page_says_how_to_fix_the_call(site):
    page = site["errors/invalid_credentials/index.html"]
    for words in ("expir", "malformed", "x-organization-id", "Check the key value"):
        assert words in page
    scope_page = site["errors/missing_scope/index.html"]
    assert "read:customers" in scope_page
    assert "write:estimates" in scope_page
    assert "security settings" in scope_page


def test_scope_table_lists_every_scope_with_the_operations_needing_it(spec_data, site):
    page = site["guides/authentication/index.html"]
    api = build_view(spec_data)
    needed: dict[str, set[str]] = {}
    for _, _, _, op in iter_operations(spec_data["paths"]):
        for requirement in op.get("security", []):
            for scopes in requirement.values():
                for scope in scopes:
                    needed.setdefault(scope, set()).add(op["operationId"])
    for scope, op_ids in needed.items():
        row = re.search(rf'<tr id="scope-{scope.replace(":", "-")}">(.*?)</tr>', page, re.S)
        assert row, scope
        for op_id in op_ids:
            assert f"#{op_id}" in row.group(1), (scope, op_id)
        assert set(next(s for s in api.scopes if s.name == scope).operations) == op_ids


def test_every_webhook_event_is_in_the_catalogue(spec_data, site):
    page = site["guides/webhooks/index.html"]
    events = list(spec_data["webhooks"])
    assert len(events) == 51
    for event in events:
        assert f"<code>{event}</code>" in page
    assert {row[0] for row in _index(site) if row[1] == "event"} == set(events)


def test_guide_headings_are_searchable(site):
    titles = {row[0] for row in _index(site) if row[1] == "guide"}
    assert {"Getting started", "What to do on 429", "Verifying signatures", "Key format"} <= titles
