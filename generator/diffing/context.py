"""The state of one comparison: the two documents, where we are (operation, site) and the changes found.

A check never builds ids by hand for schema keywords: it says what happened (``"max-length-decreased"``)
and the :class:`Site` turns that into the candidate ids for where it happened (request body, request
property, parameter, response header ...). Only ids that exist in oasdiff's catalogue are reported,
which is how direction decides the verdict.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from generator.diffing.catalogue import catalogue
from generator.diffing.explain import why_breaking
from generator.diffing.model import Change, DiffOptions, fingerprint_of
from generator.loading import LoadedDocument
from generator.loading.pointers import MISSING, resolve

__all__ = ["COMPOSITION_TOKENS", "DiffContext", "OperationRef", "Sink", "Site"]

COMPOSITION_TOKENS = ("allOf[", "anyOf[", "oneOf[")


@dataclass(frozen=True, slots=True)
class Site:
    """Where a schema sits: direction, scope, the property path below the top schema, and its flags.

    Attributes:
        direction: ``"request"`` or ``"response"``.
        scope: ``"body"`` (request/response body), ``"parameter"`` (request parameter) or ``"header"``
            (response header).
        where: the top of the location in words (``"request body (application/json)"``).
        path: property names (and ``oneOf[...]`` markers) from the top schema down.
        read_only: the property (or an ancestor) is readOnly.
        write_only: the property (or an ancestor) is writeOnly.
        in_header: a request header parameter (its properties have their own ids).
        component: the innermost shared component crossed.
    """

    direction: str
    scope: str
    where: str
    path: tuple[str, ...] = ()
    read_only: bool = False
    write_only: bool = False
    in_header: bool = False
    component: str = ""

    @property
    def is_top(self) -> bool:
        """Whether this is the top schema (composition markers do not count as properties)."""
        return all(token.startswith(COMPOSITION_TOKENS) for token in self.path)

    def child(self, token: str, *, read_only: bool = False, write_only: bool = False) -> Site:
        """The site of a property (or items, or a subschema) below this one."""
        return replace(
            self,
            path=(*self.path, token),
            read_only=self.read_only or read_only,
            write_only=self.write_only or write_only,
        )

    def prefixes(self) -> tuple[str, ...]:  # noqa: PLR0911 - a lookup table, spelled out
        """The id prefixes for a schema keyword change at this site, most specific first."""
        request = self.direction == "request"
        if self.is_top:
            if self.scope == "body":
                return ("request-body-",) if request else ("response-body-", "response-mediatype-")
            return ("request-parameter-",) if self.scope == "parameter" else ("response-header-",)
        if self.scope == "body":
            if request:
                return ("request-read-only-property-",) if self.read_only else ("request-property-",)
            return ("response-write-only-property-",) if self.write_only else ("response-property-",)
        if self.scope == "parameter":
            if self.in_header:
                return ("request-header-property-", "request-parameter-property-")
            return ("request-parameter-property-",)
        return ()

    @property
    def location(self) -> str:
        """The location in words: ``"request body (application/json) property 'data/name'"``."""
        if not self.path:
            return self.where
        return f"{self.where} property '{'/'.join(self.path)}'"


@dataclass(frozen=True, slots=True)
class OperationRef:
    """The operation a change belongs to."""

    method: str
    path: str
    display: str
    key: str
    operation_id: str = ""

    @classmethod
    def none(cls) -> OperationRef:
        """The pseudo-operation of document-level changes."""
        return cls("", "", "", "", "")


@dataclass(slots=True)
class DiffContext:
    """The two documents, the options and the changes found so far."""

    base: LoadedDocument
    revision: LoadedDocument
    options: DiffOptions
    changes: list[Change] = field(default_factory=list)
    stack: set[tuple[Any, ...]] = field(default_factory=set)
    _stable: dict[str, bool] = field(default_factory=dict)
    _refs: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def base_source(self, pointer: str | None) -> str:
        """``file:line`` of a base node (``""`` for ``None``)."""
        return "" if pointer is None else str(self.base.locate(pointer))

    def revision_source(self, pointer: str | None) -> str:
        """``file:line`` of a revision node (``""`` for ``None``)."""
        return "" if pointer is None else str(self.revision.locate(pointer))

    def same(self, base: Any, base_pointer: str, revision: Any) -> bool:
        """Whether two schema nodes are identical, refs included (a cheap way to skip equal subtrees)."""
        if base != revision:
            return False
        return all(self._ref_stable(ref) for ref in self._refs_within(base, base_pointer))

    def _refs_within(self, node: Any, pointer: str) -> tuple[str, ...]:
        cached = self._refs.get(pointer)
        if cached is not None:
            return cached
        found: list[str] = []
        todo = [node]
        while todo:
            item = todo.pop()
            if isinstance(item, dict):
                ref = item.get("$ref")
                if isinstance(ref, str):
                    found.append(ref)
                todo.extend(item.values())
            elif isinstance(item, list):
                todo.extend(item)
        result = tuple(sorted(set(found)))
        self._refs[pointer] = result
        return result

    def _ref_stable(self, ref: str) -> bool:
        known = self._stable.get(ref)
        if known is not None:
            return known
        if not ref.startswith("#"):
            return True
        self._stable[ref] = True  # a cycle is assumed stable until proven otherwise
        base = resolve(self.base.data, ref[1:])
        revision = resolve(self.revision.data, ref[1:])
        if base is MISSING or revision is MISSING:
            result = base is revision
        else:
            result = base == revision and all(self._ref_stable(inner) for inner in self._refs_within(base, ref[1:]))
        self._stable[ref] = result
        return result


class Sink:
    """Collects the changes of one operation (or of the document) into the context."""

    def __init__(self, context: DiffContext, operation: OperationRef) -> None:
        self.context = context
        self.operation = operation

    def emit(
        self,
        check_id: str,
        text: str,
        *,
        location: str = "",
        base_pointer: str | None = None,
        revision_pointer: str | None = None,
        component: str = "",
    ) -> bool:
        """Record a change if ``check_id`` is a known check; returns whether it was recorded."""
        check = catalogue().get(check_id)
        if check is None:
            return False
        operation = self.operation
        detail = text
        if component:
            text = f"{text} (in component {component})"
        self.context.changes.append(
            Change(
                id=check_id,
                level=check.level,
                operation=operation.display,
                operation_id=operation.operation_id,
                path=operation.path,
                location=location,
                text=text,
                why=why_breaking(check),
                base_source=self.context.base_source(base_pointer),
                revision_source=self.context.revision_source(revision_pointer),
                component=component,
                fingerprint=fingerprint_of(check_id, operation.key, location, detail),
            )
        )
        return True

    def emit_schema(
        self,
        site: Site,
        suffixes: str | Sequence[str],
        text: str,
        base_pointer: str | None,
        revision_pointer: str | None,
    ) -> bool:
        """Record a schema keyword change at ``site``: the first candidate id that exists wins."""
        known = catalogue()
        for suffix in (suffixes,) if isinstance(suffixes, str) else suffixes:
            for prefix in site.prefixes():
                if prefix + suffix in known:
                    return self.emit(
                        prefix + suffix,
                        f"{site.location}: {text}",
                        location=site.location,
                        base_pointer=base_pointer,
                        revision_pointer=revision_pointer,
                        component=site.component,
                    )
        return False
