"""The prebuilt search index: operations, paths, schemas, fields, scopes, error codes, events, guide headings.

Shipped as a script (``assets/search-index.js``) that sets ``window.ASTERI_SEARCH``, so the search box
works from the static files alone (over HTTP and from ``file://``), with no server-side search.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from generator.docs.markdown import plain_text
from generator.docs.model import DocsApi

__all__ = ["KINDS", "SearchEntry", "build_index", "index_script"]

KINDS = ("operation", "guide", "error", "scope", "event", "schema", "field")
"""Entry kinds, in the order results of equal match quality are ranked."""

_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)</h\1>', re.S)
_TAG = re.compile(r"<[^>]+>")


@dataclass(frozen=True, slots=True)
class SearchEntry:
    """One search result: ``url`` is relative to the site root."""

    title: str
    kind: str
    url: str
    text: str
    keywords: str = ""


def _guide_entries(guides: dict[str, tuple[str, str]]) -> list[SearchEntry]:
    out = []
    for slug, (title, html) in guides.items():
        out.append(SearchEntry(title, "guide", f"guides/{slug}/", "Guide", slug.replace("-", " ")))
        for _level, anchor, inner in _HEADING.findall(html):
            heading = " ".join(_TAG.sub("", inner).split())
            out.append(SearchEntry(heading, "guide", f"guides/{slug}/#{anchor}", f"{title} guide"))
    return out


def build_index(api: DocsApi, guides: dict[str, tuple[str, str]]) -> list[SearchEntry]:
    """Every searchable item of the portal; ``guides`` maps slug to (title, rendered HTML)."""
    entries: list[SearchEntry] = []
    for op in api.operations:
        short = op.path.removeprefix(api.base_path) or op.path
        entries.append(
            SearchEntry(
                op.summary or op.operation_id,
                "operation",
                f"reference/{op.tag}/#{op.anchor}",
                f"{op.method} {short}",
                " ".join(filter(None, (op.operation_id, op.sdk_method, op.path, " ".join(op.scopes)))),
            )
        )
    entries += _guide_entries(guides)
    entries += [
        SearchEntry(
            err.code,
            "error",
            f"errors/{err.code}/",
            f"{err.status or ''} {plain_text(err.title)}".strip(),
            plain_text(err.meaning, 120),
        )
        for err in api.errors
    ]
    entries += [
        SearchEntry(
            scope.name,
            "scope",
            f"guides/authentication/#scope-{scope.name.replace(':', '-')}",
            plain_text(scope.grants, 120) or "Scope",
        )
        for scope in api.scopes
    ]
    entries += [
        SearchEntry(hook.event, "event", f"guides/webhooks/#{hook.anchor}", plain_text(hook.description, 120))
        for hook in api.webhooks
    ]
    for schema in api.schemas:
        entries.append(
            SearchEntry(
                schema.name, "schema", f"schemas/{schema.name}/", plain_text(schema.description, 120) or "Schema"
            )
        )
        entries += [
            SearchEntry(
                f"{schema.name}.{f.name}", "field", f"schemas/{schema.name}/#{f.anchor}", plain_text(f.description, 90)
            )
            for f in schema.fields
        ]
    return entries


def index_script(entries: list[SearchEntry]) -> str:
    """The index as a compact script: ``window.ASTERI_SEARCH = {kinds, entries: [[title, kind, url, text, kw]]}``."""
    rows = [[e.title, KINDS.index(e.kind), e.url, e.text, e.keywords] for e in entries]
    payload = json.dumps({"kinds": list(KINDS), "entries": rows}, ensure_ascii=False, separators=(",", ":"))
    return f"window.ASTERI_SEARCH={payload};\n"
