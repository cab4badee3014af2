"""The openapi-spec-validator adapter: every error located by JSON pointer, meta-schemas crawled once.

openapi-spec-validator checks the document against the OpenAPI JSON Schema and then walks it
with keyword validators (schemas, parameters, defaults, operation ids...). Errors raised by
those keyword validators carry no absolute path, so we subclass each keyword validator to
stamp the path of the node it was validating onto the errors it yields (ADR 0002). This module
is imported only when a validation is not in the cache: the library costs about 0.3 s to import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

from jsonschema.exceptions import SchemaError, ValidationError, best_match
from jsonschema.validators import validator_for
from jsonschema_path import SchemaPath
from openapi_schema_validator._specifications import REGISTRY as OPENAPI_SPECIFICATIONS
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.schemas import schema_v30, schema_v31
from openapi_spec_validator.validation.exceptions import (
    DuplicateOperationIDError,
    OpenAPIValidationError,
    UnresolvableParameterError,
)
from referencing import Registry
from referencing.jsonschema import specification_with

from generator.loading.pointers import join

__all__ = ["spec_validator_errors"]

# Checked by generator.validation.semantic with exact locations instead.
_SKIPPED = (DuplicateOperationIDError, UnresolvableParameterError)
_STAMP = "_asteri_parts"


def _crawled_validator(schema: dict[str, Any], registry: Registry[Any], **kwargs: Any) -> Any:
    """A jsonschema validator for ``schema`` whose registry is crawled once, up front.

    jsonschema re-adds a validator's root schema to its registry as "uncrawled", and every
    ``$dynamicRef`` lookup that misses then crawls the whole meta-schema again and throws the
    result away: on a 3.1 document that was 80% of validation time. A resolver built on a
    crawled registry makes those lookups dictionary hits.
    """
    uri = str(schema.get("$id", ""))
    resource = specification_with(str(schema.get("$schema", ""))).create_resource(schema)
    resolver = registry.with_resource(uri, resource).crawl().resolver(base_uri=uri)
    validator_class: Any = validator_for(schema)
    return validator_class(schema, registry=registry, _resolver=resolver, **kwargs)


@cache
def _meta_checker(validator_cls: type[Any], format_checker: Any) -> Callable[[Any], None]:
    meta = validator_cls.META_SCHEMA
    validator = _crawled_validator(meta, OPENAPI_SPECIFICATIONS, format_checker=format_checker)

    def check(schema_value: Any) -> None:
        error = best_match(validator.iter_errors(schema_value))
        if error is not None:
            raise SchemaError.create_from(error)

    return check


def _fast_schema_checker(self: Any, schema: SchemaPath, schema_value: Any) -> Callable[[Any], None]:
    """Replacement for the 3.1 schema validator's checker: same meta-schema, one cached validator."""
    validator_cls = self._get_validator_class_for_dialect(self._get_schema_dialect_id(schema, schema_value))
    if validator_cls is None or not hasattr(validator_cls, "META_SCHEMA"):
        parent: Any = type(self).__mro__[1]
        checker: Callable[[Any], None] = parent._get_schema_checker(self, schema, schema_value)
        return checker
    return _meta_checker(validator_cls, self.schema_validator_format_checker)


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

    namespace: dict[str, Any] = {"__call__": __call__}
    if hasattr(cls, "_get_validator_class_for_dialect"):
        namespace["_get_schema_checker"] = _fast_schema_checker
    located: type[Any] = type(cls.__name__, (cls,), namespace)
    return located


def _validator_class(base: type[Any], oas_schema: Any) -> type[Any]:
    keywords = {name: _locating(cls) for name, cls in base.keyword_validators.items()}
    root = _crawled_validator(dict(oas_schema), Registry())
    return type(f"Locating{base.__name__}", (base,), {"keyword_validators": keywords, "schema_validator": root})


_V30 = _validator_class(OpenAPIV30SpecValidator, schema_v30)
_V31 = _validator_class(OpenAPIV31SpecValidator, schema_v31)


def _pointer(error: ValidationError) -> str:
    base: tuple[Any, ...] = getattr(error, _STAMP, None) or ()
    return join("", *base, *error.path) if base or error.path else join("", *error.absolute_path)


def _message(error: ValidationError) -> str:
    if error.context:
        deepest = best_match(error.context)
        where = "/".join(str(p) for p in deepest.path)
        return f"{deepest.message}" + (f" (at {where})" if where else "")
    return str(error.message)


def spec_validator_errors(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Run openapi-spec-validator (3.0 or 3.1 by the ``openapi`` field); ``(pointer, message)`` pairs."""
    version = str(data.get("openapi", ""))
    validator_class = _V31 if version.startswith("3.1") else _V30
    errors: list[tuple[str, str]] = []
    try:
        for error in validator_class(data).iter_errors():
            if isinstance(error, _SKIPPED):
                continue
            errors.append((_pointer(error), _message(error)))
    except Exception as exc:  # a validator crash must become a finding, not a traceback
        errors.append(("", f"the OpenAPI validator stopped early: {type(exc).__name__}: {exc}"))
    return errors
