"""Compare two loaded OpenAPI documents and return every change as data (oasdiff ids and levels)."""

from __future__ import annotations

from collections.abc import Sequence

from generator.diagnostics import Severity
from generator.diffing import (
    checks_composition,
    checks_constraints,
    checks_keywords,
    checks_lifecycle,
    checks_properties,
    checks_types,
    checks_values,
)
from generator.diffing.bodies import check_request_body, check_responses
from generator.diffing.context import DiffContext, OperationRef, Sink
from generator.diffing.document import check_components, check_versioning, check_webhooks
from generator.diffing.model import Change, DiffOptions, DiffResult
from generator.diffing.operations import EXEMPT, base_path, check_lifecycle, check_removed, index_operations
from generator.diffing.parameters import check_parameters
from generator.diffing.schema_walk import SchemaRule, SchemaWalker
from generator.diffing.security import check_global_security, check_operation_security, check_security_schemes
from generator.diffing.sunset import stability_of
from generator.loading import LoadedDocument

__all__ = ["SCHEMA_RULES", "diff_documents"]

SCHEMA_RULES: Sequence[SchemaRule] = (
    *checks_types.RULES,
    *checks_values.RULES,
    *checks_constraints.RULES,
    *checks_keywords.RULES,
    *checks_lifecycle.RULES,
    *checks_composition.RULES,
    *checks_properties.RULES,
)
_SHORTCUTS = (checks_composition.wrapped_in_one_of,)


def diff_documents(base: LoadedDocument, revision: LoadedDocument, options: DiffOptions | None = None) -> DiffResult:
    """Every change from ``base`` to ``revision``, at oasdiff's default levels, sorted."""
    context = DiffContext(base, revision, options or DiffOptions())
    old_data, new_data = base.data, revision.data
    old_ops = index_operations(old_data, context.options)
    new_ops = index_operations(new_data, context.options)
    old_prefix, new_prefix = base_path(old_data), base_path(new_data)
    new_paths = {operation.key.split(" ", 1)[1] for operation in new_ops.values()}
    for key in sorted(old_ops.keys() | new_ops.keys()):
        old, new = old_ops.get(key), new_ops.get(key)
        if new is None and old is not None:
            sink = Sink(context, old.ref(old_prefix))
            check_removed(sink, old, key.split(" ", 1)[1] not in new_paths, context.options)
        elif old is None and new is not None:
            if stability_of(new.node) not in EXEMPT:
                Sink(context, new.ref(new_prefix)).emit(
                    "endpoint-added", "endpoint added", revision_pointer=new.pointer
                )
        elif old is not None and new is not None:
            sink = Sink(context, new.ref(new_prefix))
            if context.same(old.node, old.pointer, new.node) and context.same(
                old.path_item.get("parameters"),
                old.pointer.rsplit("/", 1)[0] + "/parameters",
                new.path_item.get("parameters"),
            ):
                continue
            if not check_lifecycle(sink, old, new):
                continue
            walker = SchemaWalker(sink, SCHEMA_RULES, _SHORTCUTS)
            check_operation_security(sink, old, new)
            check_parameters(walker, old, new)
            check_request_body(walker, old, new)
            check_responses(walker, old, new)
    document = Sink(context, OperationRef.none())
    check_webhooks(document, old_data, new_data)
    check_components(document, old_data, new_data)
    check_global_security(document, old_data, new_data)
    check_security_schemes(document, old_data, new_data)
    breaking = any(change.level is not Severity.INFO for change in context.changes)
    check_versioning(document, old_data, new_data, breaking)
    return DiffResult(tuple(sorted(_unique(context), key=lambda change: change.sort_key)))


def _unique(context: DiffContext) -> list[Change]:
    seen: set[tuple[str, str, str, str]] = set()
    unique: list[Change] = []
    for change in context.changes:
        key = (change.fingerprint, change.text, change.base_source, change.revision_source)
        if key not in seen:
            seen.add(key)
            unique.append(change)
    return unique
