"""Parse one YAML or JSON file into plain data plus a map from JSON pointer to line number."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.loading.pointers import escape

__all__ = ["LoadError", "SourceFile", "SourceLocation", "parse_source"]

_Loader: type[Any] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR = "tag:yaml.org,2002:str"
_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A place in a source file, 1-based line."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


class LoadError(Exception):
    """The document cannot be read at all (missing file, YAML syntax error, not a mapping)."""

    def __init__(self, message: str, location: SourceLocation | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.location = location

    def __str__(self) -> str:
        return f"{self.location}: {self.message}" if self.location else self.message


@dataclass(slots=True)
class SourceFile:
    """One parsed file: its data, the line of every node, and the duplicate keys it had."""

    path: Path
    display: str
    data: Any
    lines: dict[str, int]
    duplicate_keys: list[tuple[str, int]] = field(default_factory=list)

    def line_of(self, pointer: str) -> int:
        """The line of the node at ``pointer``, or of its nearest ancestor that has one."""
        while True:
            line = self.lines.get(pointer)
            if line is not None:
                return line
            if not pointer:
                return 1
            pointer = pointer.rsplit("/", 1)[0]


def display_path(path: Path) -> str:
    """A path as users see it in messages: relative to the working directory when inside it."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def parse_source(path: Path) -> SourceFile:
    """Read ``path`` and build its data and line map.

    Raises:
        LoadError: the file is missing, unreadable, or not valid YAML/JSON.
    """
    shown = display_path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise LoadError(f"file not found: {shown}") from None
    except IsADirectoryError:
        raise LoadError(f"is a directory, not a spec file: {shown}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LoadError(f"cannot read {shown}: {exc}") from None
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        problem = exc.problem or exc.context or "invalid YAML"
        raise LoadError(f"YAML syntax error: {problem}", SourceLocation(shown, line)) from None
    except yaml.YAMLError as exc:
        raise LoadError(f"YAML error in {shown}: {exc}") from None
    source = SourceFile(path=path, display=shown, data=None, lines={})
    source.data = _convert(root, "", source) if root is not None else None
    return source


def _convert(node: yaml.Node, pointer: str, source: SourceFile) -> Any:
    """Turn a composed YAML node into plain Python data, recording lines as we go."""
    lines = source.lines
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = str(key_node.value) if isinstance(key_node, yaml.ScalarNode) else str(key_node)
            child = pointer + "/" + escape(key)
            line = key_node.start_mark.line + 1
            if key in result:
                source.duplicate_keys.append((child, line))
            lines[child] = line
            result[key] = _convert(value_node, child, source)
        lines.setdefault(pointer, node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        items = []
        for index, item in enumerate(node.value):
            child = f"{pointer}/{index}"
            lines[child] = item.start_mark.line + 1
            items.append(_convert(item, child, source))
        lines.setdefault(pointer, node.start_mark.line + 1)
        return items
    return _scalar(node)


def _scalar(node: yaml.Node) -> Any:
    tag = node.tag
    if tag == _STR or tag.endswith((":timestamp", ":binary")):
        # Dates stay strings: OpenAPI examples and JSON never carry datetime objects.
        return str(node.value)
    try:
        return _SCALAR_CONSTRUCTOR.construct_object(node, deep=True)
    except yaml.constructor.ConstructorError:
        return str(node.value)
