"""The toolchain's Python API: what the CLI calls, usable from code; returns reports, never prints."""

from __future__ import annotations

import multiprocessing
from collections.abc import Mapping
from concurrent.futures import ProcessPoolExecutor

from generator.diagnostics import Report
from generator.linting import lint_document
from generator.loading import LoadedDocument
from generator.validation import validate_document

__all__ = ["check_document", "lint_document", "validate_document"]

# Below this size the fork costs more than it saves.
_PARALLEL_MIN_PATHS = 20


_FORKED: list[LoadedDocument] = []


def _validate_forked() -> Report:
    # Runs in the forked child, which inherited the document: nothing is pickled on the way in.
    return validate_document(_FORKED[0])


def check_document(
    document: LoadedDocument, severities: Mapping[str, str] | None = None, *, parallel: bool = True
) -> Report:
    """Validate and lint one loaded document; the union of both reports.

    On large documents the structural validation (the slow half) runs in a forked process
    while this one lints, so ``asteri check`` costs about max(validate, lint), not the sum.
    """
    paths = document.data.get("paths")
    big = isinstance(paths, dict) and len(paths) >= _PARALLEL_MIN_PATHS
    if parallel and big and "fork" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("fork")
        _FORKED[:] = [document]
        try:
            with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
                validation = pool.submit(_validate_forked)
                linted = lint_document(document, severities)
                validated = validation.result()
        finally:
            _FORKED.clear()
    else:
        validated = validate_document(document)
        linted = lint_document(document, severities)
    return Report.of((*validated.findings, *linted.findings))
