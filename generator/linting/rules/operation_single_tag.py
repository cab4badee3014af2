"""``operation-single-tag``: every operation has exactly one tag, declared in the top-level ``tags``."""

from __future__ import annotations

from collections.abc import Iterator

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join


def _declared(context: LintContext) -> set[str]:
    tags = context.data.get("tags")
    if not isinstance(tags, list):
        return set()
    return {str(tag["name"]) for tag in tags if isinstance(tag, dict) and "name" in tag}


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operations with no tag, several tags, or a tag missing from the top-level list."""
    declared = _declared(context)
    for op in context.operations:
        tags = op.node.get("tags")
        if not isinstance(tags, list) or not tags:
            yield (
                op.pointer,
                (
                    f"{op.label} has no tag: add `tags: [<resource>]` "
                    "(the tag groups it in the docs and names its SDK module)"
                ),
            )
        elif len(tags) > 1:
            yield (
                join(op.pointer, "tags"),
                (f"{op.label} has {len(tags)} tags: keep exactly one, the resource it belongs to"),
            )
        elif str(tags[0]) not in declared:
            yield (
                join(op.pointer, "tags", 0),
                (
                    f"tag `{tags[0]}` of {op.label} is not declared: add "
                    f"`- name: {tags[0]}` with a description to the top-level `tags`"
                ),
            )


RULE = Rule(
    "operation-single-tag",
    Severity.ERROR,
    "Every operation has exactly one tag, declared in the top-level `tags`.",
    check,
)
