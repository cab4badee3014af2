"""``Content-Disposition: attachment`` with a file name that cannot break the header (RFC 6266, RFC 8187)."""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

_ASCII_UNSAFE = re.compile(r'[^\x20-\x7e]|["\\%;]')


def attachment_disposition(filename: str) -> str:
    """Return ``attachment; filename="..."; filename*=UTF-8''...`` for a name.

    The quoted ``filename`` is a plain-ASCII fallback (accents dropped, anything else that is not
    printable ASCII, quotes, backslashes, ``%`` and ``;`` replaced by ``_``); ``filename*`` carries
    the exact name percent-encoded. Control characters (CR, LF) never reach the header. Path
    separators are the caller's business (names are made safe at upload).
    """
    clean = "".join(ch for ch in filename if unicodedata.category(ch)[0] != "C")
    folded = unicodedata.normalize("NFKD", clean).encode("ascii", "ignore").decode("ascii")
    fallback = _ASCII_UNSAFE.sub("_", folded).strip() or "file"
    encoded = quote(clean, safe="")
    if encoded == fallback:
        return f'attachment; filename="{fallback}"'
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}"
