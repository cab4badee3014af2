"""Build the IR from a bundled OpenAPI document (everything but the DTO source)."""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from generator.ir.errors import CodegenError, Unsupported
from generator.ir.model import Api, Auth, DtoModule, Operation, SdkNamespace, TagGroup, Webhook
from generator.ir.operations import HTTP_METHODS, build_operation
from generator.ir.schemas import SchemaRegistry
from generator.loading.pointers import escape
from generator.naming import UniqueNames, class_name, module_name, python_identifier

__all__ = ["BuildOptions", "build_api"]

_DEFAULT_ORIGIN = "http://localhost:3000"
_SERVER_RESERVED = frozenset(
    {
        "self",
        "router",
        "prefix",
        "authorizer",
        "provide_handlers",
        "models",
        "render_result",
        "datetime",
        "request",
        "response",
    }
)
_SDK_RESERVED = frozenset({"with_raw_response", "with_options", "request", "close"})


@dataclass(frozen=True, slots=True)
class BuildOptions:
    """Names that are not in the spec: the SDK package, its client class and env-var prefix."""

    package: str = "asteri"
    server_package: str = "generated"
    client_class: str = "Asteri"
    env_prefix: str = "ASTERI"


def _servers(data: dict[str, Any]) -> tuple[str, str]:
    servers = data.get("servers") or [{}]
    first = servers[0] if isinstance(servers[0], dict) else {}
    url = str(first.get("url") or "")
    for var, spec in (first.get("variables") or {}).items():
        url = url.replace("{" + str(var) + "}", str((spec or {}).get("default", "")))
    parts = urlsplit(url)
    base_path = parts.path.rstrip("/")
    origin = f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else _DEFAULT_ORIGIN
    return origin, base_path


def _auth(data: dict[str, Any], operations: list[Operation]) -> Auth:
    schemes = (data.get("components") or {}).get("securitySchemes") or {}
    api_key_header = None
    bearer = False
    for scheme in schemes.values():
        if not isinstance(scheme, dict):
            continue
        if scheme.get("type") == "apiKey" and scheme.get("in") == "header" and api_key_header is None:
            api_key_header = str(scheme.get("name"))
        elif scheme.get("type") in ("oauth2", "openIdConnect") or (
            scheme.get("type") == "http" and str(scheme.get("scheme", "")).lower() == "bearer"
        ):
            bearer = True
    organization = next((p.name for op in operations for p in op.parameters if p.role == "organization"), None)
    return Auth(api_key_header, bearer, organization)


def _namespaces(operations: list[Operation], problems: list[Unsupported]) -> tuple[SdkNamespace, ...]:
    by_path: dict[tuple[str, ...], list[Operation]] = defaultdict(list)
    seen: dict[tuple[str, ...], str] = {}
    for op in operations:
        key = (*op.sdk_namespace, op.sdk_method)
        if key in seen:
            problems.append(Unsupported(op.pointer, f"SDK method {'.'.join(key)} is also {seen[key]}"))
            continue
        if op.sdk_method in _SDK_RESERVED:
            problems.append(Unsupported(op.pointer, f"SDK method name {op.sdk_method!r} is reserved"))
            continue
        seen[key] = op.pointer
        by_path[op.sdk_namespace].append(op)
        for depth in range(1, len(op.sdk_namespace)):
            by_path.setdefault(op.sdk_namespace[:depth], [])
    problems.extend(
        Unsupported(seen[path], f"SDK method {'.'.join(path)} clashes with a namespace")
        for path in by_path
        if path in seen
    )

    def make(path: tuple[str, ...]) -> SdkNamespace:
        children = tuple(make(p) for p in sorted(by_path) if len(p) == len(path) + 1 and p[:-1] == path)
        return SdkNamespace(path[-1], "".join(class_name(p) for p in path), path, tuple(by_path[path]), children)

    return tuple(make(p) for p in sorted(by_path) if len(p) == 1)


def _webhooks(data: dict[str, Any], registry: SchemaRegistry, problems: list[Unsupported]) -> tuple[Webhook, ...]:
    out: list[Webhook] = []
    for name, raw in (data.get("webhooks") or {}).items():
        pointer = f"/webhooks/{escape(str(name))}"
        item, pointer = registry.resolve(raw, pointer)
        operation = item.get("post") if isinstance(item, dict) else None
        if not isinstance(operation, dict):
            problems.append(Unsupported(pointer, "webhook without a POST operation"))
            continue
        body = operation.get("requestBody")
        body, where = registry.resolve(body, f"{pointer}/post/requestBody")
        content = body.get("content") if isinstance(body, dict) else None
        media = next((m for m in (content or {}) if "json" in m), None)
        if media is None or not isinstance(content, dict):
            problems.append(Unsupported(pointer, "webhook without a JSON request body"))
            continue
        schema = (content[media] or {}).get("schema") or {}
        typed = registry.model_type(schema, f"{where}/content/{escape(media)}/schema", f"{class_name(str(name))}Event")
        out.append(Webhook(str(name), typed, str(operation.get("summary") or operation.get("description") or "")))
    return tuple(out)


def _tags(data: dict[str, Any], operations: list[Operation]) -> tuple[TagGroup, ...]:
    described = {
        str(t.get("name")): str(t.get("description") or "") for t in data.get("tags") or [] if isinstance(t, dict)
    }
    grouped: dict[str, list[Operation]] = defaultdict(list)
    for op in operations:
        grouped[op.tag].append(op)
    modules = UniqueNames({"security", "runtime"})
    groups = []
    for tag in sorted(grouped):
        names = UniqueNames(_SERVER_RESERVED)
        ops = tuple(dataclasses.replace(op, name=names.take(op.name)) for op in grouped[tag])
        groups.append(TagGroup(tag, modules.take(module_name(tag)), class_name(tag), described.get(tag, ""), ops))
    return tuple(groups)


def build_api(data: dict[str, Any], options: BuildOptions | None = None) -> tuple[Api, SchemaRegistry]:
    """Build the IR of a bundled document; the DTO source is filled in by the DTO step.

    Raises:
        CodegenError: a construct the generator cannot express, named by JSON pointer.
    """
    options = options or BuildOptions()
    problems: list[Unsupported] = []
    registry = SchemaRegistry(data, problems)
    operations: list[Operation] = []
    for path, raw_item in (data.get("paths") or {}).items():
        item, _ = registry.resolve(raw_item, f"/paths/{escape(str(path))}")
        if not isinstance(item, dict):
            continue
        operations.extend(
            build_operation(data, registry, str(path), method, problems)
            for method in HTTP_METHODS
            if isinstance(item.get(method), dict)
        )
    webhooks = _webhooks(data, registry, problems)
    namespaces = _namespaces(operations, problems)
    if problems:
        raise CodegenError(problems)
    info = data.get("info") or {}
    origin, base_path = _servers(data)
    schemes = tuple(sorted(str(k) for k in ((data.get("components") or {}).get("securitySchemes") or {})))
    api = Api(
        title=str(info.get("title") or "API"),
        version=str(info.get("version") or "0.0.0"),
        description=str(info.get("description") or "").strip(),
        base_path=base_path,
        default_base_url=origin,
        package=python_identifier(options.package),
        server_package=python_identifier(options.server_package),
        client_class=options.client_class,
        env_prefix=options.env_prefix,
        auth=_auth(data, operations),
        tags=_tags(data, operations),
        namespaces=namespaces,
        webhooks=webhooks,
        dtos=DtoModule("", ()),
        security_schemes=schemes,
    )
    return api, registry
