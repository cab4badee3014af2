"""Build the :class:`DocsApi` view from a bundled OpenAPI document."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from typing import Any

from generator.docs.error_guide import GUIDE
from generator.docs.markdown import code_table
from generator.docs.model import DocsApi, ErrorDoc, OperationDoc, SchemaDoc, ScopeDoc, TagDoc, WebhookDoc
from generator.docs.operations import OperationReader, iter_operations
from generator.docs.schema_view import SchemaView, ref_name, slug

__all__ = ["build_view"]

_DEFAULT_SERVER = "http://localhost:3000"


def _problem_codes(schemas: Mapping[str, Any]) -> dict[str, int | None]:
    """Problem codes (from ``ProblemCode`` or ``Problem.code``) and their status from the spec's table."""
    view = SchemaView(schemas)
    node = view.resolve(view.resolve(schemas.get("Problem", {})).get("properties", {}).get("code", {}))
    if not node and "ProblemCode" in schemas:
        node = view.resolve(schemas["ProblemCode"])
    table = code_table(str(node.get("description", "")))
    out: dict[str, int | None] = {}
    for code in node.get("enum", ()) or ():
        cells = table.get(str(code), [])
        out[str(code)] = int(cells[0]) if cells and cells[0].isdigit() else None
    return out


def _titles(data: Mapping[str, Any]) -> dict[str, str]:
    """Problem titles as the spec's examples spell them."""
    titles: dict[str, str] = {}
    for resp in data.get("components", {}).get("responses", {}).values():
        for media in resp.get("content", {}).values() if isinstance(resp, Mapping) else ():
            example = media.get("example") if isinstance(media, Mapping) else None
            if isinstance(example, Mapping) and "code" in example and "title" in example:
                titles.setdefault(str(example["code"]), str(example["title"]))
    return titles


def _problem_example(code: str, status: int | None, title: str, data: Mapping[str, Any]) -> dict[str, Any]:
    for resp in data.get("components", {}).get("responses", {}).values():
        for media in resp.get("content", {}).values() if isinstance(resp, Mapping) else ():
            example = media.get("example") if isinstance(media, Mapping) else None
            if isinstance(example, Mapping) and example.get("code") == code:
                return dict(example)
    return {
        "type": f"https://docs.asteri.example/errors/{code}",
        "title": title,
        "status": status or 400,
        "detail": "What went wrong and how to fix the call.",
        "code": code,
        "request_id": "req_01HWXHMFYFF1TK31CZT5GEVQEZ",
    }


def _errors(data: Mapping[str, Any], codes: Mapping[str, int | None], ops: list[OperationDoc]) -> tuple[ErrorDoc, ...]:
    schemas = data.get("components", {}).get("schemas", {})
    view = SchemaView(schemas)
    code_node = view.resolve(view.resolve(schemas.get("Problem", {})).get("properties", {}).get("code", {}))
    table = code_table(str(code_node.get("description", "")))
    titles = _titles(data)
    out = []
    for code, status in codes.items():
        title = titles.get(code, code.replace("_", " ").capitalize())
        cells = table.get(code, [])
        causes, fixes = GUIDE.get(code, ((), ()))
        out.append(
            ErrorDoc(
                code=code,
                status=status,
                title=title,
                meaning=cells[1] if len(cells) > 1 else title + ".",
                causes=causes,
                fixes=fixes,
                example=json.dumps(_problem_example(code, status, title, data), indent=2, ensure_ascii=False),
                operations=tuple(op.operation_id for op in ops if code in op.error_codes),
            )
        )
    return tuple(out)


def _scopes(data: Mapping[str, Any], ops: list[OperationDoc]) -> tuple[ScopeDoc, ...]:
    components = data.get("components", {})
    grants: dict[str, list[str]] = {}
    for scheme in components.get("securitySchemes", {}).values():
        if isinstance(scheme, Mapping):
            for key, cells in code_table(str(scheme.get("description", ""))).items():
                grants.setdefault(key, cells)
    names: dict[str, None] = {}
    scope_schema = SchemaView(components.get("schemas", {})).resolve(components.get("schemas", {}).get("Scope", {}))
    for value in scope_schema.get("enum", ()) or ():
        names.setdefault(str(value), None)
    for op in ops:
        for scope in op.scopes:
            names.setdefault(scope, None)
    return tuple(
        ScopeDoc(name, (grants.get(name) or [""])[0], tuple(op.operation_id for op in ops if name in op.scopes))
        for name in names
    )


def _webhooks(data: Mapping[str, Any], view: SchemaView) -> tuple[WebhookDoc, ...]:
    out = []
    for event, item in data.get("webhooks", {}).items():
        op: Mapping[str, Any] = next((item[m] for m in ("post", "put") if isinstance(item, Mapping) and m in item), {})
        media: Mapping[str, Any] = next(iter(op.get("requestBody", {}).get("content", {}).values()), {})
        schema = media.get("schema")
        example = media.get("example", view.example(schema) if schema is not None else None)
        if isinstance(example, dict) and "type" in example:
            example = {**example, "type": event}
        out.append(
            WebhookDoc(
                event=str(event),
                anchor=slug(str(event)),
                resource=str(event).split(".", 1)[0],
                description=str(op.get("description", op.get("summary", ""))),
                schema=ref_name(schema),
                example=None if example is None else json.dumps(example, indent=2, ensure_ascii=False),
            )
        )
    return tuple(out)


def _tag_slug(name: str) -> str:
    """A tag's URL segment: the tag itself when it is URL-safe (``webhook_endpoints``)."""
    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-").lower() or "other"


def _tag_title(name: str) -> str:
    """``api_keys`` -> ``API keys``."""
    words = name.replace("_", " ").replace("-", " ").split()
    return " ".join("API" if w.lower() == "api" else (w.capitalize() if i == 0 else w) for i, w in enumerate(words))


def build_view(data: Mapping[str, Any]) -> DocsApi:
    """The docs view of a bundled document (``LoadedDocument.data``)."""
    components = data.get("components", {})
    schemas = components.get("schemas", {})
    view = SchemaView(schemas)
    codes = _problem_codes(schemas)
    servers = data.get("servers") or [{}]
    server_url = str(servers[0].get("url", _DEFAULT_SERVER)) if isinstance(servers[0], Mapping) else _DEFAULT_SERVER
    reader = OperationReader(data, view, codes, server_url)
    tag_meta = {str(t["name"]): t for t in data.get("tags", []) if isinstance(t, Mapping) and "name" in t}
    grouped: dict[str, list[OperationDoc]] = {name: [] for name in tag_meta}
    paths = data.get("paths", {})
    for path, method, item, op in iter_operations(paths):
        tag = str((op.get("tags") or ["other"])[0])
        grouped.setdefault(tag, []).append(reader.read(path, method, item, op, _tag_slug(tag)))
    tags = tuple(
        TagDoc(
            name=name,
            slug=_tag_slug(name),
            title=_tag_title(name),
            description=str(tag_meta.get(name, {}).get("description", "")),
            operations=tuple(ops),
        )
        for name, ops in grouped.items()
        if ops
    )
    ops = [op for tag in tags for op in tag.operations]
    used: dict[str, list[str]] = {}
    for doc in ops:
        for name in (doc.body_schema, *(r.schema for r in doc.responses if not r.is_error)):
            if name:
                used.setdefault(name, []).append(doc.operation_id)
    schema_docs = tuple(
        SchemaDoc(
            name=name,
            anchor=slug(name),
            description=str(view.resolve(s).get("description", "")),
            type=view.type_of(view.resolve(s)),
            constraints=view.constraints(view.resolve(s)),
            fields=view.fields(s),
            example=view.example_json(s),
            used_by=tuple(dict.fromkeys(used.get(name, []))),
        )
        for name, s in sorted(schemas.items())
    )
    info = data.get("info", {})
    base = os.path.commonpath(list(paths)) if paths else "/"
    return DocsApi(
        title=str(info.get("title", "API")),
        version=str(info.get("version", "")),
        summary=str(info.get("summary", "")),
        description=str(info.get("description", "")),
        server_url=server_url,
        base_path=base if base != "/" else "",
        tags=tags,
        schemas=schema_docs,
        scopes=_scopes(data, ops),
        errors=_errors(data, codes, ops),
        webhooks=_webhooks(data, view),
        security_schemes={
            str(k): str(v.get("description", ""))
            for k, v in components.get("securitySchemes", {}).items()
            if isinstance(v, Mapping)
        },
    )
