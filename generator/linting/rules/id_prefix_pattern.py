"""``id-prefix-pattern``: ``id`` and ``*_id`` strings declare their prefix (``pattern: ^cus_...``).

A prefix alternation counts (``^(cus|job)_...`` for a field that names one of several
resources). Exempt: names starting with ``external_`` (another system's ids, whose shape we do
not control) and ``request_id`` (it echoes the caller's ``x-request-id`` when one was sent).
``*_ids`` arrays are checked through their ``items``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.linting.schemas import types_of
from generator.loading.pointers import join

_NAME = r"[a-z][a-z0-9]*"
_PREFIXED = re.compile(rf"^\^(?:{_NAME}|\((?:\?:)?{_NAME}(?:\|{_NAME})*\))_")
EXEMPT = frozenset({"request_id"})


def _is_id_name(name: str) -> bool:
    return (name == "id" or name.endswith("_id")) and not name.startswith("external_") and name not in EXEMPT


def _unprefixed(context: LintContext, name: str, schema: Any, pointer: str) -> Iterator[str]:
    """Messages for each string variant of ``schema`` lacking a prefixed pattern."""
    if name.endswith("_ids") and not name.startswith("external_"):
        node, where = context.deref(schema, pointer)
        if isinstance(node, dict) and "items" in node:
            yield from _unprefixed(context, name[:-1], node["items"], join(where, "items"))
        return
    if not _is_id_name(name):
        return
    for variant, _ in context.variants(schema, pointer):
        if "string" in types_of(variant):
            pattern = variant.get("pattern")
            if not isinstance(pattern, str) or not _PREFIXED.match(pattern):
                yield (
                    f"`{name}` is an id but has no prefix pattern: add "
                    "`pattern: '^<prefix>_[0-9A-HJKMNP-TV-Z]{26}$'` (e.g. `^cus_` for customers)"
                )
                return


def check(context: LintContext) -> Iterator[Hit]:
    """Flag id-named string properties and query/path parameters without a ``^prefix_`` pattern."""
    for prop in context.properties:
        for message in _unprefixed(context, prop.name, prop.schema, prop.pointer):
            yield prop.pointer, message
    seen: set[str] = set()
    for op in context.operations:
        for param in op.parameters:
            if param.location not in {"path", "query"} or param.definition in seen or "schema" not in param.node:
                continue
            seen.add(param.definition)
            where = join(param.definition, "schema")
            for message in _unprefixed(context, param.name, param.node["schema"], where):
                yield where, f"parameter {message}"


RULE = Rule(
    "id-prefix-pattern",
    Severity.ERROR,
    "`id`/`*_id` strings (properties, path and query parameters) have a `pattern` starting `^<prefix>_`.",
    check,
)
