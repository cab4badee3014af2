"""Schema bookkeeping: class names for component schemas, hoisted inline bodies, the DTO input document."""

from __future__ import annotations

import copy
from typing import Any

from generator.ir.errors import Unsupported
from generator.ir.model import TypeRef
from generator.loading.pointers import MISSING, escape, resolve
from generator.naming import UniqueNames, class_name

__all__ = ["RESERVED_CLASS_NAMES", "SchemaRegistry"]

_PREFIX = "#/components/schemas/"

# Names the DTO module imports or that the server/SDK modules use next to ``models``.
RESERVED_CLASS_NAMES = frozenset(
    {
        "Annotated",
        "Any",
        "AwareDatetime",
        "BaseModel",
        "ConfigDict",
        "Enum",
        "Field",
        "IntEnum",
        "Literal",
        "MISSING",
        "NaiveDatetime",
        "RootModel",
        "StrEnum",
        "Optional",
        "Union",
        "UUID",
        "Decimal",
        "AnyUrl",
        "Base64Str",
        "Json",
        "Model",
        "Models",
        "Date",
        "Datetime",
        "Time",
        "Timedelta",
        "Path",
    }
)

_DEFAULT_TYPES: dict[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "string": (str,),
    "array": (list,),
    "object": (dict,),
}


_NAMED_MAPS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})


def _unescape(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


class SchemaRegistry:
    """Names every schema that becomes a DTO class, and builds datamodel-code-generator's input.

    Component schemas keep their own (sanitised) names; inline request and response bodies are
    hoisted under names derived from their operation. References are rewritten to the new names so
    the DTO module and the IR agree on every class name.
    """

    def __init__(self, data: dict[str, Any], problems: list[Unsupported]) -> None:
        self.data = data
        self.problems = problems
        self._names = UniqueNames(RESERVED_CLASS_NAMES, separator="")
        components = data.get("components") or {}
        schemas = components.get("schemas") or {}
        self.components: dict[str, str] = {key: self._names.take(class_name(key)) for key in schemas}
        self.hoisted: dict[str, tuple[Any, str]] = {}
        self._by_pointer: dict[str, str] = {}

    # ------------------------------------------------------------------ lookups
    def resolve(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follow ``$ref`` chains; return the target and its pointer (``MISSING`` target on a broken ref)."""
        seen: set[str] = set()
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            ref = node["$ref"]
            if not ref.startswith("#") or ref in seen:
                self.problems.append(Unsupported(pointer, f"cannot follow $ref {ref!r}"))
                return MISSING, pointer
            seen.add(ref)
            pointer = ref[1:]
            node = resolve(self.data, pointer)
            if node is MISSING:
                self.problems.append(Unsupported(pointer, f"broken $ref {ref!r}"))
                return MISSING, pointer
        return node, pointer

    def component_class(self, ref: str) -> str | None:
        """The class name for ``#/components/schemas/<key>`` (``None`` for any other target)."""
        if not ref.startswith(_PREFIX):
            return None
        rest = ref[len(_PREFIX) :]
        if "/" in rest:
            return None
        return self.components.get(_unescape(rest))

    def model_type(self, schema: Any, pointer: str, wanted: str) -> TypeRef:
        """The DTO type of a body schema: its component class, or a hoisted class named ``wanted``."""
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            name = self.component_class(schema["$ref"])
            if name is not None:
                return TypeRef(f"models.{name}", (name,))
            pointer = schema["$ref"][1:]
        name = self._by_pointer.get(pointer)
        if name is None:
            name = self._names.take(class_name(wanted))
            self._by_pointer[pointer] = name
            self.hoisted[name] = (schema if schema is not None else {}, pointer)
        return TypeRef(f"models.{name}", (name,))

    @property
    def class_names(self) -> tuple[str, ...]:
        """Every class the DTO module must define, sorted."""
        return tuple(sorted({*self.components.values(), *self.hoisted}))

    # ------------------------------------------------------------------ the DTO input document
    def dto_document(self) -> dict[str, Any]:
        """An OpenAPI document holding only ``components.schemas``, under the generated class names."""
        out: dict[str, Any] = {}
        schemas = (self.data.get("components") or {}).get("schemas") or {}
        for key, name in self.components.items():
            pointer = f"/components/schemas/{escape(key)}"
            out[name] = self._rewrite(schemas[key], pointer)
        done: set[str] = set()
        while pending := sorted(set(self.hoisted) - done):  # rewriting may hoist more targets
            for name in pending:
                done.add(name)
                schema, pointer = self.hoisted[name]
                out[name] = self._rewrite(schema, pointer)
        info = {"title": str((self.data.get("info") or {}).get("title", "API")), "version": "0"}
        version = str(self.data.get("openapi", "3.1.0"))
        return {"openapi": version, "info": info, "paths": {}, "components": {"schemas": dict(sorted(out.items()))}}

    def _ref(self, ref: str, pointer: str) -> str:
        if ref.startswith(_PREFIX):
            key, _, rest = ref[len(_PREFIX) :].partition("/")
            name = self.components.get(_unescape(key))
            if name is not None:
                return f"{_PREFIX}{escape(name)}" + (f"/{rest}" if rest else "")
        if not ref.startswith("#/"):
            self.problems.append(Unsupported(pointer, f"external $ref {ref!r} (bundle the spec first)"))
            return ref
        target = resolve(self.data, ref[1:])
        if target is MISSING:
            self.problems.append(Unsupported(pointer, f"broken $ref {ref!r}"))
            return ref
        last = [_unescape(t) for t in ref[2:].split("/") if t and not t.isdigit()]
        typed = self.model_type({}, ref[1:], "".join(last[-2:]) or "Schema")
        return f"{_PREFIX}{typed.models[0]}"

    def _rewrite(self, node: Any, pointer: str, *, names: bool = False) -> Any:
        if isinstance(node, list):
            return [self._rewrite(item, f"{pointer}/{i}") for i, item in enumerate(node)]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            child = f"{pointer}/{escape(str(key))}"
            if names:
                out[key] = self._rewrite(value, child)
            elif key in _NAMED_MAPS:
                out[key] = self._rewrite(value, child, names=True)
            elif key == "$ref" and isinstance(value, str):
                out[key] = self._ref(value, child)
            elif key == "discriminator" and isinstance(value, dict) and isinstance(value.get("mapping"), dict):
                mapped = {
                    k: self._ref(v, child) if isinstance(v, str) and v.startswith("#") else v
                    for k, v in value["mapping"].items()
                }
                out[key] = {**copy.deepcopy(value), "mapping": mapped}
            elif key in ("example", "examples", "const", "enum"):
                out[key] = value
            elif key == "default" and ("oneOf" in node or "anyOf" in node):
                continue  # datamodel-code-generator copies a union's default into every branch (wrong types)
            else:
                if key == "default":
                    self._check_default(node, value, child)
                out[key] = self._rewrite(value, child)
        return out

    def _check_default(self, schema: dict[str, Any], value: Any, pointer: str) -> None:
        kind = schema.get("type")
        kinds = [kind] if isinstance(kind, str) else list(kind) if isinstance(kind, list) else []
        if not kinds or value is None:
            return
        allowed = tuple(t for k in kinds for t in _DEFAULT_TYPES.get(k, (object,)))
        if isinstance(value, bool) and bool not in allowed:
            allowed = ()
        if not isinstance(value, allowed):
            self.problems.append(Unsupported(pointer, f"default {value!r} does not match type {kind}"))
