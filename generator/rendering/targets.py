"""Render targets: which files each output tree holds, rendered from the IR (never from spec dicts)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

import jinja2

from generator.ir.model import Api

__all__ = ["RenderedTree", "render_dtos", "render_generated", "render_sdk", "sdk_model_source"]

_ENUM_IMPORT = re.compile(r"^from enum import (.+)$", re.MULTILINE)
_FORBID = re.compile(r"^(\s+)extra=[\"']forbid[\"'],$", re.MULTILINE)


_SDK_MODULES = {
    "__init__.py": "package_init.py.jinja",
    "_base_client.py": "base_client.py.jinja",
    "_client.py": "client.py.jinja",
    "_enums.py": "enums.py.jinja",
    "_exceptions.py": "exceptions.py.jinja",
    "_pagination.py": "pagination.py.jinja",
    "_response.py": "response.py.jinja",
    "_types.py": "types.py.jinja",
    "_version.py": "version.py.jinja",
    "_webhooks.py": "webhooks.py.jinja",
    "resources/__init__.py": "resources/package_init.py.jinja",
}


# Other tools may write beside us under generated/ (e.g. a docs build); we own only these paths there.
_SERVER_OWNED = ("__init__.py", "py.typed", "openapi.json", "models/", "server/")


@dataclass(frozen=True, slots=True)
class RenderedTree:
    """Files of one output root (relative POSIX path -> text).

    Attributes:
        root: the folder under the output directory.
        files: relative path -> text.
        owned: path prefixes the generator owns under ``root`` (empty: all of it); only owned files
            are reported stale or deleted.
    """

    root: str
    files: dict[str, str]
    owned: tuple[str, ...] = ()


def _render(env: jinja2.Environment, template: str, **context: object) -> str:
    return env.get_template(template).render(**context)


def render_generated(env: jinja2.Environment, api: Api) -> RenderedTree:
    """The server-side tree: ``generated/models`` (DTOs) and ``generated/server`` (stubs)."""
    files: dict[str, str] = {}
    files["__init__.py"] = _render(env, "server/package_init.py.jinja", api=api)
    files["py.typed"] = ""
    exports = ["BASE_PATH", "ROUTER_FACTORIES", "Authorizer", "RequestContext", "SecurityRequirement", "render_result"]
    for tag in api.tags:
        exports += [f"{tag.class_prefix}Handlers", f"build_{tag.module}_router"]
        files[f"server/{tag.module}.py"] = _render(env, "server/tag.py.jinja", api=api, tag=tag)
    files["server/__init__.py"] = _render(env, "server/__init__.py.jinja", api=api, exports=sorted(exports))
    files["server/security.py"] = _render(env, "server/security.py.jinja", api=api)
    files["server/runtime.py"] = _render(env, "server/runtime.py.jinja", api=api)
    return RenderedTree(api.server_package, files, _SERVER_OWNED)


def render_dtos(env: jinja2.Environment, api: Api) -> tuple[RenderedTree, RenderedTree]:
    """The DTO modules of both trees (rendered last: they wait for datamodel-code-generator)."""
    server = {
        "models/__init__.py": _render(
            env, "dto/__init__.py.jinja", title=api.title, dtos=api.dtos, module=f"{api.server_package}.models"
        ),
        "models/_models.py": _render(env, "dto/models.py.jinja", title=api.title, source=api.dtos.source),
    }
    pkg = api.package
    sdk = {
        f"{pkg}/models/__init__.py": _render(
            env, "dto/__init__.py.jinja", title=api.title, dtos=api.dtos, module=f"{pkg}.models"
        ),
        f"{pkg}/models/_models.py": _render(
            env, "dto/models.py.jinja", title=api.title, source=sdk_model_source(api.dtos.source, pkg)
        ),
    }
    return RenderedTree(api.server_package, server, _SERVER_OWNED), RenderedTree("sdk", sdk)


def sdk_model_source(source: str, package: str) -> str:
    """The SDK's copy of the DTOs: open enums and extra fields allowed (forward compatibility, ADR 0301)."""
    source = _ENUM_IMPORT.sub(lambda m: f"from {package}._enums import {m.group(1)}", source)
    return _FORBID.sub(lambda m: f'{m.group(1)}extra="allow",', source)


def render_sdk(env: jinja2.Environment, api: Api) -> RenderedTree:
    """The SDK distribution: ``pyproject.toml``, ``README.md`` and the ``<package>/`` import package."""
    pkg = api.package
    files: dict[str, str] = {
        "pyproject.toml": _render(env, "client/pyproject.toml.jinja", api=api),
        "README.md": _render(env, "client/README.md.jinja", api=api),
    }
    inner: dict[str, str] = {
        "py.typed": "",
    }
    for target, template in _SDK_MODULES.items():
        inner[target] = _render(env, f"client/{template}", api=api)
    for namespace in api.namespaces:
        inner[f"resources/{namespace.attr}.py"] = _render(
            env, "client/resources/namespace.py.jinja", api=api, namespace=namespace
        )
    files.update({str(PurePosixPath(pkg) / path): text for path, text in inner.items()})
    return RenderedTree("sdk", files)
