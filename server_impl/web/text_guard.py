"""Text no backend can store: the NUL character (U+0000) is refused in bodies and query strings.

PostgreSQL refuses NUL in ``text`` and ``jsonb`` (the driver raises, the request would end in a
500); SQLite stores it and C-string consumers truncate at it. Either way it is never meaningful in
this API, so the edge middleware (``web/edge.py``) answers 422 ``validation_failed`` naming each
field or parameter that holds one, on every backend alike (ADR 0810), once it has bounded the body.
The checks are byte scans that cost nothing unless the request contains an escaped NUL: the JSON
body is parsed (to name the fields) only when one is found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from server_impl.web.problems import field_pointer

MESSAGE = "NUL characters (U+0000) are not accepted."
_ESCAPED_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
"""``\\u0000`` preceded by an even number of backslashes: an escape, not escaped text."""


def _pointers(value: Any, location: tuple[str | int, ...]) -> Iterator[str]:
    if isinstance(value, str):
        if "\x00" in value:
            yield field_pointer(location)
    elif isinstance(value, dict):
        for key, item in value.items():
            if "\x00" in key:
                yield field_pointer((*location, key))
            yield from _pointers(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _pointers(item, (*location, index))


def nul_body_fields(body: bytes) -> list[str]:
    r"""Return the JSON pointers of the body's strings (and keys) holding a NUL; empty for other bodies.

    A raw NUL byte is not valid JSON (such a body is refused as malformed later), so only the
    ``\u0000`` escape needs looking for.
    """
    if b"\\u0000" not in body or _ESCAPED_NUL.search(body) is None:
        return []
    try:
        document = json.loads(body)
    except ValueError:
        return []
    return sorted(set(_pointers(document, ())))


def nul_query_parameters(query_string: bytes) -> list[str]:
    """Return the names of the query parameters whose name or value holds a NUL (``%00``), sorted."""
    if b"%00" not in query_string:
        return []
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    return sorted({name for name, value in pairs if "\x00" in name or "\x00" in value})


def nul_fields(query_string: bytes, body: bytes | None) -> list[str]:
    """Return the query parameters, then the JSON body's fields, that hold a NUL (``body``: JSON or ``None``)."""
    return nul_query_parameters(query_string) + (nul_body_fields(body) if body else [])


def nul_problem(refused: list[str]) -> tuple[str, dict[str, Any]]:
    """Return the detail and the ``errors`` member of the 422 refusing ``refused``."""
    detail = f"{len(refused)} field{'s hold' if len(refused) != 1 else ' holds'} a NUL character."
    return detail, {"errors": [{"field": name, "message": MESSAGE} for name in refused]}
