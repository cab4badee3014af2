"""Operations of the bundled document as the reference shows them (parameters, bodies, responses, examples)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from typing import Any

from generator.docs.model import HeaderDoc, OperationDoc, ParamDoc, ResponseDoc
from generator.docs.schema_view import SchemaView, ref_name
from generator.docs.snippets import CallExample, curl_snippet, sdk_snippet

__all__ = ["METHODS", "OperationReader", "iter_operations"]

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_CODE_SPAN = re.compile(r"`([a-z][a-z0-9_]*)`")
_EXAMPLE_HEADERS = {"idempotency-key", "if-match"}


def iter_operations(paths: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any], Mapping[str, Any]]]:
    """``(path, method, path_item, operation)`` in document order."""
    for path, item in paths.items():
        if not isinstance(item, Mapping):
            continue
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, Mapping):
                yield path, method, item, op


def _resolve(data: Mapping[str, Any], node: Any) -> Any:
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 20:
        ref: str = node["$ref"]
        target: Any = data
        for raw in ref.removeprefix("#/").split("/"):
            part = raw.replace("~1", "/").replace("~0", "~")
            target = target.get(part, {}) if isinstance(target, Mapping) else {}
        node, seen = target, seen + 1
    return node


class OperationReader:
    """Builds :class:`OperationDoc` objects from one bundled document."""

    def __init__(
        self, data: Mapping[str, Any], schemas: SchemaView, codes: Mapping[str, int | None], server_url: str
    ) -> None:
        self.data = data
        self.schemas = schemas
        self.codes = codes
        self.server_url = server_url

    def read(self, path: str, method: str, item: Mapping[str, Any], op: Mapping[str, Any], tag: str) -> OperationDoc:
        """The docs view of one operation."""
        op_id = str(op.get("operationId") or f"{method}-{path}")
        params, raw = self._parameters(item, op)

        def examples_of(location: str, keep: Any) -> dict[str, Any]:
            return {p.name: raw[(p.name, location)] for p in params if p.location == location and keep(p)}

        body = _resolve(self.data, op.get("requestBody", {}))
        media_type, media = _first_media(body)
        body_schema = media.get("schema") if media else None
        body_example = None
        if media is not None:
            body_example = media["example"] if "example" in media else self.schemas.example(body_schema)
        responses = tuple(self._response(op_id, status, resp) for status, resp in op.get("responses", {}).items())
        scopes: dict[str, None] = {}
        for requirement in op.get("security", self.data.get("security", [])) or []:
            for values in requirement.values():
                for scope in values:
                    scopes.setdefault(str(scope), None)
        success = next((r for r in responses if r.status.startswith("2")), None)
        call = CallExample(
            method=method,
            path=path,
            server_url=self.server_url,
            path_params=examples_of("path", lambda _: True),
            query=examples_of("query", lambda p: p.required or p.name == "limit"),
            headers=examples_of("header", lambda p: p.required or p.name.lower() in _EXAMPLE_HEADERS),
            body=body_example,
            sdk_method=_str_or_none(op.get("x-sdk-method")),
            body_schema=ref_name(body_schema),
            is_list=self._is_list(success),
            returns_body=bool(success and success.media_type),
            media_type=media_type or "application/json",
            binary_fields=tuple(f.name for f in self.schemas.fields(body_schema) if "format: binary" in f.constraints),
        )
        return OperationDoc(
            operation_id=op_id,
            anchor=op_id,
            tag=tag,
            method=method.upper(),
            path=path,
            summary=str(op.get("summary", "")),
            description=str(op.get("description", "")),
            sdk_method=call.sdk_method,
            scopes=tuple(scopes),
            parameters=params,
            body_required=bool(body.get("required")) if isinstance(body, Mapping) else False,
            body_schema=ref_name(body_schema),
            body_type=self.schemas.type_of(body_schema) if body_schema is not None else (),
            body_fields=self.schemas.fields(body_schema, anchor_prefix=f"{op_id}-body-") if body_schema else (),
            body_example=_pretty(body_example) if media_type == "application/json" else None,
            responses=responses,
            curl=curl_snippet(call),
            sdk=sdk_snippet(call),
            deprecated=op.get("deprecated") is True,
            sunset=_str_or_none(op.get("x-sunset")),
        )

    def _parameters(
        self, item: Mapping[str, Any], op: Mapping[str, Any]
    ) -> tuple[tuple[ParamDoc, ...], dict[tuple[str, str], Any]]:
        merged: dict[tuple[str, str], Mapping[str, Any]] = {}
        for raw in (*item.get("parameters", ()), *op.get("parameters", ())):
            param = _resolve(self.data, raw)
            if isinstance(param, Mapping) and "name" in param:
                merged[(str(param["name"]), str(param.get("in", "")))] = param
        order = {"path": 0, "query": 1, "header": 2, "cookie": 3}
        out = [self._param(p) for p in merged.values()]
        raw = {key: p.get("example", self.schemas.example(p.get("schema", {}))) for key, p in merged.items()}
        raw = {key: value if value is not None else f"<{key[0]}>" for key, value in raw.items()}
        return tuple(sorted(out, key=lambda p: order.get(p.location, 9))), raw

    def _param(self, param: Mapping[str, Any]) -> ParamDoc:
        schema = param.get("schema", {})
        example = param.get("example", self.schemas.example(schema))
        return ParamDoc(
            name=str(param["name"]),
            location=str(param.get("in", "")),
            required=param.get("required") is True,
            type=self.schemas.type_of(schema),
            description=str(param.get("description", "")),
            constraints=self.schemas.constraints(self.schemas.resolve(schema)),
            example=None if example is None else str(example),
        )

    def _response(self, op_id: str, status: str, raw: Any) -> ResponseDoc:
        resp = _resolve(self.data, raw)
        resp = resp if isinstance(resp, Mapping) else {}
        media_type, media = _first_media(resp)
        schema = media.get("schema") if media else None
        example = None
        if media is not None:
            example = media["example"] if "example" in media else self.schemas.example(schema)
        headers = tuple(
            HeaderDoc(str(name), str(_resolve(self.data, h).get("description", "")))
            for name, h in resp.get("headers", {}).items()
        )
        description = str(resp.get("description", ""))
        codes: tuple[str, ...] = ()
        if status[:1] in {"4", "5"}:
            codes = self._codes(status, description, example)
        is_problem = media_type == "application/problem+json"
        return ResponseDoc(
            status=str(status),
            description=description,
            media_type=media_type,
            schema=ref_name(schema),
            type=self.schemas.type_of(schema) if schema is not None else (),
            fields=()
            if is_problem or schema is None or ref_name(schema)
            else self.schemas.fields(schema, anchor_prefix=f"{op_id}-{status}-"),
            headers=headers,
            example=_pretty(example) if media_type and "json" in media_type else None,
            codes=codes,
        )

    def _codes(self, status: str, description: str, example: Any) -> tuple[str, ...]:
        found = dict.fromkeys(c for c in _CODE_SPAN.findall(description) if c in self.codes)
        if isinstance(example, Mapping) and example.get("code") in self.codes:
            found.setdefault(str(example["code"]), None)
        if not found:
            found = dict.fromkeys(c for c, s in self.codes.items() if str(s) == status)
        return tuple(found)

    def _is_list(self, success: ResponseDoc | None) -> bool:
        if success is None or success.schema is None:
            return False
        props = self.schemas.resolve({"$ref": f"#/components/schemas/{success.schema}"}).get("properties", {})
        return "data" in props and "has_more" in props


def _first_media(node: Any) -> tuple[str | None, Mapping[str, Any] | None]:
    content = node.get("content") if isinstance(node, Mapping) else None
    if not isinstance(content, Mapping) or not content:
        return None, None
    media_type = next(iter(content))
    media = content[media_type]
    return str(media_type), media if isinstance(media, Mapping) else {}


def _str_or_none(value: Any) -> str | None:
    return str(value) if value is not None else None


def _pretty(value: Any) -> str | None:
    return None if value is None else json.dumps(value, indent=2, ensure_ascii=False)
