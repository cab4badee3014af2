"""The developer portal: reference, guides, error pages, changelog and search, generated from the contract.

``build_site(data)`` returns every file of the static site as ``{relative path: text}``; the CLI
(``asteri docs build``) writes it to ``generated/docs_site/`` (or ``-o DIR``) or, with ``--check``,
compares it with what is committed. Same spec, same changelog, same templates: same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from generator.docs.changelog import ChangelogEntry, atom_feed, parse_changelog
from generator.docs.model import DocsApi
from generator.docs.search import SearchEntry, build_index
from generator.docs.site import GUIDES, SiteOptions, render_site, site_size
from generator.docs.view import build_view

__all__ = [
    "DEFAULT_SITE_DIR",
    "DEFAULT_TEMPLATES",
    "GUIDES",
    "ChangelogEntry",
    "DocsApi",
    "SearchEntry",
    "SiteOptions",
    "atom_feed",
    "build_index",
    "build_site",
    "build_view",
    "parse_changelog",
    "site_size",
]

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
DEFAULT_SITE_DIR = Path("generated") / "docs_site"
"""Where the built site is committed, relative to the project root (the server mounts it at ``/docs``)."""


def build_site(
    data: Mapping[str, Any],
    *,
    changelog_text: str = "",
    base_url: str = "https://docs.asteri.example",
    templates: Path = DEFAULT_TEMPLATES,
) -> dict[str, str]:
    """Every file of the portal for a bundled document, keyed by path relative to the site root.

    Args:
        data: The bundled OpenAPI document (``LoadedDocument.data``).
        changelog_text: The contract's ``CHANGELOG.md`` (empty when nothing was released yet).
        base_url: Public URL of the portal, used for absolute links in the Atom feed.
        templates: The templates root (holding ``docs/``).
    """
    api = build_view(data)
    options = SiteOptions(templates=templates, base_url=base_url, changelog=parse_changelog(changelog_text))
    return render_site(api, options)
