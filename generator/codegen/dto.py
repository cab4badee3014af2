"""DTO source: datamodel-code-generator (through its Python API) run on the registry's schema document."""

from __future__ import annotations

import ast
import contextlib
import hashlib
import re
import warnings
from pathlib import Path
from typing import Any

from generator.cache import cache_key, read_cached, write_cached
from generator.ir.errors import CodegenError, Unsupported
from generator.ir.model import DtoModule
from generator.ir.schemas import SchemaRegistry

__all__ = ["dtos_from_document", "generate_dtos", "warm_up"]

# Any change to this module (options, post-processing) invalidates cached DTO sources.
_THIS_FILE_DIGEST = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
_EXPERIMENTAL_MISSING = "from pydantic.experimental.missing_sentinel import MISSING"


_OPTIONS: dict[str, Any] = {
    "use_annotated": True,
    "field_constraints": True,
    "use_standard_collections": True,
    "use_union_operator": True,
    "use_double_quotes": True,
    "disable_timestamp": True,
    "custom_file_header": "",
    "strict_nullable": True,
    "use_missing_sentinel": True,
    "use_schema_description": True,
    "use_field_description": True,
    "snake_case_field": True,
    "allow_population_by_field_name": True,
    "capitalise_enum_members": True,
    "use_subclass_enum": True,
    "set_default_enum_member": True,
    "type_mappings": ["email=string", "idn-email=string"],
    "naming_strategy": "parent-prefixed",
    # JSON booleans and numbers only: lax mode would read 0 as false, "100" as 100 and "1.5" as 1.5,
    # accepting bodies the contract refuses (found by schemathesis, docs/fuzzing.md). Integers then
    # become _JsonInt (below): JSON Schema's integer includes 5.0, which StrictInt refuses.
    "strict_types": ["bool", "int", "float"],
}

_JSON_INTEGER = '''

def _json_integer(value: object) -> object:
    """A JSON Schema integer: a number without a fraction (5 or 5.0), never a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PydanticCustomError("int_type", "Input should be a valid integer")
    return value


_JsonInt = Annotated[int, BeforeValidator(_json_integer)]
'''


_UNIQUE_ITEMS = '''

def _unique_items(value: object) -> object:
    """JSON Schema's ``uniqueItems``: no item of the list equals an earlier one (as JSON values)."""
    if not isinstance(value, list):
        return value  # MISSING or None; the other members of the union
    seen: set[str] = set()
    for index, item in enumerate(value):
        key = item.model_dump_json() if isinstance(item, BaseModel) else json.dumps(item, sort_keys=True, default=str)
        if key in seen:
            raise PydanticCustomError(
                "unique_items", "List should have unique items; item {index} repeats an earlier one", {"index": index}
            )
        seen.add(key)
    return value
'''


def _import_block_end(lines: list[str]) -> int:
    """The index of the line after the last top-level import (a parenthesised import spans several lines)."""
    end = 0
    depth = 0
    for index, line in enumerate(lines):
        if depth or line.startswith(("from ", "import ")):
            depth += line.count("(") - line.count(")")
            end = index + 1
        elif line.strip() and not line.startswith("#"):
            break
    return end


def _json_integers(source: str) -> str:
    """Replace ``StrictInt`` with ``_JsonInt`` (defined after the imports), keeping the import block valid."""
    if "StrictInt" not in source:
        return source
    lines = source.splitlines(keepends=True)
    end = _import_block_end(lines)
    head = "".join(lines[:end])
    head = re.sub(r"\bStrictInt,\s*", "", head).replace(", StrictInt", "")
    imports = "from pydantic import BeforeValidator\nfrom pydantic_core import PydanticCustomError\n"
    body = re.sub(r"\bStrictInt\b", "_JsonInt", "".join(lines[end:]))
    return head + imports + _JSON_INTEGER + body


def _unique_fields(schemas: dict[str, Any]) -> set[tuple[str, str]]:
    """``(class, property)`` of every array property declaring ``uniqueItems: true``."""
    return {
        (name, prop)
        for name, schema in schemas.items()
        if isinstance(schema, dict) and isinstance(schema.get("properties"), dict)
        for prop, sub in schema["properties"].items()
        if isinstance(sub, dict) and sub.get("uniqueItems") is True
    }


def _alias(annotation: ast.expr) -> str | None:
    for node in ast.walk(annotation):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "alias" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return None


def _enforce_unique_items(source: str, schemas: dict[str, Any]) -> str:
    """Wrap the annotation of each ``uniqueItems`` field in ``Annotated[..., AfterValidator(_unique_items)]``.

    datamodel-code-generator drops ``uniqueItems`` (or turns the list into a set, silently merging
    repeats); a request repeating an item must be refused, as the contract says.
    """
    wanted = _unique_fields(schemas)
    annotations: list[ast.expr] = []
    for node in ast.parse(source).body:
        if isinstance(node, ast.ClassDef):
            annotations += [
                stmt.annotation
                for stmt in node.body
                if isinstance(stmt, ast.AnnAssign)
                and isinstance(stmt.target, ast.Name)
                and (node.name, _alias(stmt.annotation) or stmt.target.id) in wanted
            ]
    if not annotations:
        return source
    data = source.encode()  # ast columns count UTF-8 bytes
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for annotation in sorted(annotations, key=lambda a: (a.lineno, a.col_offset), reverse=True):
        assert annotation.end_lineno is not None
        assert annotation.end_col_offset is not None
        begin = starts[annotation.lineno - 1] + annotation.col_offset
        end = starts[annotation.end_lineno - 1] + annotation.end_col_offset
        data = data[:begin] + b"Annotated[" + data[begin:end] + b", AfterValidator(_unique_items)]" + data[end:]
    lines = data.decode().splitlines(keepends=True)
    end = _import_block_end(lines)
    imports = (
        "import json\nfrom typing import Annotated\nfrom pydantic import AfterValidator, BaseModel\n"
        "from pydantic_core import PydanticCustomError\n"
    )
    return "".join(lines[:end]) + imports + _UNIQUE_ITEMS + "".join(lines[end:])


def _run_datamodel_codegen(document: dict[str, Any]) -> Any:
    import datamodel_code_generator as dcg  # noqa: PLC0415 - imported on first use
    from datamodel_code_generator._format_types import PythonVersion  # noqa: PLC0415
    from datamodel_code_generator.enums import DataModelType, InputFileType  # noqa: PLC0415

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unknown string formats fall back to str; that is fine
        return dcg.generate(
            document,
            input_file_type=InputFileType.OpenAPI,
            output_model_type=DataModelType.PydanticV2BaseModel,
            target_python_version=PythonVersion.PY_311,
            formatters=[],
            **_OPTIONS,
        )


def _fresh_source(document: dict[str, Any]) -> str:
    try:
        output = _run_datamodel_codegen(document)
    except Exception as exc:
        message = " ".join(str(exc).split())[:500]
        problem = Unsupported("/components/schemas", f"datamodel-code-generator failed: {message}")
        raise CodegenError([problem]) from exc
    if not isinstance(output, str):
        raise CodegenError(
            [Unsupported("/components/schemas", "datamodel-code-generator split the models into several modules")]
        )
    lines = output.splitlines(keepends=True)
    while lines and (lines[0].startswith("#") or not lines[0].strip()):
        lines.pop(0)
    source = "".join(line.rstrip() + "\n" for line in "".join(lines).splitlines())  # spec text may end in blanks
    source = _json_integers(source.replace(_EXPERIMENTAL_MISSING, "from pydantic import MISSING"))
    return _enforce_unique_items(source, document["components"]["schemas"])


def warm_up() -> None:
    """Run datamodel-code-generator once on a tiny document (its first call pays for imports)."""
    tiny = {
        "openapi": "3.1.0",
        "info": {"title": "warm-up", "version": "0"},
        "paths": {},
        "components": {"schemas": {"Warm": {"type": "object", "properties": {"a": {"type": "string"}}}}},
    }
    with contextlib.suppress(Exception):  # an optimisation only; the real run reports errors
        _run_datamodel_codegen(tiny)


def _classes(tree: ast.Module) -> tuple[list[str], list[str]]:
    classes: list[str] = []
    enums: list[str] = []
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            classes.append(node.name)
            bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
            if bases & {"Enum", "StrEnum", "IntEnum"}:
                enums.append(node.name)
    return classes, enums


def generate_dtos(registry: SchemaRegistry) -> DtoModule:
    """Generate the DTO module for every component and hoisted schema.

    Raises:
        CodegenError: datamodel-code-generator failed, or did not produce a class the IR relies on.
    """
    document = registry.dto_document()
    if registry.problems:
        raise CodegenError(list(registry.problems))
    return dtos_from_document(document, registry.class_names)


def dtos_from_document(document: dict[str, Any], expected: tuple[str, ...]) -> DtoModule:
    """Run datamodel-code-generator on a schema-only document and check it defined every ``expected`` class.

    Raises:
        CodegenError: datamodel-code-generator failed, or did not produce a class the IR relies on.
    """
    schemas = document["components"]["schemas"]
    if not schemas:
        return DtoModule("from __future__ import annotations\n", (), ())
    key = cache_key(
        document, repr(sorted(_OPTIONS.items())) + _THIS_FILE_DIGEST, libraries=("datamodel-code-generator",)
    )
    source = read_cached("dto", key, ".py")
    if source is None:
        source = _fresh_source(document)
        write_cached("dto", key, source, ".py")
    classes, enums = _classes(ast.parse(source))
    missing = sorted(set(expected) - set(classes))
    if missing:
        raise CodegenError(
            [
                Unsupported(
                    "/components/schemas/" + name, f"datamodel-code-generator did not produce a class named {name}"
                )
                for name in missing
            ]
        )
    return DtoModule(source, tuple(sorted(classes)), tuple(sorted(enums)))
