"""CommonMark (with tables) to HTML for spec descriptions, and small helpers over markdown tables."""

from __future__ import annotations

import re
from functools import lru_cache

from markdown_it import MarkdownIt

__all__ = ["code_table", "inline_html", "markdown_html", "plain_text"]

_ROW = re.compile(r"^\|\s*`([^`]+)`\s*\|(.*)\|\s*$")
_MARKUP = re.compile(r"[`*_]|\[([^\]]*)\]\([^)]*\)")


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


@lru_cache(maxsize=4096)
def markdown_html(text: str) -> str:
    """Block HTML for a description (raw HTML in the source is escaped, never passed through)."""
    return _parser().render(text.strip()) if text.strip() else ""


@lru_cache(maxsize=4096)
def inline_html(text: str) -> str:
    """Inline HTML (no surrounding paragraph) for one-line texts such as summaries and table cells."""
    return _parser().renderInline(" ".join(text.split())) if text.strip() else ""


def plain_text(text: str, limit: int = 160) -> str:
    """Markdown reduced to plain text on one line, cut at ``limit`` characters (for search results)."""
    flat = " ".join(_MARKUP.sub(lambda m: m.group(1) or "", text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


def code_table(text: str) -> dict[str, list[str]]:
    """Rows of a markdown table whose first cell is a code span: ``{code: [other cells...]}``.

    The spec documents problem codes and scopes this way (``| `missing_scope` | 403 | ... |``).
    """
    rows: dict[str, list[str]] = {}
    for line in text.splitlines():
        match = _ROW.match(line.strip())
        if match:
            rows[match.group(1)] = [cell.strip() for cell in match.group(2).split("|")]
    return rows
