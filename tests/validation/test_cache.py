"""The validation cache answers exactly what a fresh validation answers, and only for the same input."""

from __future__ import annotations

import pytest

from generator.loading import load_document
from generator.validation import structural, validate_document

SPEC = """\
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /things:
    get:
      operationId: listThings
      parameters:
        - {name: q, in: query, schema: {type: strin}}
      responses: {'200': {description: ok}}
"""


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("ASTERI_CACHE_DIR", str(folder))
    return folder


def test_a_cached_answer_equals_the_fresh_one(tmp_path, cache_dir):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC)
    fresh = validate_document(load_document(spec))
    assert [f.rule for f in fresh.findings] == ["openapi-schema"]
    assert len(list(cache_dir.glob("validation-*.json"))) == 1
    assert validate_document(load_document(spec)) == fresh


def test_the_cache_is_used_and_keyed_on_the_content(tmp_path, cache_dir, monkeypatch):
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC)
    validate_document(load_document(spec))
    calls = []
    original = structural._fresh_structural_errors

    def counting(data):
        calls.append(1)
        return original(data)

    monkeypatch.setattr(structural, "_fresh_structural_errors", counting)
    validate_document(load_document(spec))
    assert calls == []
    spec.write_text(SPEC.replace("strin", "string"))
    assert validate_document(load_document(spec)).findings == ()
    assert calls == [1]


def test_no_cache_when_disabled(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setenv("ASTERI_NO_CACHE", "1")
    spec = tmp_path / "openapi.yaml"
    spec.write_text(SPEC)
    validate_document(load_document(spec))
    assert not cache_dir.exists()
