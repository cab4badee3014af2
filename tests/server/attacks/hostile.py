"""Hostile values, and where in an operation's example body free text can carry them."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from tests.server.attacks.contract import resolve

HOSTILE_TEXT: dict[str, str] = {
    "nul": "before\x00after",
    "rtl override": "invoice\u202etxt.exe",
    "sql": "x'); DROP TABLE customers; --",
    "sql or": "' OR '1'='1",
    "path traversal": "../../../../etc/passwd",
    "windows traversal": "..\\..\\windows\\win.ini",
    "zero width and combining": "a\u200b\u200d\u0301\ufeffb",
    "line separators": "a\u2028b\u2029c\r\nd",
    "astral": "\U0001f600\U0010fffd",
    "html": "<script>alert(1)</script>",
    "format string": "%s%n{0}${jndi:ldap://x}",
}
"""Strings a careful server stores as given or refuses with 422 (NUL): never a 500."""

LONE_SURROGATE_BODY = b'{"x": "\\ud800"}'

HOSTILE_IDS: dict[str, str] = {
    "encoded traversal": "..%2F..%2Fapi-keys",
    "encoded dot segments": "%2E%2E",
    "nul": "cus_%00",
    "sql": "cus_' OR '1'='1",
    "rtl": "cus_\u202e01HW",
    "very long": "cus_" + "A" * 5000,
    "fullwidth digits": "cus_\uff10\uff11HW",
}
"""Path segments in place of an id: 404 or 422, never a 500, never another object."""

PRIVATE_WEBHOOK_URLS = (
    "https://127.0.0.1/hook",
    "https://localhost/hook",
    "https://10.1.2.3/hook",
    "https://172.16.0.1/hook",
    "https://192.168.1.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://[::1]/hook",
    "https://[fd00::1]/hook",
    "https://[::ffff:127.0.0.1]/hook",
    "https://0.0.0.0/hook",
    "https://2130706433/hook",
    "https://0x7f000001/hook",
    "https://127.1/hook",
    "https://user@127.0.0.1/hook",
    "http://hooks.example.com/hook",
)
"""Webhook targets that must be refused: loopback, private, link-local, numeric tricks, plain http."""


def _alternatives(schema: dict[str, Any]) -> list[dict[str, Any]]:
    for keyword in ("anyOf", "oneOf", "allOf"):
        if keyword in schema:
            return [resolve(item) for item in schema[keyword]]
    return [schema]


def _is_free_text(schema: dict[str, Any]) -> bool:
    types = schema.get("type")
    kinds = set(types) if isinstance(types, list) else {types}
    constrained = {"enum", "const", "pattern", "format", "contentMediaType"} & schema.keys()
    return "string" in kinds and not constrained


def free_text_paths(schema: dict[str, Any] | None, example: Any) -> Iterator[tuple[str | int, ...]]:
    """Paths of the example's string leaves that the schema lets hold any text (no enum, pattern or format)."""
    if schema is None:
        return
    for alternative in _alternatives(resolve(schema)):
        if isinstance(example, dict) and "properties" in alternative:
            for name, value in example.items():
                if name in alternative["properties"]:
                    for rest in free_text_paths(alternative["properties"][name], value):
                        yield (name, *rest)
            return
        if isinstance(example, list) and "items" in alternative:
            for index, value in enumerate(example):
                for rest in free_text_paths(alternative["items"], value):
                    yield (index, *rest)
            return
        if isinstance(example, str) and _is_free_text(alternative):
            yield ()
            return


def with_text(example: Any, paths: list[tuple[str | int, ...]], text: str) -> Any:
    """A copy of the example with ``text`` at every path."""
    changed = copy.deepcopy(example)
    for path in paths:
        target = changed
        for part in path[:-1]:
            target = target[part]
        target[path[-1]] = text
    return changed


def nested(depth: int) -> bytes:
    """A JSON object nested ``depth`` levels deep."""
    return b'{"a":' * depth + b"1" + b"}" * depth
