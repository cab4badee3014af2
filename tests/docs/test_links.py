"""Every link of the site resolves: internal hrefs point at files, and their #anchors exist there."""

from __future__ import annotations

import posixpath
import re
from html.parser import HTMLParser
from urllib.parse import urldefrag

import pytest


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.add(str(values["id"]))
        for name in ("href", "src"):
            if values.get(name) and tag in {"a", "link", "script", "img"}:
                self.links.append(str(values[name]))


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


def _target(page_path: str, href: str) -> tuple[str, str]:
    url, fragment = urldefrag(href)
    if not url:
        return page_path, fragment
    folder = posixpath.dirname(page_path)
    resolved = posixpath.normpath(posixpath.join(folder, url))
    if url.endswith("/") or resolved == ".":
        resolved = posixpath.join("" if resolved == "." else resolved, "index.html")
    return resolved, fragment


def test_every_internal_link_and_anchor_resolves(site):
    pages = {rel: _parse(text) for rel, text in site.items() if rel.endswith(".html") and rel != "404.html"}
    broken = []
    checked = 0
    for rel, page in pages.items():
        for href in page.links:
            if re.match(r"^[a-z]+:", href) or href.startswith("/"):
                continue
            target, fragment = _target(rel, href)
            checked += 1
            if target not in site:
                broken.append(f"{rel}: {href} -> missing {target}")
            elif fragment and target in pages and fragment not in pages[target].ids:
                broken.append(f"{rel}: {href} -> no #{fragment} in {target}")
    assert checked > 5000
    assert not broken, "\n".join(broken[:30])


def test_ids_are_unique_per_page(site):
    for rel, text in site.items():
        if rel.endswith(".html"):
            ids = re.findall(r'\sid="([^"]+)"', text)
            duplicates = {i for i in ids if ids.count(i) > 1}
            assert not duplicates, (rel, sorted(duplicates)[:5])


def test_search_index_urls_resolve(site):
    import json

    payload = json.loads(site["assets/search-index.js"].removeprefix("window.ASTERI_SEARCH=").rstrip()[:-1])
    pages: dict[str, _Page] = {}
    for row in payload["entries"]:
        target, fragment = _target("index.html", row[2])
        assert target in site, row
        if fragment:
            page = pages.setdefault(target, _parse(site[target]))
            assert fragment in page.ids, row


def test_no_external_resources(site):
    for rel, text in site.items():
        if rel.endswith((".html", ".css", ".js")):
            local = text.replace('href="https://www.standardwebhooks.com/"', "")
            assert not re.search(r'(src|href)="(https?:)?//', local), rel
            assert "@import" not in text, rel
            assert "fetch(" not in text, rel


@pytest.mark.parametrize("page", ["index.html", "reference/payments/index.html", "errors/rate_limited/index.html"])
def test_pages_are_well_formed_enough(site, page):
    html = site[page]
    assert html.startswith("<!doctype html>")
    assert html.count("<main") == 1
    assert html.count("</main>") == 1
