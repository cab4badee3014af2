"""Compare two schemas at a site: follow refs, skip identical subtrees, run every schema rule, recurse.

The rule interface is one function: ``rule(pair)``, where :class:`SchemaPair` holds both sides (as
:class:`~generator.diffing.schema_view.SchemaView`), the site, the sink to report to, and the walker
to recurse with. Recursion into properties, items and subschemas is done by rules too.
Cycles terminate: a (base, revision, site kind) triple already on the stack is not walked again.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from generator.diffing.context import Sink, Site
from generator.diffing.schema_view import SchemaView, view

__all__ = ["SchemaPair", "SchemaRule", "SchemaWalker"]


@dataclass(frozen=True, slots=True)
class SchemaPair:
    """Both sides of one schema comparison and where to report."""

    base: SchemaView
    revision: SchemaView
    site: Site
    sink: Sink
    walker: SchemaWalker

    def emit(self, suffixes: str | Sequence[str], text: str, *, base: bool = True, revision: bool = True) -> bool:
        """Report a keyword change at this site (sources point at both schemas unless told otherwise)."""
        return self.sink.emit_schema(
            self.site, suffixes, text, self.base.pointer if base else None, self.revision.pointer if revision else None
        )

    def both(self, keyword: str) -> tuple[Any, Any]:
        """The keyword's value on each side (``None`` when absent)."""
        return self.base.node.get(keyword), self.revision.node.get(keyword)


SchemaRule = Callable[[SchemaPair], None]


class SchemaWalker:
    """Walks a pair of schemas for one operation, reporting into its sink."""

    def __init__(
        self, sink: Sink, rules: Sequence[SchemaRule], shortcuts: Sequence[Callable[[SchemaPair], bool]] = ()
    ) -> None:
        self.sink = sink
        self.rules = rules
        self.shortcuts = shortcuts
        self.context = sink.context

    def walk(self, site: Site, base: Any, base_pointer: str, revision: Any, revision_pointer: str) -> None:
        """Compare ``base`` (at ``base_pointer`` in the base document) with ``revision``."""
        context = self.context
        if context.same(base, base_pointer, revision):
            return
        base_view = view(context.base.data, base, base_pointer)
        revision_view = view(context.revision.data, revision, revision_pointer)
        if (
            base_view.pointer != base_pointer
            and revision_view.pointer != revision_pointer
            and context.same(base_view.node, base_view.pointer, revision_view.node)
            and (base_view.nullable == revision_view.nullable)
        ):
            return
        key = (base_view.pointer, revision_view.pointer, site.direction, site.scope, site.read_only, site.write_only)
        if key in context.stack:
            return
        component = revision_view.component or base_view.component
        if component:
            site = replace(site, component=component)
        context.stack.add(key)
        try:
            pair = SchemaPair(base_view, revision_view, site, self.sink, self)
            if any(shortcut(pair) for shortcut in self.shortcuts):
                return
            for rule in self.rules:
                rule(pair)
        finally:
            context.stack.discard(key)
