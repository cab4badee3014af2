"""Composition: allOf/anyOf/oneOf membership, wrapping in oneOf, and discriminators.

Subschemas are matched by ``$ref`` first, then by ``title``, then by content; a lone unmatched pair
is compared as if it were modified. Matched pairs are compared recursively.
"""

from __future__ import annotations

from typing import Any

from generator.diffing.schema_view import canonical, ref_name
from generator.diffing.schema_walk import SchemaPair

__all__ = ["RULES", "match_subschemas", "wrapped_in_one_of"]

_KEYWORDS = (("allOf", "all-of"), ("anyOf", "any-of"), ("oneOf", "one-of"))
_ANNOTATIONS = {
    "description",
    "title",
    "example",
    "examples",
    "deprecated",
    "readOnly",
    "writeOnly",
    "externalDocs",
    "default",
    "$comment",
    "x-stability-level",
}


def _label(member: Any, index: int) -> str:
    if isinstance(member, dict):
        if isinstance(member.get("$ref"), str):
            return ref_name(member["$ref"])
        if isinstance(member.get("title"), str):
            return str(member["title"])
    return f"#{index}"


def match_subschemas(old: list[Any], new: list[Any]) -> tuple[list[tuple[int, int]], list[int], list[int]]:
    """Pair subschemas by $ref, then title, then content; returns (pairs, removed, added) indexes."""
    pairs: list[tuple[int, int]] = []
    left, right = list(range(len(old))), list(range(len(new)))
    keys = (
        lambda member: member.get("$ref") if isinstance(member, dict) else None,
        lambda member: member.get("title") if isinstance(member, dict) and "$ref" not in member else None,
        canonical,
    )
    for key in keys:
        index: dict[Any, list[int]] = {}  # several equal members pair off in order
        for position in right:
            value = key(new[position])
            if isinstance(value, str):
                index.setdefault(value, []).append(position)
        for position in list(left):
            value = key(old[position])
            if isinstance(value, str) and index.get(value):
                partner = index[value].pop(0)
                pairs.append((position, partner))
                left.remove(position)
                right.remove(partner)
    if len(left) == 1 and len(right) == 1:
        pairs.append((left.pop(), right.pop()))
    return pairs, left, right


def _annotation_only(member: Any) -> bool:
    return (
        isinstance(member, dict)
        and "$ref" not in member
        and all(key in _ANNOTATIONS or key.startswith("x-") for key in member)
    )


def check_composition(pair: SchemaPair) -> None:
    """Report subschemas added to or removed from allOf/anyOf/oneOf, then compare the matched ones."""
    base, revision = pair.base, pair.revision
    for keyword, name in _KEYWORDS:
        old, new = pair.both(keyword)
        old = old if isinstance(old, list) else []
        new = new if isinstance(new, list) else []
        if not old and not new:
            continue
        pairs, removed, added = match_subschemas(old, new)
        for index in removed:
            suffix = f"{name}-removed-annotation-only" if _annotation_only(old[index]) else f"{name}-removed"
            pair.emit(
                (suffix, f"{name}-removed"),
                f"subschema '{_label(old[index], index)}' removed from {keyword}",
                revision=False,
            )
        for index in added:
            suffix = f"{name}-added-annotation-only" if _annotation_only(new[index]) else f"{name}-added"
            pair.emit(
                (suffix, f"{name}-added"), f"subschema '{_label(new[index], index)}' added to {keyword}", base=False
            )
        for old_index, new_index in pairs:
            token = f"{keyword}[{_label(new[new_index], new_index)}]"
            pair.walker.walk(
                pair.site.child(token),
                old[old_index],
                f"{base.pointer}/{keyword}/{old_index}",
                new[new_index],
                f"{revision.pointer}/{keyword}/{new_index}",
            )


def wrapped_in_one_of(pair: SchemaPair) -> bool:
    """A plain schema that became ``oneOf: [old, ...]``: one change, then compare old with its match.

    Returns whether the pair was handled (the walker then runs no other rule on it).
    """
    base = pair.base
    members = pair.revision.node.get("oneOf")
    if not isinstance(members, list) or not base.node or any(key in base.node for key, _ in _KEYWORDS):
        return False
    target = canonical(base.node)
    base_ref = "#" + base.pointer
    match = next(
        (
            index
            for index, member in enumerate(members)
            if isinstance(member, dict) and (member.get("$ref") == base_ref or canonical(member) == target)
        ),
        None,
    )
    if match is None:
        return False
    if not pair.emit(
        ("wrapped-in-one-of", "one-of-added"), f"schema wrapped in oneOf with {len(members)} alternatives", base=False
    ):
        return False
    member_pointer = f"{pair.revision.pointer}/oneOf/{match}"
    pair.walker.walk(pair.site, base.node, base.pointer, members[match], member_pointer)
    return True


def _mapping(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def check_discriminator(pair: SchemaPair) -> None:
    """Report a discriminator added, removed, renamed, or its mapping edited."""
    old, new = pair.both("discriminator")
    if old == new:
        return
    if not isinstance(old, dict):
        if isinstance(new, dict):
            pair.emit("discriminator-added", f"discriminator on '{new.get('propertyName')}' added", base=False)
        return
    if not isinstance(new, dict):
        pair.emit("discriminator-removed", f"discriminator on '{old.get('propertyName')}' removed", revision=False)
        return
    if old.get("propertyName") != new.get("propertyName"):
        pair.emit(
            "discriminator-property-name-changed",
            f"discriminator property changed from '{old.get('propertyName')}' to '{new.get('propertyName')}'",
        )
    old_map, new_map = _mapping(old.get("mapping")), _mapping(new.get("mapping"))
    for key in sorted(old_map.keys() | new_map.keys()):
        if key not in old_map:
            pair.emit("discriminator-mapping-added", f"discriminator mapping '{key}' added")
        elif key not in new_map:
            pair.emit("discriminator-mapping-deleted", f"discriminator mapping '{key}' deleted")
        elif old_map[key] != new_map[key]:
            pair.emit("discriminator-mapping-changed", f"discriminator mapping '{key}' changed")


RULES = (check_composition, check_discriminator)
