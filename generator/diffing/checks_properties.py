"""Object properties: existence, requiredness, readOnly/writeOnly transitions; recursion into children.

readOnly properties do not count on the request side and writeOnly ones not on the response side:
they get their own informational ids (or none), never a breaking verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generator.diffing.context import Site
from generator.diffing.schema_view import deref
from generator.diffing.schema_walk import SchemaPair

__all__ = ["RULES"]


def _flag(data: dict[str, Any], node: Any, pointer: str, keyword: str) -> bool:
    if isinstance(node, dict) and node.get(keyword) is True:
        return True
    target, _, _ = deref(data, node, pointer)
    return isinstance(target, dict) and target.get(keyword) is True


def _required(node: dict[str, Any]) -> set[str]:
    raw = node.get("required")
    return {name for name in raw if isinstance(name, str)} if isinstance(raw, list) else set()


def _has_default(data: dict[str, Any], node: Any, pointer: str) -> bool:
    target, _, _ = deref(data, node, pointer)
    return isinstance(target, dict) and "default" in target


def check_properties(pair: SchemaPair) -> None:
    """Report added, removed and re-qualified properties, then compare the common ones."""
    base, revision, site = pair.base, pair.revision, pair.site
    old_props = base.node.get("properties")
    new_props = revision.node.get("properties")
    old_props = old_props if isinstance(old_props, dict) else {}
    new_props = new_props if isinstance(new_props, dict) else {}
    if not old_props and not new_props:
        return
    old_required, new_required = _required(base.node), _required(revision.node)
    base_data, revision_data = pair.sink.context.base.data, pair.sink.context.revision.data
    context = pair.sink.context
    for name in [*old_props, *(name for name in new_props if name not in old_props)]:
        base_pointer = f"{base.pointer}/properties/{_esc(name)}"
        revision_pointer = f"{revision.pointer}/properties/{_esc(name)}"
        if (
            name in new_props
            and (name in old_required) == (name in new_required)
            and context.same(old_props.get(name), base_pointer, new_props[name])
        ):
            continue  # identical property, same requiredness: nothing to report (fast path)
        flags = _Flags(
            base_ro=name in old_props and _flag(base_data, old_props[name], base_pointer, "readOnly"),
            base_wo=name in old_props and _flag(base_data, old_props[name], base_pointer, "writeOnly"),
            new_ro=name in new_props and _flag(revision_data, new_props[name], revision_pointer, "readOnly"),
            new_wo=name in new_props and _flag(revision_data, new_props[name], revision_pointer, "writeOnly"),
        )
        child = site.child(name, read_only=flags.base_ro or flags.new_ro, write_only=flags.base_wo or flags.new_wo)
        prop = _Prop(
            pair,
            child,
            name,
            flags,
            name in old_required,
            name in new_required,
            name in new_props and _has_default(revision_data, new_props[name], revision_pointer),
            base_pointer if name in old_props else None,
            revision_pointer if name in new_props else None,
        )
        if name not in old_props:
            _added(prop)
        elif name not in new_props:
            _removed(prop)
        else:
            _requiredness(prop)
            _transitions(prop)
            pair.walker.walk(child, old_props[name], base_pointer, new_props[name], revision_pointer)


@dataclass(frozen=True, slots=True)
class _Flags:
    base_ro: bool
    base_wo: bool
    new_ro: bool
    new_wo: bool


@dataclass(frozen=True, slots=True)
class _Prop:
    """One property present on at least one side, with everything the existence checks need."""

    pair: SchemaPair
    site: Site
    name: str
    flags: _Flags
    was_required: bool
    now_required: bool
    with_default: bool
    base_pointer: str | None
    revision_pointer: str | None

    def emit(self, check_id: str, text: str) -> None:
        site = self.site
        self.pair.sink.emit(
            check_id,
            f"{site.location}: {text}",
            location=site.location,
            base_pointer=self.base_pointer,
            revision_pointer=self.revision_pointer,
            component=site.component,
        )


def _esc(name: str) -> str:
    return name.replace("~", "~0").replace("/", "~1")


def _added(prop: _Prop) -> None:
    site, name, required = prop.site, prop.name, prop.now_required
    kind = "required" if required else "optional"
    if site.direction == "request":
        if prop.flags.new_ro:
            return
        if site.scope == "parameter":
            if required and site.in_header:
                prop.emit("new-required-request-header-property", f"new required property '{name}'")
            return
        suffix = "-with-default" if required and prop.with_default else ""
        prop.emit(f"new-{kind}-request-property{suffix}", f"new {kind} property '{name}'")
    elif site.scope == "body":
        write_only = "write-only-" if prop.flags.new_wo else ""
        prop.emit(f"response-{kind}-{write_only}property-added", f"new {kind} property '{name}'")


def _removed(prop: _Prop) -> None:
    site, name = prop.site, prop.name
    if site.direction == "request":
        if not prop.flags.base_ro and site.scope == "body":
            prop.emit("request-property-removed", f"property '{name}' removed")
        return
    if site.scope != "body":
        return
    kind = "required" if prop.was_required else "optional"
    write_only = "write-only-" if prop.flags.base_wo else ""
    prop.emit(f"response-{kind}-{write_only}property-removed", f"{kind} property '{name}' removed")


def _requiredness(prop: _Prop) -> None:
    site, now = prop.site, prop.now_required
    if prop.was_required == now:
        return
    verb = "required" if now else "optional"
    text = f"property '{prop.name}' became {verb}"
    if site.direction == "request":
        if prop.flags.new_ro:
            return
        if site.scope == "parameter":
            if now and site.in_header:
                prop.emit("request-header-property-became-required", text)
            return
        suffix = "-with-default" if now and prop.with_default else ""
        prop.emit(f"request-property-became-{verb}{suffix}", text)
    elif site.scope == "body":
        prefix = "response-write-only-property" if prop.flags.new_wo else "response-property"
        prop.emit(f"{prefix}-became-{verb}", text)


def _transitions(prop: _Prop) -> None:
    site, flags = prop.site, prop.flags
    if site.scope != "body":
        return
    kind = "required" if prop.now_required else "optional"
    for was, now, label in ((flags.base_ro, flags.new_ro, "read-only"), (flags.base_wo, flags.new_wo, "write-only")):
        if was != now:
            state = label if now else f"not-{label}"
            prop.emit(
                f"{site.direction}-{kind}-property-became-{state}",
                f"{kind} property '{prop.name}' became {state.replace('-', ' ')}",
            )


def check_children(pair: SchemaPair) -> None:
    """Compare array items and additionalProperties schemas."""
    base, revision = pair.base, pair.revision
    for keyword, token in (("items", "items"), ("additionalProperties", "additionalProperties")):
        old, new = base.node.get(keyword), revision.node.get(keyword)
        if isinstance(old, dict) and isinstance(new, dict):
            pair.walker.walk(
                pair.site.child(token), old, f"{base.pointer}/{keyword}", new, f"{revision.pointer}/{keyword}"
            )


RULES = (check_properties, check_children)
