"""The contract changelog (``CHANGELOG.md``, written by ``asteri release``) as entries and an Atom feed."""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from generator.docs.markdown import markdown_html, plain_text

__all__ = ["ChangelogEntry", "atom_feed", "parse_changelog"]

_HEADING = re.compile(r"^## +\[?([^\]\s]+)\]?(?: +[-\u2013] +(\d{4}-\d{2}-\d{2}))?\s*$")
_EPOCH = "1970-01-01"


@dataclass(frozen=True, slots=True)
class ChangelogEntry:
    """One release: ``## <version> - <date>`` and its markdown body."""

    version: str
    date: str | None
    body: str

    @property
    def anchor(self) -> str:
        """``v1-2-0`` for version ``1.2.0``."""
        return "v" + re.sub(r"[^0-9A-Za-z]+", "-", self.version).strip("-")


def parse_changelog(text: str) -> tuple[ChangelogEntry, ...]:
    """Entries of a keep-a-changelog style file, newest first as written (an empty file has none)."""
    entries: list[ChangelogEntry] = []
    current: tuple[str, str | None] | None = None
    lines: list[str] = []
    for line in text.splitlines():
        match = _HEADING.match(line)
        if match:
            if current is not None:
                entries.append(ChangelogEntry(current[0], current[1], "\n".join(lines).strip()))
            current, lines = (match.group(1), match.group(2)), []
        elif current is not None:
            lines.append(line)
    if current is not None:
        entries.append(ChangelogEntry(current[0], current[1], "\n".join(lines).strip()))
    return tuple(entries)


def atom_feed(entries: tuple[ChangelogEntry, ...], *, title: str, base_url: str) -> str:
    """An Atom 1.0 feed (RFC 4287) of the entries; deterministic (dates come from the entries only)."""
    base = base_url.rstrip("/")
    page = f"{base}/changelog/"
    host = re.sub(r"^[a-z]+://", "", base).split("/", 1)[0] or "localhost"
    updated = max((e.date for e in entries if e.date), default=_EPOCH)
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(title)} changelog</title>",
        f"  <subtitle>Contract changes of the {escape(title)}, newest first.</subtitle>",
        f'  <link rel="alternate" type="text/html" href="{escape(page)}"/>',
        f'  <link rel="self" type="application/atom+xml" href="{escape(page)}feed.xml"/>',
        f"  <id>tag:{escape(host)},2026:changelog</id>",
        f"  <updated>{updated}T00:00:00Z</updated>",
        f"  <author><name>{escape(title)}</name></author>",
    ]
    for entry in entries:
        date = entry.date or _EPOCH
        out += [
            "  <entry>",
            f"    <title>{escape(entry.version)}</title>",
            f'    <link rel="alternate" type="text/html" href="{escape(page)}#{entry.anchor}"/>',
            f"    <id>tag:{escape(host)},2026:changelog:{escape(entry.version)}</id>",
            f"    <updated>{date}T00:00:00Z</updated>",
            f"    <summary>{escape(plain_text(entry.body, 240) or 'No contract changes.')}</summary>",
            f'    <content type="html">{escape(markdown_html(entry.body))}</content>',
            "  </entry>",
        ]
    out.append("</feed>")
    return "\n".join(out) + "\n"
