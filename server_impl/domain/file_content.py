"""Reading facts from a file's bytes: image dimensions from the header, a PDF's page count.

Small parsers over a readable binary stream, without an imaging library: PNG (IHDR), GIF (logical
screen), JPEG (the first SOFn marker), WebP (VP8, VP8L, VP8X) and HEIC (the first ``ispe``
property). A PDF's pages are counted from the ``/Count`` of its page tree (or its ``/Type /Page``
objects), looking inside compressed object streams when the plain text shows neither.
"""

from __future__ import annotations

import re
import struct
import zlib
from typing import Protocol

from server_impl.domain.files import ContentFacts, Dimensions

_CHUNK = 1 << 16
_PAGES_COUNT = re.compile(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)|/Count\s+(\d+)[^>]*?/Type\s*/Pages\b", re.S)
_PAGE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")
_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_MAX_INFLATED = 64 << 20


class Readable(Protocol):
    """A binary stream: ``read(n)`` returns at most ``n`` bytes, ``b""`` at the end."""

    def read(self, size: int = -1, /) -> bytes:
        """Read up to ``size`` bytes."""


class UnreadableContent(ValueError):
    """The bytes do not hold what their type promises (the reason is the message)."""


def content_facts(content_type: str, stream: Readable) -> ContentFacts:
    """Return the dimensions of an image or the page count of a PDF.

    Args:
        content_type: The detected type (one of ``domain.files.ALLOWED_TYPES``).
        stream: The content, from its first byte.

    Returns:
        The facts.

    Raises:
        UnreadableContent: The header or the page tree cannot be read.
    """
    if content_type == "application/pdf":
        return ContentFacts(page_count=pdf_page_count(stream))
    return ContentFacts(dimensions=image_dimensions(content_type, stream))


def image_dimensions(content_type: str, stream: Readable) -> Dimensions:
    """Return an image's width and height from its header.

    Raises:
        UnreadableContent: The header is truncated or malformed.
    """
    head = stream.read(_CHUNK)
    parsers = {
        "image/png": _png,
        "image/gif": _gif,
        "image/webp": _webp,
        "image/heic": _heic,
    }
    if content_type == "image/jpeg":
        found = _jpeg(head, stream)
    elif content_type in parsers:
        found = parsers[content_type](head)
    else:
        raise UnreadableContent(f"no reader for {content_type}")
    if found is None or found[0] <= 0 or found[1] <= 0:
        raise UnreadableContent("the image header is truncated or malformed")
    return Dimensions(*found)


def _png(head: bytes) -> tuple[int, int] | None:
    if len(head) < 24 or head[12:16] != b"IHDR":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def _gif(head: bytes) -> tuple[int, int] | None:
    if len(head) < 10:
        return None
    width, height = struct.unpack("<HH", head[6:10])
    return int(width), int(height)


def _webp(head: bytes) -> tuple[int, int] | None:
    if len(head) < 30 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
        return None
    chunk = head[12:16]
    if chunk == b"VP8 " and head[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", head[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and head[20] == 0x2F:
        bits = int.from_bytes(head[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X":
        return int.from_bytes(head[24:27], "little") + 1, int.from_bytes(head[27:30], "little") + 1
    return None


def _heic(head: bytes) -> tuple[int, int] | None:
    at = head.find(b"ispe")
    if at < 0 or len(head) < at + 16:
        return None
    width, height = struct.unpack(">II", head[at + 8 : at + 16])
    return int(width), int(height)


_JPEG_STANDALONE = frozenset({0x01, 0xD8, *range(0xD0, 0xD8)})
_JPEG_NOT_FRAMES = frozenset({0xC4, 0xC8, 0xCC})


class _Buffered:
    """The bytes read so far from a stream, read further on demand."""

    def __init__(self, head: bytes, stream: Readable) -> None:
        self.data = bytearray(head)
        self._stream = stream

    def has(self, size: int) -> bool:
        while len(self.data) < size:
            more = self._stream.read(_CHUNK)
            if not more:
                return False
            self.data.extend(more)
        return True


def _jpeg(head: bytes, stream: Readable) -> tuple[int, int] | None:
    buffer = _Buffered(head, stream)
    if buffer.data[:2] != b"\xff\xd8":
        return None
    position = 2
    while buffer.has(position + 4):
        data = buffer.data
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF or marker in _JPEG_STANDALONE:  # a fill byte, or a marker without length
            position += 1 if marker == 0xFF else 2
            continue
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in _JPEG_NOT_FRAMES:  # SOFn: height, width
            if not buffer.has(position + 9):
                return None
            height, width = struct.unpack(">HH", buffer.data[position + 5 : position + 9])
            return int(width), int(height)
        if marker == 0xD9 or length < 2:
            return None
        position += 2 + length
        if position > _CHUNK:  # keep the buffer small: drop what was read
            del buffer.data[:position]
            position = 0
    return None


def pdf_page_count(stream: Readable) -> int:
    """Return the number of pages of a PDF (read whole: uploads are bounded by the upload limit).

    Raises:
        UnreadableContent: No PDF header, or no page tree could be found.
    """
    content = stream.read()
    if not content.startswith(b"%PDF-"):
        raise UnreadableContent("the content does not start with a PDF header")
    for text in (content, _inflated_streams(content)):
        counts = _counts(text)
        if counts:
            return max(counts)
        pages = len(_PAGE.findall(text))
        if pages:
            return pages
    raise UnreadableContent("no page tree found in the PDF")


def _counts(text: bytes) -> list[int]:
    return [int(a or b) for a, b in _PAGES_COUNT.findall(text)]


def _inflated_streams(content: bytes) -> bytes:
    out = bytearray()
    for match in _STREAM.finditer(content):
        try:
            inflater = zlib.decompressobj()
            out += inflater.decompress(match.group(1), _MAX_INFLATED - len(out))
        except zlib.error:
            continue
        if len(out) >= _MAX_INFLATED:
            break
    return bytes(out)
