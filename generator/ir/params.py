"""Parameters: merge path-item and operation parameters and type them as plain Python annotations."""

from __future__ import annotations

from typing import Any

from generator.ir.errors import Unsupported
from generator.ir.model import Parameter, ParamRole, TypeRef
from generator.ir.schemas import SchemaRegistry
from generator.loading.pointers import MISSING, escape
from generator.naming import UniqueNames, python_identifier

__all__ = ["RESERVED_PARAM_NAMES", "build_parameters"]

# Names the generated route functions and SDK methods use themselves.
RESERVED_PARAM_NAMES = frozenset(
    {
        "self",
        "body",
        "request",
        "response",
        "handlers",
        "principal",
        "context",
        "extra_headers",
        "extra_query",
        "timeout",
        "models",
        "builtins",
        "cast",
        "options",
        "max_retries",
        "datetime",
        "raw",
    }
)
_LOCATIONS = ("path", "query", "header", "cookie")
_SCALARS = {"integer": "int", "number": "float", "boolean": "bool", "string": "str"}
_FORMATS = {"date-time": "datetime.datetime", "date": "datetime.date"}
_NUMERIC = (("minimum", "ge"), ("maximum", "le"))
_STRING = (("minLength", "min_length"), ("maxLength", "max_length"))


def _nullable(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return bool(schema.get("nullable")) or (isinstance(kind, list) and "null" in kind)


def _kind(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        return kinds[0] if len(kinds) == 1 else None
    return kind if isinstance(kind, str) else None


class _ParamTyper:
    def __init__(self, registry: SchemaRegistry, problems: list[Unsupported]) -> None:
        self.registry = registry
        self.problems = problems

    def type_of(self, schema: Any, pointer: str) -> TypeRef | None:  # noqa: PLR0911 - one exit per schema shape
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            name = self.registry.component_class(schema["$ref"])
            target, target_pointer = self.registry.resolve(schema, pointer)
            if target is MISSING:
                return None
            if name is not None and isinstance(target, dict) and "enum" in target and _kind(target) == "string":
                ref = TypeRef(f"models.{name}", (name,))
                return ref.optional if _nullable(target) else ref
            return self.type_of(target, target_pointer)
        if not isinstance(schema, dict):
            self.problems.append(Unsupported(pointer, "parameter without a schema"))
            return None
        for key in ("allOf", "oneOf", "anyOf"):
            parts = schema.get(key)
            if isinstance(parts, list) and parts:
                return self._union(parts, f"{pointer}/{key}", key, schema)
        base = self._plain(schema, pointer)
        if base is None:
            return None
        return base.optional if _nullable(schema) else base

    def _union(self, parts: list[Any], pointer: str, key: str, schema: dict[str, Any]) -> TypeRef | None:
        if key == "allOf" and len(parts) != 1:
            self.problems.append(Unsupported(pointer, "allOf with several parts in a parameter schema"))
            return None
        typed = [self.type_of(part, f"{pointer}/{i}") for i, part in enumerate(parts)]
        if any(t is None for t in typed):
            return None
        refs = [t for t in typed if t is not None]
        annotation = " | ".join(dict.fromkeys(t.annotation for t in refs))
        ref = TypeRef(annotation, tuple(sorted({m for t in refs for m in t.models})))
        return ref.optional if _nullable(schema) else ref

    def _plain(self, schema: dict[str, Any], pointer: str) -> TypeRef | None:
        kind = _kind(schema)
        if "enum" in schema and kind in ("string", "integer", None):
            values = [v for v in schema["enum"] if v is not None]
            if values and all(isinstance(v, str | int) and not isinstance(v, bool) for v in values):
                return TypeRef("Literal[" + ", ".join(repr(v) for v in values) + "]")
        if kind == "array":
            items = self.type_of(schema.get("items", {"type": "string"}), f"{pointer}/items")
            return None if items is None else TypeRef(f"list[{items.annotation}]", items.models)
        if kind in _SCALARS:
            fmt = schema.get("format")
            if kind == "string" and fmt in _FORMATS:
                return TypeRef(_FORMATS[fmt])
            return TypeRef(_SCALARS[kind])
        if kind is None and not (set(schema) - {"description", "title", "example", "examples", "nullable"}):
            return TypeRef("str")
        self.problems.append(
            Unsupported(
                pointer,
                f"parameter schema of type {schema.get('type', 'object')!r} (only scalars, enums and arrays of them)",
            )
        )
        return None


def _constraints(schema: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(schema, dict) or _kind(schema) not in ("integer", "number", "string"):
        return ()
    found: list[tuple[str, str]] = []
    for spec_key, kw in (*_NUMERIC, *_STRING):
        if isinstance(schema.get(spec_key), int | float) and not isinstance(schema.get(spec_key), bool):
            found.append((kw, repr(schema[spec_key])))
    for spec_key, kw in (("exclusiveMinimum", "gt"), ("exclusiveMaximum", "lt")):
        value = schema.get(spec_key)
        if isinstance(value, bool):  # OpenAPI 3.0: a flag on minimum/maximum
            bound = schema.get("minimum" if kw == "gt" else "maximum")
            if value and bound is not None:
                found = [(k, v) for k, v in found if k != ("ge" if kw == "gt" else "le")]
                found.append((kw, repr(bound)))
        elif isinstance(value, int | float):
            found.append((kw, repr(value)))
    if isinstance(schema.get("pattern"), str):
        found.append(("pattern", repr(schema["pattern"])))
    return tuple(sorted(found))


def _default(  # noqa: PLR0911 - one exit per parameter type
    schema: Any, typed: TypeRef, pointer: str, problems: list[Unsupported]
) -> str | None:
    if not isinstance(schema, dict) or "default" not in schema or schema["default"] is None:
        return None
    value = schema["default"]
    annotation = typed.annotation.removesuffix(" | None")
    expected: dict[str, tuple[type, ...]] = {"int": (int,), "float": (int, float), "bool": (bool,), "str": (str,)}
    if annotation in expected:
        ok = isinstance(value, expected[annotation]) and (annotation == "bool" or not isinstance(value, bool))
        if not ok:
            problems.append(Unsupported(f"{pointer}/default", f"default {value!r} does not match {annotation}"))
            return None
        return repr(float(value)) if annotation == "float" else repr(value)
    if typed.models and isinstance(value, str):
        return f"{annotation}({value!r})"
    if annotation.startswith("Literal[") and isinstance(value, str | int):
        return repr(value)
    if annotation.startswith("datetime."):
        return None  # a date default is documentation, the server applies it
    problems.append(Unsupported(f"{pointer}/default", f"default {value!r} for a {annotation} parameter"))
    return None


def _role(name: str, location: str) -> ParamRole:
    lowered = name.lower()
    if location == "header" and lowered == "x-organization-id":
        return "organization"
    if location == "header" and lowered == "idempotency-key":
        return "idempotency_key"
    return "plain"


def build_parameters(
    registry: SchemaRegistry,
    path_item: dict[str, Any],
    operation: dict[str, Any],
    pointer: str,
    problems: list[Unsupported],
) -> tuple[Parameter, ...]:
    """Merge path-item and operation parameters (the operation wins) and type each one."""
    path_pointer = pointer.rsplit("/", 1)[0]
    merged: dict[tuple[str, str], tuple[Any, str]] = {}
    for source, base in ((path_item, path_pointer), (operation, pointer)):
        for index, raw in enumerate(source.get("parameters") or []):
            where = f"{base}/parameters/{index}"
            param, where = registry.resolve(raw, where)
            if not isinstance(param, dict) or "name" not in param or param.get("in") not in _LOCATIONS:
                problems.append(Unsupported(where, "parameter without a name or a known location"))
                continue
            merged[(str(param["in"]), str(param["name"]))] = (param, where)
    typer = _ParamTyper(registry, problems)
    names = UniqueNames(RESERVED_PARAM_NAMES)
    out: list[Parameter] = []
    ordered = sorted(merged.items(), key=lambda item: (_LOCATIONS.index(item[0][0]), not item[1][0].get("required")))
    for (location, name), (param, where) in ordered:
        if "content" in param and "schema" not in param:
            problems.append(Unsupported(where, "parameter with 'content' instead of 'schema'"))
            continue
        if param.get("style") in ("deepObject", "spaceDelimited", "pipeDelimited"):
            problems.append(Unsupported(f"{where}/style", f"parameter style {param['style']!r}"))
            continue
        schema = param.get("schema", {"type": "string"})
        typed = typer.type_of(schema, f"{where}/schema")
        if typed is None:
            continue
        resolved, _ = registry.resolve(schema, f"{where}/schema")
        required = bool(param.get("required")) or location == "path"
        out.append(
            Parameter(
                name=name,
                py_name=names.take(python_identifier(name)),
                location=location,  # type: ignore[arg-type]
                required=required,
                type=typed,
                default=_default(resolved, typed, f"{where}/schema", problems),
                constraints=_constraints(resolved),
                description=str(param.get("description") or "").strip(),
                deprecated=bool(param.get("deprecated")),
                role=_role(name, location),
                explode=bool(param.get("explode", True)),
            )
        )
    return tuple(out)


def escape_segment(text: str) -> str:
    """JSON-pointer escape (re-exported for the operation builder)."""
    return escape(text)
