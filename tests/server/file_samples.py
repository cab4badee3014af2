"""Small, valid files of each accepted type (built by hand, no imaging library) and hostile ones."""

from __future__ import annotations

import struct
import zlib


def png(width: int = 3, height: int = 2) -> bytes:
    """Return a valid RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80\x40\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def gif(width: int = 5, height: int = 4) -> bytes:
    """Return a GIF89a (one colour, an empty image block)."""
    screen = struct.pack("<HHBBB", width, height, 0x80, 0, 0) + b"\xff\xff\xff\x00\x00\x00"
    image = b"," + struct.pack("<HHHHB", 0, 0, width, height, 0) + b"\x02\x02D\x01\x00"
    return b"GIF89a" + screen + image + b";"


def jpeg(width: int = 30, height: int = 20) -> bytes:
    """Return a JPEG header: SOI, JFIF APP0, a baseline SOF0 frame, EOI."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def webp(width: int = 40, height: int = 30) -> bytes:
    """Return an extended-format WebP header (VP8X canvas size)."""
    vp8x = b"VP8X" + struct.pack("<I", 10) + b"\x00\x00\x00\x00"
    vp8x += (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    return b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP" + vp8x


def heic(width: int = 64, height: int = 48) -> bytes:
    """Return an HEIF container start: ``ftyp heic`` and an ``ispe`` property."""

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", 8 + len(payload)) + kind + payload

    ispe = box(b"ispe", b"\x00" * 4 + struct.pack(">II", width, height))
    return box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic") + box(b"meta", b"\x00" * 4 + ispe)


def pdf(pages: int = 2) -> bytes:
    """Return a plain-text PDF with ``pages`` pages."""
    kids = " ".join(f"{3 + n} 0 R" for n in range(pages))
    objects = [
        "1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj",
        f"2 0 obj << /Type /Pages /Kids [{kids}] /Count {pages} >> endobj",
        *(f"{3 + n} 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >> endobj" for n in range(pages)),
    ]
    return ("%PDF-1.4\n" + "\n".join(objects) + "\ntrailer << /Root 1 0 R >>\n%%EOF\n").encode()


def windows_executable() -> bytes:
    """Return the start of a PE executable (``MZ``)."""
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 240


ALLOWED = {
    "image/png": (png(), "before.png", {"dimensions": {"width": 3, "height": 2}, "page_count": None}),
    "image/jpeg": (jpeg(), "condenser.jpg", {"dimensions": {"width": 30, "height": 20}, "page_count": None}),
    "image/gif": (gif(), "spinner.gif", {"dimensions": {"width": 5, "height": 4}, "page_count": None}),
    "image/webp": (webp(), "roof.webp", {"dimensions": {"width": 40, "height": 30}, "page_count": None}),
    "image/heic": (heic(), "IMG_0001.HEIC", {"dimensions": {"width": 64, "height": 48}, "page_count": None}),
    "application/pdf": (pdf(3), "permit.pdf", {"dimensions": None, "page_count": 3}),
}
"""Each accepted type: (content, uploaded name, what processing finds)."""


def multipart(
    fields: dict[str, str], filename: str, content: bytes, content_type: str, boundary: str = "asteri-test-boundary"
) -> tuple[bytes, str]:
    """Return a ``multipart/form-data`` body with a ``file`` part, and its ``Content-Type`` header."""
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"
