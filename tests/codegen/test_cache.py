"""The DTO cache and worker: a cache hit gives the same bytes as a fresh run; refusals cross the fork."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.codegen import generate_trees
from generator.loading import load_document

SPEC = Path(__file__).parent / "golden" / "basic" / "openapi.yaml"


def test_cache_hit_is_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("ASTERI_CACHE_DIR", str(tmp_path))
    data = load_document(SPEC).data
    fresh = generate_trees(data, parallel=False)
    (entry,) = tmp_path.glob("dto-*.py")
    cached = generate_trees(data, parallel=False)
    assert [t.files for t in fresh] == [t.files for t in cached]
    entry.write_text(entry.read_text() + "\n\nTAMPERED = 1\n")
    assert "TAMPERED = 1" in generate_trees(data, parallel=False)[0].files["models/_models.py"]  # it was read


def test_cache_can_be_disabled(tmp_path, monkeypatch):
    monkeypatch.setenv("ASTERI_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("ASTERI_NO_CACHE", "1")
    generate_trees(load_document(SPEC).data, parallel=False)
    assert not list(tmp_path.iterdir())


def test_worker_reports_refusals_like_an_in_process_run():
    from generator.codegen import DtoWorker
    from generator.ir import CodegenError

    document = {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "paths": {},
        "components": {"schemas": {"A": {"type": "object", "properties": {"a": {"type": "string"}}}}},
    }
    with DtoWorker() as worker:
        worker.submit(document, ("A", "Missing"))
        with pytest.raises(CodegenError) as refused:
            worker.result()
    assert [p.pointer for p in refused.value.problems] == ["/components/schemas/Missing"]
