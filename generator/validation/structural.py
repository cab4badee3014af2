"""Structural validation with openapi-spec-validator, each error located by JSON pointer.

openapi-spec-validator checks the document against the OpenAPI JSON Schema and then walks it
with keyword validators (schemas, parameters, defaults, operation ids...). Errors raised by
those keyword validators carry no absolute path, so we subclass each keyword validator to
stamp the path of the node it was validating onto the errors it yields.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from jsonschema.exceptions import ValidationError, best_match
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.validation.exceptions import (
    DuplicateOperationIDError,
    OpenAPIValidationError,
    UnresolvableParameterError,
)

from generator.loading.pointers import join

__all__ = ["StructuralError", "structural_errors"]

# Checked by generator.validation.semantic with exact locations instead.
_SKIPPED = (DuplicateOperationIDError, UnresolvableParameterError)
_STAMP = "_asteri_parts"


class StructuralError:
    """One error of the spec validator: a pointer and a message."""

    __slots__ = ("message", "pointer")

    def __init__(self, pointer: str, message: str) -> None:
        self.pointer = pointer
        self.message = message


def _locating(cls: type[Any]) -> type[Any]:
    """A subclass of a keyword validator that stamps the validated node's path on errors."""

    def __call__(self: Any, *args: Any, **kwargs: Any) -> Iterator[ValidationError]:
        node = next((arg for arg in args if isinstance(arg, SchemaPath)), None)
        for raw in super(located, self).__call__(*args, **kwargs):
            # The library re-creates plain errors at the top, which would drop our stamp.
            error = raw if isinstance(raw, OpenAPIValidationError) else OpenAPIValidationError.create_from(raw)
            if node is not None and getattr(error, _STAMP, None) is None:
                setattr(error, _STAMP, tuple(node.parts))
            yield error

    located: type[Any] = type(cls.__name__, (cls,), {"__call__": __call__})
    return located


def _validator_class(base: type[Any]) -> type[Any]:
    keywords = {name: _locating(cls) for name, cls in base.keyword_validators.items()}
    return type(f"Locating{base.__name__}", (base,), {"keyword_validators": keywords})


_V30 = _validator_class(OpenAPIV30SpecValidator)
_V31 = _validator_class(OpenAPIV31SpecValidator)


def _pointer(error: ValidationError) -> str:
    base: tuple[Any, ...] = getattr(error, _STAMP, None) or ()
    return join("", *base, *error.path) if base or error.path else join("", *error.absolute_path)


def _message(error: ValidationError) -> str:
    if error.context:
        deepest = best_match(error.context)
        where = "/".join(str(p) for p in deepest.path)
        return f"{deepest.message}" + (f" (at {where})" if where else "")
    return str(error.message)


def structural_errors(data: dict[str, Any]) -> list[StructuralError]:
    """Run openapi-spec-validator on a bundled document (3.0 or 3.1 by its ``openapi`` field)."""
    version = str(data.get("openapi", ""))
    validator_class = _V31 if version.startswith("3.1") else _V30
    errors: list[StructuralError] = []
    try:
        for error in validator_class(data).iter_errors():
            if isinstance(error, _SKIPPED):
                continue
            errors.append(StructuralError(_pointer(error), _message(error)))
    except Exception as exc:
        errors.append(StructuralError("", f"the OpenAPI validator stopped early: {type(exc).__name__}: {exc}"))
    return errors
