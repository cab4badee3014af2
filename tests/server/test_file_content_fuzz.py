"""Hostile bytes never break the file readers: any input gives facts or ``UnreadableContent``.

A reader that raised anything else would leave a file ``processing`` for the worker to retry
forever; a file name that survived unsafe would reach a path or a header.
"""

from __future__ import annotations

import io

from hypothesis import given, settings
from hypothesis import strategies as st

from server_impl.domain.file_content import UnreadableContent, content_facts
from server_impl.domain.files import ALLOWED_TYPES, MAX_FILENAME, safe_filename
from server_impl.handlers.content_disposition import attachment_disposition
from tests.server import file_samples as samples

PREFIXES = {
    "image/png": samples.png()[:16],
    "image/jpeg": b"\xff\xd8\xff",
    "image/gif": b"GIF89a",
    "image/webp": samples.webp()[:16],
    "image/heic": samples.heic()[:24],
    "application/pdf": b"%PDF-1.7\n",
}


@settings(max_examples=300, deadline=None)
@given(content_type=st.sampled_from(sorted(ALLOWED_TYPES)), tail=st.binary(max_size=2048), cut=st.integers(0, 64))
def test_readers_give_facts_or_unreadable_content(content_type: str, tail: bytes, cut: int) -> None:
    prefix = PREFIXES[content_type]
    content = prefix[: max(len(prefix) - cut, 0)] + tail
    try:
        facts = content_facts(content_type, io.BytesIO(content))
    except UnreadableContent:
        return
    if facts.dimensions is not None:
        assert facts.dimensions.width > 0
        assert facts.dimensions.height > 0
    else:
        assert facts.page_count is not None
        assert facts.page_count >= 0


@settings(max_examples=500, deadline=None)
@given(name=st.text(max_size=400) | st.text(alphabet=". /\\\u202e\r\na", max_size=20))
def test_any_name_becomes_a_safe_name_and_header(name: str) -> None:
    safe = safe_filename(name)
    assert safe
    assert len(safe) <= MAX_FILENAME
    assert "/" not in safe
    assert "\\" not in safe
    assert not safe.startswith(".")
    assert all(ch.isprintable() for ch in safe)
    header = attachment_disposition(safe)
    header.encode("ascii")  # only ASCII reaches the header
    assert all(32 <= ord(ch) < 127 for ch in header)
    assert header.startswith('attachment; filename="')
    quoted = header.split('"')[1]
    assert '"' not in quoted
