"""Operations: bodies, responses, security, pagination and SDK names for one path + method."""

from __future__ import annotations

from typing import Any

from generator.ir.errors import Unsupported
from generator.ir.model import (
    Body,
    BodyKind,
    Operation,
    Pagination,
    Response,
    ResponseKind,
    SecurityRequirement,
    TypeRef,
)
from generator.ir.params import build_parameters
from generator.ir.schemas import SchemaRegistry
from generator.loading.pointers import escape
from generator.naming import class_name, module_name, python_identifier, snake_case

__all__ = ["HTTP_METHODS", "build_operation"]

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _is_json(media: str) -> bool:
    base = media.split(";", maxsplit=1)[0].strip().lower()
    return base == "application/json" or base.endswith("+json") or base == "*/*"


def _body_kind(media: str) -> BodyKind:
    base = media.split(";", maxsplit=1)[0].strip().lower()
    if _is_json(base):
        return "json"
    if base == "application/x-www-form-urlencoded":
        return "form"
    if base == "multipart/form-data":
        return "multipart"
    if base.startswith("text/"):
        return "text"
    return "binary"


_BODY_PREFERENCE = ("json", "form", "multipart", "binary", "text")


def _pick_media(content: dict[str, Any]) -> str:
    return min(content, key=lambda media: (_BODY_PREFERENCE.index(_body_kind(media)), media))


def _file_fields(registry: SchemaRegistry, schema: Any, pointer: str) -> tuple[str, ...]:
    target, _ = registry.resolve(schema, pointer)
    props = target.get("properties") if isinstance(target, dict) else None
    if not isinstance(props, dict):
        return ()
    found = []
    for name, prop in props.items():
        resolved, _ = registry.resolve(prop, pointer)
        if isinstance(resolved, dict) and (
            resolved.get("format") == "binary"
            or "contentMediaType" in resolved
            or resolved.get("contentEncoding") == "base64"
        ):
            found.append(str(name))
    return tuple(sorted(found))


class _OperationBuilder:
    def __init__(self, registry: SchemaRegistry, problems: list[Unsupported]) -> None:
        self.registry = registry
        self.problems = problems

    def body(self, raw: Any, pointer: str, stem: str) -> Body | None:
        if raw is None:
            return None
        body, pointer = self.registry.resolve(raw, pointer)
        content = body.get("content") if isinstance(body, dict) else None
        if not isinstance(content, dict) or not content:
            self.problems.append(Unsupported(pointer, "request body without content"))
            return None
        media = _pick_media(content)
        kind = _body_kind(media)
        where = f"{pointer}/content/{escape(media)}/schema"
        schema = (content[media] or {}).get("schema")
        if kind in ("binary", "text"):
            typed = TypeRef("bytes" if kind == "binary" else "str")
            return Body(media, kind, typed, bool(body.get("required")))
        typed = self.registry.model_type(schema if schema is not None else {}, where, f"{stem}Request")
        files = _file_fields(self.registry, schema, where) if kind == "multipart" else ()
        return Body(media, kind, typed, bool(body.get("required")), files)

    def responses(self, raw: Any, pointer: str, stem: str) -> tuple[Response, ...]:
        if not isinstance(raw, dict) or not raw:
            self.problems.append(Unsupported(pointer, "operation without responses"))
            return ()
        success = self._success_status(raw)
        out = []
        for status in sorted(raw, key=str):
            where = f"{pointer}/{escape(str(status))}"
            resp, where = self.registry.resolve(raw[status], where)
            if not isinstance(resp, dict):
                continue
            code = _status_code(str(status))
            wanted = f"{stem}Response" if str(status) == success else f"{stem}Response{class_name(str(status))}"
            out.append(self._response(resp, where, str(status), code, wanted))
        return tuple(out)

    @staticmethod
    def _success_status(raw: dict[Any, Any]) -> str:
        statuses = sorted(str(s) for s in raw)
        for status in statuses:
            if status.startswith("2"):
                return status
        return "default" if "default" in statuses else statuses[0]

    def _response(self, resp: dict[str, Any], where: str, status: str, code: int, wanted: str) -> Response:
        content = resp.get("content")
        description = str(resp.get("description") or "").strip()
        if not isinstance(content, dict) or not content or code == 204:
            return Response(status, code, "empty", None, None, description)
        media = _pick_media(content)
        kind: ResponseKind = "json" if _is_json(media) else "text" if media.startswith("text/") else "binary"
        if kind != "json":
            return Response(status, code, kind, media, None, description)
        schema = (content[media] or {}).get("schema")
        typed = self.registry.model_type(
            schema if schema is not None else {}, f"{where}/content/{escape(media)}/schema", wanted
        )
        return Response(status, code, "json", media, typed, description)

    def pagination(self, success: Response, params: tuple[Any, ...]) -> Pagination | None:
        cursor = next((p for p in params if p.location == "query" and p.name == "cursor"), None)
        if cursor is None or success.type is None or not success.type.models:
            return None
        name = success.type.models[0]
        key = next((k for k, v in self.registry.components.items() if v == name), None)
        if key is None:
            return None
        schema, pointer = self.registry.resolve({"$ref": f"#/components/schemas/{escape(key)}"}, "")
        props = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(props, dict) or not {"data", "has_more", "next_cursor"} <= set(props):
            return None
        data, _ = self.registry.resolve(props["data"], pointer)
        items = data.get("items") if isinstance(data, dict) else None
        if not isinstance(items, dict) or not isinstance(items.get("$ref"), str):
            return None
        item = self.registry.component_class(items["$ref"])
        if item is None:
            return None
        return Pagination(TypeRef(f"models.{item}", (item,)), cursor.py_name)


def _status_code(status: str) -> int:
    if status.isdigit():
        return int(status)
    if len(status) == 3 and status[0].isdigit():
        return int(status[0]) * 100
    return 200


def _security(data: dict[str, Any], operation: dict[str, Any]) -> tuple[SecurityRequirement, ...]:
    raw = operation.get("security", data.get("security")) or []
    return tuple(
        SecurityRequirement(tuple((str(k), tuple(str(s) for s in (v or ()))) for k, v in alternative.items()))
        for alternative in raw
        if isinstance(alternative, dict)
    )


def _sdk_name(
    operation: dict[str, Any], tag: str, name: str, pointer: str, problems: list[Unsupported]
) -> tuple[tuple[str, ...], str]:
    declared = operation.get("x-sdk-method")
    if isinstance(declared, str) and declared:
        parts = declared.split(".")
        if len(parts) >= 2 and all(p and p == snake_case(p) for p in parts):
            return tuple(module_name(p) for p in parts[:-1]), python_identifier(parts[-1])
        problems.append(
            Unsupported(
                f"{pointer}/x-sdk-method",
                f"x-sdk-method {declared!r} is not '<namespace>[.<sub>].<method>' in snake_case",
            )
        )
    return (module_name(tag),), name


def build_operation(
    data: dict[str, Any], registry: SchemaRegistry, path: str, method: str, problems: list[Unsupported]
) -> Operation:
    """Build one operation's IR (problems are appended, never raised, so all of them are reported)."""
    path_item, _ = registry.resolve(data["paths"][path], f"/paths/{escape(path)}")
    operation = path_item[method]
    pointer = f"/paths/{escape(path)}/{method}"
    operation_id = str(operation.get("operationId") or f"{method} {path}")
    name = python_identifier(operation_id)
    stem = class_name(operation_id)
    tags = operation.get("tags") or ["default"]
    tag = str(tags[0])
    builder = _OperationBuilder(registry, problems)
    params = build_parameters(registry, path_item, operation, pointer, problems)
    body = builder.body(operation.get("requestBody"), f"{pointer}/requestBody", stem)
    responses = builder.responses(operation.get("responses"), f"{pointer}/responses", stem)
    success_status = _OperationBuilder._success_status(operation.get("responses") or {"200": {}})
    success = next((r for r in responses if r.status == success_status), Response("200", 200, "empty", None, None, ""))
    namespace, sdk_method = _sdk_name(operation, tag, name, pointer, problems)
    return Operation(
        operation_id=operation_id,
        name=name,
        http_method=method,
        path=path,
        pointer=pointer,
        summary=str(operation.get("summary") or "").strip(),
        description=str(operation.get("description") or "").strip(),
        deprecated=bool(operation.get("deprecated")),
        tag=tag,
        sdk_namespace=namespace,
        sdk_method=sdk_method,
        parameters=params,
        body=body,
        success=success,
        responses=responses,
        security=_security(data, operation),
        pagination=builder.pagination(success, params) if method == "get" else None,
    )
