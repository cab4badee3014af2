"""Request parameters: added, removed (with the deprecation lifecycle), requiredness, and their schemas.

Parameters match by location and name (header names case-insensitively); path parameters match by
position in the path template unless ``include_path_params`` is set, so a rename is no change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from generator.diffing.context import Site
from generator.diffing.operations import Operation
from generator.diffing.schema_view import deref
from generator.diffing.schema_walk import SchemaWalker
from generator.diffing.sunset import INVALID, parse_sunset

__all__ = ["check_parameters"]

_PARAM = re.compile(r"\{([^}/]*)\}")


@dataclass(frozen=True, slots=True)
class _Param:
    node: dict[str, Any]
    pointer: str
    location: str
    name: str
    path_level: bool

    @property
    def label(self) -> str:
        return f"{self.location} parameter '{self.name}'"

    @property
    def required(self) -> bool:
        return self.location == "path" or self.node.get("required") is True

    def schema(self) -> tuple[Any, str] | None:
        if "schema" in self.node:
            return self.node["schema"], f"{self.pointer}/schema"
        content = self.node.get("content")
        if isinstance(content, dict):
            for media, entry in content.items():
                if isinstance(entry, dict) and "schema" in entry:
                    return entry["schema"], f"{self.pointer}/content/{media.replace('/', '~1')}/schema"
        return None


def _collect(data: dict[str, Any], operation: Operation, by_name: bool) -> dict[tuple[str, str], _Param]:
    positions = {name: str(index) for index, name in enumerate(_PARAM.findall(operation.path))}
    found: dict[tuple[str, str], _Param] = {}
    item_pointer = operation.pointer.rsplit("/", 1)[0]
    for owner, pointer, path_level in (
        (operation.path_item, item_pointer, True),
        (operation.node, operation.pointer, False),
    ):
        raw = owner.get("parameters")
        if not isinstance(raw, list):
            continue
        for index, entry in enumerate(raw):
            node, node_pointer, _ = deref(data, entry, f"{pointer}/parameters/{index}")
            if not isinstance(node, dict) or not isinstance(node.get("name"), str):
                continue
            location, name = str(node.get("in", "")), node["name"]
            if location == "header":
                key = name.lower()
            elif location == "path" and not by_name:
                key = positions.get(name, name)
            else:
                key = name
            found[(location, key)] = _Param(node, node_pointer, location, name, path_level)
    return found


def check_parameters(walker: SchemaWalker, base: Operation, revision: Operation) -> None:
    """Report every parameter change of one operation."""
    sink = walker.sink
    context = sink.context
    by_name = context.options.include_path_params
    old = _collect(context.base.data, base, by_name)
    new = _collect(context.revision.data, revision, by_name)
    for key in sorted(old.keys() | new.keys()):
        if key not in old:
            param = new[key]
            if param.location == "path":
                check_id = "new-request-path-parameter"
            elif param.path_level:
                kind = "required" if param.required else "optional"
                check_id = f"new-{kind}-request-default-parameter-to-existing-path"
            else:
                check_id = f"new-{'required' if param.required else 'optional'}-request-parameter"
            sink.emit(
                check_id,
                f"new {'required' if param.required else 'optional'} {param.label}",
                location=param.label,
                revision_pointer=param.pointer,
            )
        elif key not in new:
            _removed(walker, old[key])
        else:
            _changed(walker, old[key], new[key])


def _removed(walker: SchemaWalker, param: _Param) -> None:
    sink = walker.sink
    emit = {"location": param.label, "base_pointer": param.pointer}
    if param.node.get("deprecated") is not True:
        sink.emit("request-parameter-removed", f"{param.label} removed", **emit)
        return
    sunset = parse_sunset(param.node.get("x-sunset"))
    if sunset is INVALID:
        sink.emit(
            "request-parameter-sunset-parse", f"deprecated {param.label} removed; its x-sunset cannot be parsed", **emit
        )
    elif sunset is None:
        sink.emit("request-parameter-removed-with-deprecation", f"deprecated {param.label} removed", **emit)
    elif sunset > sink.context.options.today:
        sink.emit(
            "request-parameter-removed-before-sunset", f"{param.label} removed before its sunset date {sunset}", **emit
        )


def _changed(walker: SchemaWalker, old: _Param, new: _Param) -> None:
    sink = walker.sink
    emit = {"location": new.label, "base_pointer": old.pointer, "revision_pointer": new.pointer}
    if old.required != new.required:
        verb = "required" if new.required else "optional"
        sink.emit(f"request-parameter-became-{verb}", f"{new.label} became {verb}", **emit)
    _deprecation(walker, old, new, emit)
    old_schema, new_schema = old.schema(), new.schema()
    if old_schema is not None and new_schema is not None:
        site = Site("request", "parameter", new.label, in_header=new.location == "header")
        walker.walk(site, old_schema[0], old_schema[1], new_schema[0], new_schema[1])


def _deprecation(walker: SchemaWalker, old: _Param, new: _Param, emit: dict[str, str]) -> None:
    sink = walker.sink
    options = sink.context.options
    was, now = old.node.get("deprecated") is True, new.node.get("deprecated") is True
    old_sunset, new_sunset = parse_sunset(old.node.get("x-sunset")), parse_sunset(new.node.get("x-sunset"))
    days = options.deprecation_days_stable
    if was and not now:
        sink.emit("request-parameter-reactivated", f"{new.label} is no longer deprecated", **emit)
    elif now and not was:
        if new_sunset is None and days > 0:
            sink.emit("request-parameter-deprecated-sunset-missing", f"{new.label} deprecated without x-sunset", **emit)
        elif (
            new_sunset is not None
            and new_sunset is not INVALID
            and days > 0
            and (new_sunset - options.today).days < days
        ):
            sink.emit(
                "request-parameter-sunset-date-too-small",
                f"{new.label} deprecated with x-sunset {new_sunset}, less than {days} days away",
                **emit,
            )
        else:
            sink.emit("request-parameter-deprecated", f"{new.label} deprecated", **emit)
    elif was and now:
        if old_sunset is not None and new_sunset is None:
            sink.emit("request-parameter-sunset-deleted", f"x-sunset removed from deprecated {new.label}", **emit)
        elif (
            old_sunset is not None
            and new_sunset is not None
            and INVALID not in (old_sunset, new_sunset)
            and new_sunset < old_sunset
            and days > 0
            and (new_sunset - options.today).days < days
        ):
            sink.emit(
                "request-parameter-sunset-date-changed-too-small",
                f"x-sunset of {new.label} moved from {old_sunset} to {new_sunset}",
                **emit,
            )
