"""The toolchain's settings: ``[tool.asteri]`` in the nearest ``pyproject.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Config", "ConfigError", "load_config"]

_SEVERITIES = {"error", "warning", "info", "off"}


class ConfigError(Exception):
    """``[tool.asteri]`` is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Config:
    """Resolved settings; paths are absolute."""

    project_root: Path
    spec: Path
    lint_severities: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict)


def _find_pyproject(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_config(start: Path | None = None) -> Config:
    """Read ``[tool.asteri]`` from the nearest ``pyproject.toml`` at or above ``start``.

    Raises:
        ConfigError: the file is not valid TOML or a value has the wrong shape.
    """
    here = (start or Path.cwd()).resolve()
    pyproject = _find_pyproject(here)
    if pyproject is None:
        return Config(project_root=here, spec=here / "spec" / "openapi.yaml")
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{pyproject}: invalid TOML: {exc}") from None
    section = data.get("tool", {}).get("asteri", {})
    if not isinstance(section, dict):
        raise ConfigError(f"{pyproject}: [tool.asteri] must be a table")
    root = pyproject.parent
    lint = section.get("lint", {})
    if not isinstance(lint, dict):
        raise ConfigError(f"{pyproject}: [tool.asteri.lint] must be a table of rule-id = severity")
    for rule, severity in lint.items():
        if severity not in _SEVERITIES:
            raise ConfigError(
                f"{pyproject}: [tool.asteri.lint] {rule} = {severity!r}: use one of {', '.join(sorted(_SEVERITIES))}"
            )
    return Config(
        project_root=root,
        spec=root / str(section.get("spec", "spec/openapi.yaml")),
        lint_severities={str(k): str(v) for k, v in lint.items()},
        raw=section,
    )
