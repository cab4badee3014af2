"""Structural validation: openapi-spec-validator's verdict, through the content-addressed cache.

The validation is a pure function of the document and the validator's version, and the slowest
step of ``asteri check``; an unchanged spec is answered from the cache without even importing the
validator (``generator/validation/spec_validator.py``).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from generator.cache import cache_key, read_cached, write_cached

__all__ = ["StructuralError", "structural_errors"]

_LIBRARIES = ("openapi-spec-validator", "openapi-schema-validator", "jsonschema")
_ADAPTER = Path(__file__).with_name("spec_validator.py")
_CODE_DIGEST = hashlib.sha256(Path(__file__).read_bytes() + _ADAPTER.read_bytes()).hexdigest()


class StructuralError:
    """One error of the spec validator: a pointer and a message."""

    __slots__ = ("message", "pointer")

    def __init__(self, pointer: str, message: str) -> None:
        self.pointer = pointer
        self.message = message


def structural_errors(data: dict[str, Any]) -> list[StructuralError]:
    """Validate a bundled document with openapi-spec-validator, answering from the cache when it can."""
    key = cache_key(data, _CODE_DIGEST, libraries=_LIBRARIES)
    cached = read_cached("validation", key, ".json")
    if cached is not None:
        return [StructuralError(pointer, message) for pointer, message in json.loads(cached)]
    errors = _fresh_structural_errors(data)
    write_cached("validation", key, json.dumps([[e.pointer, e.message] for e in errors]), ".json")
    return errors


def _fresh_structural_errors(data: dict[str, Any]) -> list[StructuralError]:
    from generator.validation.spec_validator import spec_validator_errors  # noqa: PLC0415 - heavy, only on a miss

    return [StructuralError(pointer, message) for pointer, message in spec_validator_errors(data)]
