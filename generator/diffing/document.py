"""Document-level checks: webhooks, removed component schemas, and info.version against breaking changes."""

from __future__ import annotations

import re
from typing import Any

from generator.diffing.context import Sink
from generator.diffing.operations import EXEMPT, index_operations
from generator.diffing.sunset import stability_of
from generator.loading.pointers import escape

__all__ = ["check_components", "check_versioning", "check_webhooks", "parse_version"]


def check_webhooks(sink: Sink, base: dict[str, Any], revision: dict[str, Any]) -> None:
    """Report webhooks (3.1) added or removed; a removed webhook breaks its subscribers."""
    options = sink.context.options
    old = index_operations(base, options, "webhooks")
    new = index_operations(revision, options, "webhooks")
    for key in sorted(old.keys() - new.keys()):
        if stability_of(old[key].node) not in EXEMPT:
            sink.emit(
                "webhook-removed", f"webhook {key} removed", location=f"webhook {key}", base_pointer=old[key].pointer
            )
    for key in sorted(new.keys() - old.keys()):
        sink.emit("webhook-added", f"webhook {key} added", location=f"webhook {key}", revision_pointer=new[key].pointer)


def _schemas(data: dict[str, Any]) -> dict[str, Any]:
    components = data.get("components")
    raw = components.get("schemas") if isinstance(components, dict) else None
    return raw if isinstance(raw, dict) else {}


def check_components(sink: Sink, base: dict[str, Any], revision: dict[str, Any]) -> None:
    """Report component schemas that were removed (their users are compared where they are used)."""
    new = _schemas(revision)
    for name in sorted(_schemas(base)):
        if name not in new:
            sink.emit(
                "api-schema-removed",
                f"component schema '{name}' removed",
                location=f"component '{name}'",
                base_pointer=f"/components/schemas/{escape(name)}",
            )


def parse_version(text: str) -> tuple[int, ...]:
    """``"1.2.3"`` -> ``(1, 2, 3)``; non-numeric parts are dropped (``"2.0.0-beta"`` -> ``(2, 0, 0)``)."""
    parts = re.findall(r"\d+", text.split("-", 1)[0].split("+", 1)[0])
    return tuple(int(part) for part in parts) or (0,)


def check_versioning(sink: Sink, base: dict[str, Any], revision: dict[str, Any], breaking: bool) -> None:
    """When there are breaking changes, report an info.version that was not bumped (semver policy)."""
    if not breaking:
        return
    old = str((base.get("info") or {}).get("version", ""))
    new = str((revision.get("info") or {}).get("version", ""))
    emit = {"location": "info.version", "base_pointer": "/info/version", "revision_pointer": "/info/version"}
    old_version, new_version = parse_version(old), parse_version(new)
    if new_version == old_version:
        sink.emit("api-version-not-bumped", f"breaking changes but info.version is still '{new}'", **emit)
    elif new_version < old_version:
        sink.emit(
            "api-version-decreased", f"breaking changes and info.version went down from '{old}' to '{new}'", **emit
        )
    elif new_version[0] <= old_version[0]:
        sink.emit(
            "api-major-version-not-bumped",
            f"breaking changes but the major version of '{new}' was not bumped from '{old}'",
            **emit,
        )
