"""Render the portal: every page, the search index and the changelog feed, as ``{relative path: text}``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from generator.docs.changelog import ChangelogEntry, atom_feed
from generator.docs.markdown import inline_html, markdown_html
from generator.docs.model import DocsApi
from generator.docs.search import KINDS, build_index, index_script

__all__ = ["GUIDES", "SiteOptions", "render_site"]

GUIDES: tuple[tuple[str, str], ...] = (
    ("getting-started", "Getting started"),
    ("authentication", "Authentication and scopes"),
    ("rate-limits", "Rate limits"),
    ("errors", "Errors"),
    ("pagination", "Pagination"),
    ("idempotency", "Idempotency"),
    ("webhooks", "Webhooks"),
    ("versioning", "Versioning and deprecation"),
)
_ASSETS = ("style.css", "search.js")


@dataclass(frozen=True, slots=True)
class SiteOptions:
    """Where the portal lives and what it is built from."""

    templates: Path
    base_url: str = "https://docs.asteri.example"
    changelog: tuple[ChangelogEntry, ...] = ()


def _environment(templates: Path, api: DocsApi) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        undefined=jinja2.StrictUndefined,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    op_tag = {op.operation_id: op.tag for op in api.operations}
    ops = {op.operation_id: op for op in api.operations}
    env.filters.update(
        {
            "md": lambda text: Markup(markdown_html(str(text))),  # markdown-it escapes raw HTML
            "mdi": lambda text: Markup(inline_html(str(text))),  # markdown-it escapes raw HTML
        }
    )
    env.globals.update(
        {
            "api": api,
            "guides": GUIDES,
            "op_url": lambda op_id: f"reference/{op_tag[op_id]}/#{op_id}",
            "op_by_id": ops.__getitem__,
            "search_kinds": KINDS,
        }
    )
    return env


def _depth_root(path: str) -> str:
    return "../" * path.count("/")


def render_site(api: DocsApi, options: SiteOptions) -> dict[str, str]:
    """Every file of the portal, keyed by its path relative to the site root (deterministic)."""
    env = _environment(options.templates, api)
    files: dict[str, str] = {}

    def page(path: str, template: str, **context: Any) -> str:
        html = env.get_template(template).render(root=_depth_root(path), path=path, **context)
        files[path] = html
        return html

    page("index.html", "docs/index.html.jinja", title=api.title)
    guides: dict[str, tuple[str, str]] = {}
    for slug, title in GUIDES:
        html = page(
            f"guides/{slug}/index.html",
            f"docs/guides/{slug}.html.jinja",
            title=title,
            slug=slug,
            changelog=options.changelog,
        )
        guides[slug] = (title, html)
    page("reference/index.html", "docs/reference_index.html.jinja", title="API reference")
    for tag in api.tags:
        page(f"reference/{tag.slug}/index.html", "docs/reference_tag.html.jinja", title=tag.title, tag=tag)
    page("schemas/index.html", "docs/schemas_index.html.jinja", title="Schemas")
    for schema in api.schemas:
        page(f"schemas/{schema.name}/index.html", "docs/schema.html.jinja", title=schema.name, schema=schema)
    page("errors/index.html", "docs/errors_index.html.jinja", title="Error codes")
    for error in api.errors:
        page(f"errors/{error.code}/index.html", "docs/error.html.jinja", title=error.code, error=error)
    page("changelog/index.html", "docs/changelog.html.jinja", title="Changelog", entries=options.changelog)
    files["changelog/feed.xml"] = atom_feed(options.changelog, title=api.title, base_url=options.base_url)
    files["404.html"] = env.get_template("docs/404.html.jinja").render(title="Page not found")
    for name in _ASSETS:
        files[f"assets/{name}"] = (options.templates / "docs" / "assets" / name).read_text(encoding="utf-8")
    files["assets/search-index.js"] = index_script(build_index(api, guides))
    return dict(sorted(files.items()))


def site_size(files: Mapping[str, str]) -> int:
    """Total bytes of the site (UTF-8)."""
    return sum(len(text.encode("utf-8")) for text in files.values())
