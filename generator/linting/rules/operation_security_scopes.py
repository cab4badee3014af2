"""``operation-security-scopes``: every operation requires credentials and names its scopes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join

_EXAMPLE = "`security: [{apiKey: [read:customers]}, {bearerAuth: [read:customers]}]`"


def _requirements(security: Any, pointer: str, label: str) -> Iterator[Hit]:
    if not isinstance(security, list) or not security:
        yield pointer, f"{label} requires no credentials: declare {_EXAMPLE} with the scopes it needs"
        return
    for index, requirement in enumerate(security):
        where = join(pointer, index)
        if not isinstance(requirement, dict):
            continue
        if not requirement:
            yield (
                where,
                (
                    f"{label} allows anonymous calls (`{{}}` in `security`): remove it and "
                    "require a credential with scopes"
                ),
            )
        for scheme, scopes in requirement.items():
            if not isinstance(scopes, list) or not scopes:
                yield (
                    join(where, scheme),
                    (f"{label} requires `{scheme}` without scopes: list the scopes it needs, e.g. `[read:customers]`"),
                )
    yield from _same_scopes(security, pointer, label)


def _same_scopes(security: list[Any], pointer: str, label: str) -> Iterator[Hit]:
    """Alternatives (API key or bearer token) must grant the call for the same scopes."""
    first: tuple[str, set[str]] | None = None
    for index, requirement in enumerate(security):
        if not isinstance(requirement, dict):
            continue
        for scheme, scopes in requirement.items():
            if not isinstance(scopes, list) or not scopes:
                continue
            wanted = {str(scope) for scope in scopes}
            if first is None:
                first = (str(scheme), wanted)
            elif wanted != first[1]:
                yield (
                    join(pointer, index, scheme),
                    (
                        f"{label} asks `{scheme}` for scopes "
                        f"{sorted(wanted)} but `{first[0]}` for {sorted(first[1])}: "
                        "list the same scopes on every alternative"
                    ),
                )


def check(context: LintContext) -> Iterator[Hit]:
    """Flag operations whose effective ``security`` is empty, anonymous or scope-less."""
    top_checked = False
    for op in context.operations:
        if "security" in op.node:
            yield from _requirements(op.node["security"], join(op.pointer, "security"), op.label)
        elif "security" in context.data:
            if not top_checked:
                top_checked = True
                yield from _requirements(context.data["security"], "/security", "the top-level `security`")
        else:
            yield op.pointer, f"{op.label} declares no `security`: add {_EXAMPLE} with the scopes it needs"


RULE = Rule(
    "operation-security-scopes",
    Severity.ERROR,
    "Every operation requires credentials, with the same non-empty scopes on each alternative scheme.",
    check,
)
