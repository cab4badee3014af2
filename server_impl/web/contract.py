"""The contract served as written: the bundled spec at ``/api/public/v1/openapi.json``."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.routing import BaseRoute

from server_impl.web.dispatch import SegmentRoutes
from server_impl.web.problems import ProblemError

BASE_PATH = "/api/public/v1"
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})


def _generated_file(name: str) -> Path | None:
    spec = importlib.util.find_spec("generated")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        candidate = Path(location) / name
        if candidate.exists():
            return candidate
    return None


def default_spec_path() -> Path | None:
    """Return ``generated/openapi.json`` (written by ``asteri generate``) when it exists."""
    path = _generated_file("openapi.json")
    return path if path is not None and path.is_file() else None


def default_docs_site() -> Path | None:
    """Return ``generated/docs_site`` (written by ``asteri docs build``) when it exists."""
    path = _generated_file("docs_site")
    return path if path is not None and (path / "index.html").is_file() else None


def load_contract(path: Path) -> bytes:
    """Read a bundled spec (JSON or self-contained YAML) and return it as JSON bytes.

    Args:
        path: The bundled document.

    Returns:
        JSON bytes to serve.
    """
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


def contract_router(document: bytes | None) -> APIRouter:
    """Return the router serving the contract (503 when no bundled spec was found)."""
    router = APIRouter()

    @router.get(f"{BASE_PATH}/openapi.json", include_in_schema=False)
    async def openapi_document() -> Response:
        if document is None:
            raise ProblemError(503, "service_unavailable", "The bundled contract is missing; run 'asteri generate'.")
        return Response(document, media_type="application/json")

    return router


def spec_operations(spec: dict[str, Any]) -> set[tuple[str, str]]:
    """Return ``(METHOD, path)`` for every operation of a spec, paths prefixed by its server path."""
    servers = spec.get("servers") or [{"url": ""}]
    prefix = urlsplit(str(servers[0].get("url", ""))).path.rstrip("/")
    return {
        (method.upper(), prefix + path)
        for path, item in (spec.get("paths") or {}).items()
        for method in item
        if method in HTTP_METHODS
    }


def iter_routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    """Yield ``(prefix, route)`` for every leaf route, looking inside included routers.

    FastAPI keeps an included router as one route object; its routes keep their own paths and the
    inclusion prefix is kept aside.
    """
    for route in routes:
        inner = getattr(route, "original_router", None)
        if isinstance(route, SegmentRoutes):
            yield from iter_routes(route.routes, prefix)
        elif inner is not None:
            context = getattr(route, "include_context", None)
            yield from iter_routes(inner.routes, prefix + str(getattr(context, "prefix", "") or ""))
        else:
            yield prefix, route


def app_operations(app: FastAPI, *, exclude_prefixes: tuple[str, ...] = ()) -> set[tuple[str, str]]:
    """Return ``(METHOD, path)`` for every API route of an app (the contract route itself excluded)."""
    operations = set()
    for prefix, route in iter_routes(app.router.routes):
        if not isinstance(route, APIRoute):
            continue
        path = prefix + route.path
        if path == f"{BASE_PATH}/openapi.json" or any(path.startswith(item) for item in exclude_prefixes):
            continue
        operations |= {(method, path) for method in (route.methods or set()) - {"HEAD"}}
    return operations
