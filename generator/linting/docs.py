"""Render ``docs/lint-rules.md`` from :data:`RULES` (``python -m generator.linting.docs`` rewrites it)."""

from __future__ import annotations

import inspect
import sys
from collections.abc import Iterable
from pathlib import Path

from generator.linting.model import Rule

__all__ = ["DOC_PATH", "REGENERATE", "render_rules_markdown", "write_rules_doc"]

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "lint-rules.md"
REGENERATE = ".venv/bin/python -m generator.linting.docs"

_HEADER = f"""# Lint rules

<!-- generated from generator/linting/rules by `{REGENERATE}`; do not edit by hand -->

`asteri lint` checks the spec against our API style guide. Each rule has a stable id, a default
severity and a message saying how to fix what it found. Change a severity (or turn a rule off)
in `pyproject.toml`:

```toml
[tool.asteri.lint]
operation-description = "info"   # error | warning | info | off
no-unused-components = "off"
```

An unknown rule id there is a usage error (exit 2) naming the known ids.

For a deliberate exception in one place, list the rule on the node in the spec; it silences that
rule on the node and everything below it (an operation, a path item, a schema, a component):

```yaml
  /api/public/v1/openapi.json:
    get:
      x-asteri-lint-ignore: [organization-header, operation-security-scopes]
```

| id | default | checks |
|---|---|---|
"""


def _details(rule: Rule) -> str:
    module = sys.modules.get(rule.check.__module__)
    doc = inspect.getdoc(module) if module is not None else None
    if not doc:
        return ""
    body = doc.split("\n", 1)[1].strip() if "\n" in doc else ""
    return body.replace("``", "`")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def render_rules_markdown(rules: Iterable[Rule]) -> str:
    """The rules page: a table of every rule, then each rule's notes where it has some."""
    rules = list(rules)
    rows = [f"| `{rule.id}` | {rule.severity.value} | {_cell(rule.summary)} |" for rule in rules]
    notes = [f"### `{rule.id}`\n\n{_details(rule)}\n" for rule in rules if _details(rule)]
    text = _HEADER + "\n".join(rows) + "\n"
    if notes:
        text += "\n## Notes on some rules\n\n" + "\n".join(notes)
    return text


def write_rules_doc(path: Path = DOC_PATH) -> None:
    """Rewrite the rules page from the registered rules."""
    from generator.linting.rules import RULES  # noqa: PLC0415 - keep `docs` importable from the rules package

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_rules_markdown(RULES), encoding="utf-8")


if __name__ == "__main__":
    write_rules_doc()
