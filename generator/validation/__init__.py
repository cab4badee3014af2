"""``asteri validate``: is the document a well-formed, self-consistent OpenAPI 3.0/3.1 contract?"""

from __future__ import annotations

from typing import Any

from generator.diagnostics import Finding, Report, Severity
from generator.loading import LoadedDocument
from generator.loading.pointers import canonical, split
from generator.validation.semantic import dangling_refs, duplicate_operation_ids, path_parameter_errors
from generator.validation.structural import structural_errors

__all__ = ["validate_document"]

_SUPPORTED = ("3.0.", "3.1.")


def _finding(document: LoadedDocument, rule: str, pointer: str, message: str) -> Finding:
    location = document.locate(pointer)
    return Finding(rule, Severity.ERROR, message, location.file, location.line, pointer)


def _without(data: dict[str, Any], pointers: list[str]) -> dict[str, Any]:
    """A copy of ``data`` where the nodes at ``pointers`` are ``{}`` (copies only along those paths)."""
    root: dict[str, Any] = dict(data)
    for pointer in pointers:
        tokens = split(pointer)
        if not tokens:
            continue
        node: Any = root
        for token in tokens[:-1]:
            child = node[int(token)] if isinstance(node, list) else node[token]
            child = list(child) if isinstance(child, list) else dict(child)
            if isinstance(node, list):
                node[int(token)] = child
            else:
                node[token] = child
            node = child
        last = tokens[-1]
        if isinstance(node, list):
            node[int(last)] = {}
        else:
            node[last] = {}
    return root


def validate_document(document: LoadedDocument) -> Report:
    """Validate a loaded document: bundling problems, duplicate keys, structure, refs, ids, paths."""
    findings: list[Finding] = [
        Finding(
            problem.rule, Severity.ERROR, problem.message, problem.location.file, problem.location.line, problem.pointer
        )
        for problem in document.problems
    ]
    for source in document.bundled.files.values():
        for pointer, line in source.duplicate_keys:
            findings.append(
                Finding(
                    "yaml-duplicate-key",
                    Severity.ERROR,
                    f"duplicate key {split(pointer)[-1]!r}: YAML keeps only the last one; remove or rename it",
                    source.display,
                    line,
                    pointer,
                )
            )
    data = document.data
    version = document.openapi_version
    if not version.startswith(_SUPPORTED):
        shown = repr(data["openapi"]) if "openapi" in data else "missing"
        findings.append(
            _finding(
                document,
                "openapi-version",
                "/openapi" if "openapi" in data else "",
                f"the 'openapi' field is {shown}: asteri reads OpenAPI 3.0.x and 3.1.x documents",
            )
        )
        return Report.of(findings)
    refs = dangling_refs(data)
    reported = {problem.pointer for problem in document.problems}
    fresh_refs = [error for error in refs if error.pointer not in reported]
    errors = [*fresh_refs, *duplicate_operation_ids(data), *path_parameter_errors(data)]
    findings.extend(_finding(document, error.rule, error.pointer, error.message) for error in errors)
    # The spec validator cannot survive a dangling ref, so it sees those nodes blanked out.
    checked = _without(data, [error.pointer for error in refs]) if refs else data
    for error in structural_errors(checked):
        pointer = canonical(data, error.pointer)
        findings.append(_finding(document, "openapi-schema", pointer, error.message))
    return Report.of(findings)
