"""Property: a document diffed against itself reports nothing (random schemas and the real shared specs)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.diffing import diff_documents
from generator.diffing.context import DiffContext
from generator.loading import load_document
from tests.diffing.helpers import operation, spec, write

SHARED = sorted(Path("/work/shared/specs").glob("*.y*ml"))

_scalars = st.one_of(
    st.fixed_dictionaries(
        {"type": st.sampled_from(["string", "integer", "number", "boolean"])},
        optional={
            "enum": st.lists(st.text(max_size=3), min_size=1, max_size=3),
            "maxLength": st.integers(0, 9),
            "minimum": st.integers(-5, 5),
            "nullable": st.booleans(),
            "format": st.sampled_from(["int32", "date"]),
            "readOnly": st.booleans(),
            "deprecated": st.booleans(),
            "pattern": st.sampled_from(["^a", ".*"]),
            "default": st.text(max_size=2),
        },
    ),
    st.just({"$ref": "#/components/schemas/Shared"}),
)


def _schemas(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.fixed_dictionaries(
            {
                "type": st.just("object"),
                "properties": st.dictionaries(st.sampled_from(["a", "b", "c"]), children, max_size=3),
            },
            optional={"required": st.lists(st.sampled_from(["a", "b"]), max_size=2, unique=True)},
        ),
        st.fixed_dictionaries({"type": st.just("array"), "items": children}, optional={"minItems": st.integers(0, 3)}),
        st.fixed_dictionaries({"oneOf": st.lists(children, min_size=1, max_size=3)}),
        st.fixed_dictionaries({"allOf": st.lists(children, min_size=1, max_size=2)}),
    )


schemas = st.recursive(_scalars, _schemas, max_leaves=12)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(request=schemas, response=schemas, shared=schemas)
def test_random_document_against_itself_reports_nothing(request: Any, response: Any, shared: Any) -> None:
    doc = spec(
        {
            "/things/{id}": {
                "post": operation(
                    request=request,
                    response=response,
                    parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                )
            }
        },
        {"Shared": {"type": "object", "properties": {"self": {"$ref": "#/components/schemas/Shared"}, "x": shared}}},
    )
    with tempfile.TemporaryDirectory() as tmp:
        base = load_document(write(Path(tmp) / "a.yaml", doc))
        revision = load_document(write(Path(tmp) / "b.yaml", doc))
        assert diff_documents(base, revision).changes == ()
        # and with the equal-subtree shortcut off, so that every rule really runs on equal inputs
        with patch.object(DiffContext, "same", lambda *_: False):
            assert diff_documents(base, revision).changes == ()


@pytest.mark.slow
@pytest.mark.parametrize("path", SHARED, ids=[path.name for path in SHARED])
def test_shared_spec_against_itself_reports_nothing(path: Path) -> None:
    base, revision = load_document(path), load_document(path)
    assert diff_documents(base, revision).changes == ()
    with patch.object(DiffContext, "same", lambda *_: False):
        assert diff_documents(base, revision).changes == ()


def test_equal_members_of_a_composition_pair_off_in_order() -> None:
    """Found by the random self-diff: three equal oneOf members were reported as removed and added."""
    from generator.diffing.checks_composition import match_subschemas

    member, other = {"type": "integer"}, {"type": "string"}
    pairs, removed, added = match_subschemas([member, member, other], [member, member, {"type": "boolean"}])
    assert sorted(pairs) == [(0, 0), (1, 1), (2, 2)]  # the odd ones out pair by position
    assert (removed, added) == ([], [])
    pairs, removed, added = match_subschemas([member, member, member], [member])
    assert (pairs, removed, added) == ([(0, 0)], [1, 2], [])
