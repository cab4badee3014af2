"""Schema types and nullability: type changed/generalized/specialized/compatible, list of types, nullable.

``integer`` is a subset of ``number``; int32 -> int64, float -> double and date -> date-time are
generalizations; dropping a format is compatible; in parameters and headers anything -> string is a
generalization (the wire form is text anyway).
"""

from __future__ import annotations

from generator.diffing.schema_walk import SchemaPair

__all__ = ["RULES", "compare_types"]

_FORMAT_WIDENINGS = {("int32", "int64"), ("float", "double"), ("date", "date-time")}


def compare_types(  # noqa: PLR0911 - one return per verdict reads best
    base: frozenset[str],
    base_format: str | None,
    revision: frozenset[str],
    revision_format: str | None,
    *,
    text_wire: bool = False,
) -> str:
    """Classify a type change as ``""`` (none), generalized, specialized, compatible, changed, widened or narrowed.

    Args:
        base: non-null types before (empty = any).
        base_format: ``format`` before.
        revision: non-null types after.
        revision_format: ``format`` after.
        text_wire: the value travels as text (parameters, headers): anything -> string generalizes.
    """
    if base == revision and base_format == revision_format:
        return ""
    if not base or not revision:
        if base == revision:
            return _format_change(base_format, revision_format)
        return "generalized" if not revision else "specialized"
    if len(base) > 1 or len(revision) > 1:
        if base == revision:
            return ""
        if revision > base:
            return "widened"
        return "narrowed" if revision < base else "changed"
    (old,), (new,) = tuple(base), tuple(revision)
    if old == new:
        return _format_change(base_format, revision_format)
    if (old, new) == ("integer", "number"):
        return "generalized"
    if (old, new) == ("number", "integer"):
        return "specialized"
    if text_wire and new == "string":
        return "generalized"
    return "changed"


def _format_change(old: str | None, new: str | None) -> str:
    if old == new:
        return ""
    if new is None:
        return "compatible"
    if (old, new) in _FORMAT_WIDENINGS:
        return "generalized"
    if (new, old) in _FORMAT_WIDENINGS or old is None:
        return "specialized"
    return "changed"


def _describe(types: frozenset[str], fmt: str | None) -> str:
    name = "|".join(sorted(types)) or "any"
    return f"{name}/{fmt}" if fmt else name


_SUFFIXES = {
    "generalized": ("type-generalized",),
    "specialized": ("type-specialized", "type-changed"),
    "compatible": ("type-compatible",),
    "changed": ("type-changed",),
    "widened": ("list-of-types-widened",),
    "narrowed": ("list-of-types-narrowed",),
}


def check_type(pair: SchemaPair) -> None:
    """Report a change of ``type`` / ``format``."""
    base, revision = pair.base, pair.revision
    if (not base.types and _composed(base.node)) or (not revision.types and _composed(revision.node)):
        return  # the composition rules report membership changes
    verdict = compare_types(
        base.types, base.format, revision.types, revision.format, text_wire=pair.site.scope in ("parameter", "header")
    )
    if not verdict:
        return
    old, new = _describe(base.types, base.format), _describe(revision.types, revision.format)
    noun = "list of types" if verdict in ("widened", "narrowed") else "type"
    pair.emit(_SUFFIXES[verdict], f"{noun} changed from '{old}' to '{new}' ({verdict})")


def _composed(node: dict[str, object]) -> bool:
    return "allOf" in node or "anyOf" in node or "oneOf" in node


def check_nullable(pair: SchemaPair) -> None:
    """Report ``became-nullable`` / ``became-not-nullable`` (all three spellings of null are equal)."""
    if pair.base.nullable == pair.revision.nullable:
        return
    if pair.revision.nullable:
        pair.emit("became-nullable", "became nullable")
    else:
        pair.emit("became-not-nullable", "became not nullable")


def check_content_encoding(pair: SchemaPair) -> None:
    """Report changes of ``contentMediaType`` and ``contentEncoding`` (encoded strings, 3.1)."""
    for keyword, suffix in (
        ("contentMediaType", "content-media-type-changed"),
        ("contentEncoding", "content-encoding-changed"),
    ):
        old, new = pair.both(keyword)
        if old != new:
            pair.emit(suffix, f"{keyword} changed from '{old}' to '{new}'")


RULES = (check_type, check_nullable, check_content_encoding)
