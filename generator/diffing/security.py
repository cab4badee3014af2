"""Security: requirements per operation and for the whole document, and the security schemes.

Every security id is informational in oasdiff; raise them with ``--severity-levels`` if adding auth
should block.
"""

from __future__ import annotations

from typing import Any

from generator.diffing.context import Sink
from generator.diffing.operations import Operation

__all__ = ["check_global_security", "check_operation_security", "check_security_schemes"]

_Requirement = frozenset[str]


def _requirements(raw: Any) -> dict[_Requirement, dict[str, set[str]]]:
    found: dict[_Requirement, dict[str, set[str]]] = {}
    if not isinstance(raw, list):
        return found
    for entry in raw:
        if isinstance(entry, dict):
            found[frozenset(entry)] = {
                name: set(scopes) if isinstance(scopes, list) else set() for name, scopes in entry.items()
            }
    return found


def _label(requirement: _Requirement) -> str:
    return " + ".join(sorted(requirement)) or "{} (anonymous)"


def _compare(sink: Sink, prefix: str, old_raw: Any, new_raw: Any, pointers: tuple[str | None, str | None]) -> None:
    old, new = _requirements(old_raw), _requirements(new_raw)
    emit: dict[str, Any] = {"location": "security", "base_pointer": pointers[0], "revision_pointer": pointers[1]}
    for requirement in sorted(old.keys() - new.keys(), key=_label):
        sink.emit(f"{prefix}-removed", f"security requirement '{_label(requirement)}' removed", **emit)
    for requirement in sorted(new.keys() - old.keys(), key=_label):
        sink.emit(f"{prefix}-added", f"security requirement '{_label(requirement)}' added", **emit)
    for requirement in sorted(old.keys() & new.keys(), key=_label):
        for scheme in sorted(requirement):
            for scope in sorted(new[requirement][scheme] - old[requirement][scheme]):
                sink.emit(f"{prefix}-scope-added", f"scope '{scope}' added to security scheme '{scheme}'", **emit)
            for scope in sorted(old[requirement][scheme] - new[requirement][scheme]):
                sink.emit(f"{prefix}-scope-removed", f"scope '{scope}' removed from security scheme '{scheme}'", **emit)


def check_operation_security(sink: Sink, base: Operation, revision: Operation) -> None:
    """Report operation-level security requirement changes (only where the operation declares them)."""
    old, new = base.node.get("security"), revision.node.get("security")
    if old != new and (old is not None or new is not None):
        _compare(sink, "api-security", old or [], new or [], (base.pointer, revision.pointer))


def check_global_security(sink: Sink, base: dict[str, Any], revision: dict[str, Any]) -> None:
    """Report document-level security requirement changes."""
    old, new = base.get("security"), revision.get("security")
    if old != new:
        _compare(
            sink,
            "api-global-security",
            old or [],
            new or [],
            ("/security" if old else None, "/security" if new else None),
        )


def _schemes(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    components = data.get("components")
    raw = components.get("securitySchemes") if isinstance(components, dict) else None
    return {name: node for name, node in raw.items() if isinstance(node, dict)} if isinstance(raw, dict) else {}


def check_security_schemes(sink: Sink, base: dict[str, Any], revision: dict[str, Any]) -> None:
    """Report security schemes added, removed, retyped, and OAuth URL and scope edits."""
    old, new = _schemes(base), _schemes(revision)
    for name in sorted(old.keys() | new.keys()):
        pointer = f"/components/securitySchemes/{name}"
        emit: dict[str, Any] = {
            "location": f"security scheme '{name}'",
            "base_pointer": pointer if name in old else None,
            "revision_pointer": pointer if name in new else None,
        }
        if name not in new:
            sink.emit("api-security-component-removed", f"security scheme '{name}' removed", **emit)
        elif name not in old:
            sink.emit("api-security-component-added", f"security scheme '{name}' added", **emit)
        elif old[name].get("type") != new[name].get("type"):
            sink.emit(
                "api-security-component-type-changed",
                f"security scheme '{name}' type changed from '{old[name].get('type')}' to '{new[name].get('type')}'",
                **emit,
            )
        else:
            _flows(sink, name, old[name].get("flows"), new[name].get("flows"), emit)


def _flows(sink: Sink, name: str, old_raw: Any, new_raw: Any, emit: dict[str, Any]) -> None:
    old_flows = old_raw if isinstance(old_raw, dict) else {}
    new_flows = new_raw if isinstance(new_raw, dict) else {}
    for flow in sorted(old_flows.keys() & new_flows.keys()):
        old, new = old_flows[flow], new_flows[flow]
        if not isinstance(old, dict) or not isinstance(new, dict):
            continue
        if old.get("authorizationUrl") != new.get("authorizationUrl"):
            sink.emit("api-security-component-oauth-url-changed", f"'{name}' {flow} authorizationUrl changed", **emit)
        if old.get("tokenUrl") != new.get("tokenUrl"):
            sink.emit("api-security-component-oauth-token-url-changed", f"'{name}' {flow} tokenUrl changed", **emit)
        old_scopes = old["scopes"] if isinstance(old.get("scopes"), dict) else {}
        new_scopes = new["scopes"] if isinstance(new.get("scopes"), dict) else {}
        for scope in sorted(old_scopes.keys() | new_scopes.keys()):
            if scope not in new_scopes:
                sink.emit("api-security-component-oauth-scope-removed", f"'{name}' scope '{scope}' removed", **emit)
            elif scope not in old_scopes:
                sink.emit("api-security-component-oauth-scope-added", f"'{name}' scope '{scope}' added", **emit)
            elif old_scopes[scope] != new_scopes[scope]:
                sink.emit(
                    "api-security-component-oauth-scope-changed",
                    f"'{name}' scope '{scope}' description changed",
                    **emit,
                )
