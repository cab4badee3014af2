"""Endpoints: index and match operations, then report added/removed endpoints and their lifecycle.

Endpoints match with path-parameter names ignored (``/customers/{id}`` is ``/customers/{customer_id}``).
Removing an operation without prior deprecation is an error; removing a deprecated one before its
``x-sunset`` is an error too, after it nothing is reported. Operations at ``x-stability-level`` draft or
alpha are exempt from every check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from generator.diffing.context import OperationRef, Sink
from generator.diffing.model import DiffOptions
from generator.diffing.sunset import INVALID, STABILITY_ORDER, parse_sunset, stability_of
from generator.loading.pointers import escape

__all__ = ["EXEMPT", "METHODS", "Operation", "base_path", "check_lifecycle", "check_removed", "index_operations"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
EXEMPT = frozenset({"draft", "alpha"})
_PARAM = re.compile(r"\{[^}/]*\}")


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of one document."""

    method: str
    path: str
    key: str
    node: dict[str, Any]
    pointer: str
    path_item: dict[str, Any]

    def ref(self, prefix: str) -> OperationRef:
        """The :class:`OperationRef` changes of this operation are reported under."""
        shown = self.path if not prefix or self.path.startswith(prefix + "/") else prefix + self.path
        operation_id = self.node.get("operationId")
        return OperationRef(
            self.method.upper(),
            self.path,
            f"{self.method.upper()} {shown}",
            self.key,
            operation_id if isinstance(operation_id, str) else "",
        )


def base_path(data: dict[str, Any]) -> str:
    """The path part of the first server URL (``/api/public/v1``), ``""`` when none."""
    servers = data.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    url = servers[0].get("url")
    if not isinstance(url, str):
        return ""
    return urlparse(url).path.rstrip("/") if "://" in url else url.rstrip("/")


def index_operations(data: dict[str, Any], options: DiffOptions, section: str = "paths") -> dict[str, Operation]:
    """Operations by ``"METHOD /normalized/{}"`` key."""
    found: dict[str, Operation] = {}
    paths = data.get(section)
    if not isinstance(paths, dict):
        return found
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        norm = path if options.include_path_params else _PARAM.sub("{}", path)
        for method in METHODS:
            node = item.get(method)
            if isinstance(node, dict):
                key = f"{method.upper()} {norm}"
                found[key] = Operation(method, path, key, node, f"/{section}/{escape(path)}/{method}", item)
    return found


def check_removed(sink: Sink, operation: Operation, path_gone: bool, today_options: DiffOptions) -> None:
    """Report a removed operation (with or without prior deprecation, before or after its sunset)."""
    node = operation.node
    if stability_of(node) in EXEMPT:
        return
    scope = "api-path" if path_gone else "api"
    what = "path" if path_gone else "operation"
    if node.get("deprecated") is not True:
        sink.emit(
            f"{scope}-removed-without-deprecation",
            f"{what} removed without deprecation",
            base_pointer=operation.pointer,
        )
        return
    sunset = parse_sunset(node.get("x-sunset"))
    if sunset is INVALID:
        sink.emit(
            "api-path-sunset-parse",
            f"deprecated {what} removed; its x-sunset '{node.get('x-sunset')}' cannot be parsed",
            base_pointer=operation.pointer,
        )
    elif sunset is None:
        sink.emit(f"{scope}-removed-with-deprecation", f"deprecated {what} removed", base_pointer=operation.pointer)
    elif sunset > today_options.today:
        sink.emit(
            f"{scope}-removed-before-sunset",
            f"{what} removed before its sunset date {sunset}",
            base_pointer=operation.pointer,
        )


def check_lifecycle(sink: Sink, base: Operation, revision: Operation) -> bool:
    """Report stability, deprecation, sunset, operationId and tag changes; returns whether to go deeper."""
    old_level, new_level = stability_of(base.node), stability_of(revision.node)
    if new_level not in STABILITY_ORDER:
        sink.emit(
            "api-invalid-stability-level", f"invalid x-stability-level '{new_level}'", revision_pointer=revision.pointer
        )
        return False
    if old_level in STABILITY_ORDER and old_level != new_level:
        verb = "decreased" if STABILITY_ORDER[new_level] < STABILITY_ORDER[old_level] else "increased"
        if old_level not in EXEMPT:
            sink.emit(
                f"api-stability-{verb}",
                f"x-stability-level {verb} from '{old_level}' to '{new_level}'",
                base_pointer=base.pointer,
                revision_pointer=revision.pointer,
            )
        elif verb == "increased":
            sink.emit(
                "api-stability-increased",
                f"x-stability-level increased from '{old_level}' to '{new_level}'",
                base_pointer=base.pointer,
                revision_pointer=revision.pointer,
            )
    if old_level in EXEMPT or new_level in EXEMPT:
        return False
    _deprecation(sink, base, revision, new_level)
    _identity(sink, base, revision)
    return True


def _deprecation(sink: Sink, base: Operation, revision: Operation, level: str) -> None:
    options = sink.context.options
    days = options.deprecation_days_beta if level == "beta" else options.deprecation_days_stable
    was, now = base.node.get("deprecated") is True, revision.node.get("deprecated") is True
    old_sunset, new_sunset = parse_sunset(base.node.get("x-sunset")), parse_sunset(revision.node.get("x-sunset"))
    pointers = {"base_pointer": base.pointer, "revision_pointer": revision.pointer}
    if was and not now:
        sink.emit("endpoint-reactivated", "operation is no longer deprecated", **pointers)
        return
    if not now:
        return
    if new_sunset is INVALID:
        sink.emit(
            "api-deprecated-sunset-parse", f"x-sunset '{revision.node.get('x-sunset')}' cannot be parsed", **pointers
        )
        return
    if not was:
        if new_sunset is None:
            sink.emit(
                "api-deprecated-sunset-missing" if days > 0 else "endpoint-deprecated",
                "operation deprecated" + (" without x-sunset" if days > 0 else ""),
                **pointers,
            )
        elif days > 0 and (new_sunset - options.today).days < days:
            sink.emit(
                "api-sunset-date-too-small",
                f"operation deprecated with x-sunset {new_sunset}, less than {days} days away",
                **pointers,
            )
        else:
            sink.emit("endpoint-deprecated-with-sunset", f"operation deprecated with x-sunset {new_sunset}", **pointers)
        return
    if old_sunset is not None and new_sunset is None:
        sink.emit("sunset-deleted", "x-sunset removed while the operation is still deprecated", **pointers)
    elif (
        old_sunset is not None
        and old_sunset is not INVALID
        and new_sunset is not None
        and new_sunset < old_sunset
        and days > 0
        and (new_sunset - options.today).days < days
    ):
        sink.emit(
            "api-sunset-date-changed-too-small",
            f"x-sunset moved from {old_sunset} to {new_sunset}, less than {days} days away",
            **pointers,
        )


def _identity(sink: Sink, base: Operation, revision: Operation) -> None:
    old_id, new_id = base.node.get("operationId"), revision.node.get("operationId")
    if old_id != new_id:
        if isinstance(old_id, str):
            sink.emit(
                "api-operation-id-removed",
                f"operationId '{old_id}' removed" + (f" (now '{new_id}')" if new_id else ""),
                base_pointer=base.pointer + "/operationId",
                revision_pointer=revision.pointer,
            )
        elif isinstance(new_id, str):
            sink.emit(
                "api-operation-id-added",
                f"operationId '{new_id}' added",
                revision_pointer=revision.pointer + "/operationId",
            )
    old_tags = {tag for tag in base.node.get("tags") or [] if isinstance(tag, str)}
    new_tags = {tag for tag in revision.node.get("tags") or [] if isinstance(tag, str)}
    for tag in sorted(old_tags - new_tags):
        sink.emit(
            "api-tag-removed", f"tag '{tag}' removed", base_pointer=base.pointer, revision_pointer=revision.pointer
        )
    for tag in sorted(new_tags - old_tags):
        sink.emit("api-tag-added", f"tag '{tag}' added", base_pointer=base.pointer, revision_pointer=revision.pointer)
