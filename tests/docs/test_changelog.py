"""The changelog page and its Atom feed: empty but valid before the first release, one entry per release after."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from generator.docs import atom_feed, build_site, parse_changelog

ATOM = "{http://www.w3.org/2005/Atom}"
SAMPLE = """# Changelog

## 1.1.0 - 2026-12-01

### Added

- `POST /api/public/v1/jobs/{job_id}/clone`: Clone a job

### Deprecated

- `GET /api/public/v1/jobs/{job_id}/legacy`: deprecated & sunset

## 1.0.0 - 2026-11-20

Initial release of the contract: 82 operation(s).
"""


def test_parse_entries_newest_first():
    entries = parse_changelog(SAMPLE)
    assert [(e.version, e.date) for e in entries] == [("1.1.0", "2026-12-01"), ("1.0.0", "2026-11-20")]
    assert "### Added" in entries[0].body
    assert entries[0].anchor == "v1-1-0"
    assert parse_changelog("") == ()
    assert parse_changelog("# Changelog\n\nNothing yet.\n") == ()


def test_feed_is_valid_atom_with_one_entry_per_release():
    feed = ET.fromstring(
        atom_feed(parse_changelog(SAMPLE), title="Asteri Public API", base_url="https://d.example/docs")
    )
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}title") for e in entries] == ["1.1.0", "1.0.0"]
    assert feed.findtext(f"{ATOM}updated") == "2026-12-01T00:00:00Z"
    link = entries[0].find(f"{ATOM}link")
    assert link is not None
    assert link.get("href") == "https://d.example/docs/changelog/#v1-1-0"
    content = entries[0].findtext(f"{ATOM}content") or ""
    assert "<h3>Added</h3>" in content
    assert "&amp;" in content


def test_empty_changelog_gives_an_empty_valid_feed_and_page(spec_data):
    site = build_site(spec_data, changelog_text="")
    feed = ET.fromstring(site["changelog/feed.xml"])
    assert feed.findall(f"{ATOM}entry") == []
    assert feed.findtext(f"{ATOM}id")
    assert "No release of the contract has been published yet." in site["changelog/index.html"]


def test_changelog_page_renders_every_release(spec_data):
    site = build_site(spec_data, changelog_text=SAMPLE)
    page = site["changelog/index.html"]
    assert 'id="v1-1-0"' in page
    assert 'id="v1-0-0"' in page
    assert "<code>POST /api/public/v1/jobs/{job_id}/clone</code>" in page
    assert 'href="../../changelog/#v1-1-0"' in site["guides/versioning/index.html"]
