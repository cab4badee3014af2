"""``path-base``: every path lives under ``/api/public/v1`` (in the path key or the servers' URLs).

The full path is the servers' common URL path (when every server URL shares one) followed by
the path key, so ``servers: [{url: https://api.example.com/api/public/v1}]`` with
``/customers`` passes as well as a bare ``/api/public/v1/customers``.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from generator.diagnostics import Severity
from generator.linting.context import LintContext
from generator.linting.model import Hit, Rule
from generator.loading.pointers import join


def _server_prefix(context: LintContext) -> str:
    """The base path every server URL shares (``""`` when they disagree or there are none)."""
    servers = context.data.get("servers")
    if not isinstance(servers, list) or not servers:
        return ""
    bases = {urlsplit(str(server.get("url", ""))).path.rstrip("/") for server in servers if isinstance(server, dict)}
    return bases.pop() if len(bases) == 1 else ""


def check(context: LintContext) -> Iterator[Hit]:
    """Flag paths whose full URL path (server base + path key) is not under the base path."""
    base = context.base_path
    prefix = _server_prefix(context)
    paths = context.data.get("paths")
    if not isinstance(paths, dict):
        return
    for path in paths:
        full = prefix + str(path)
        if full != base and not full.startswith(base + "/"):
            yield (
                join("/paths", path),
                (
                    f"path `{path}` is not under `{base}`: start it with `{base}/` "
                    "(a breaking change gets `/v2`, never an edit of v1)"
                ),
            )


RULE = Rule("path-base", Severity.ERROR, "Every path is under `/api/public/v1` (path key or server URL).", check)
