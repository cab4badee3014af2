"""The docs view of a contract: what the portal's pages show, already resolved and ordered.

Templates see only these frozen dataclasses (plus the site's URL helpers), never the raw document.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "DocsApi",
    "ErrorDoc",
    "FieldDoc",
    "HeaderDoc",
    "OperationDoc",
    "ParamDoc",
    "ResponseDoc",
    "SchemaDoc",
    "ScopeDoc",
    "TagDoc",
    "TypePart",
    "WebhookDoc",
]


@dataclass(frozen=True, slots=True)
class TypePart:
    """One piece of a type label: plain text, or the name of a schema to link to."""

    text: str
    schema: str | None = None


@dataclass(frozen=True, slots=True)
class FieldDoc:
    """A property of an object schema (nested inline objects are flattened as ``a.b``)."""

    name: str
    anchor: str
    type: tuple[TypePart, ...]
    required: bool
    description: str
    constraints: tuple[str, ...]
    depth: int = 0


@dataclass(frozen=True, slots=True)
class SchemaDoc:
    """A named schema of ``components.schemas``."""

    name: str
    anchor: str
    description: str
    type: tuple[TypePart, ...]
    constraints: tuple[str, ...]
    fields: tuple[FieldDoc, ...]
    example: str | None
    used_by: tuple[str, ...] = ()  # operation ids


@dataclass(frozen=True, slots=True)
class ParamDoc:
    """A parameter of an operation (path, query or header)."""

    name: str
    location: str
    required: bool
    type: tuple[TypePart, ...]
    description: str
    constraints: tuple[str, ...]
    example: str | None


@dataclass(frozen=True, slots=True)
class HeaderDoc:
    """A response header."""

    name: str
    description: str


@dataclass(frozen=True, slots=True)
class ResponseDoc:
    """One response of an operation; problem responses list the codes they can carry."""

    status: str
    description: str
    media_type: str | None
    schema: str | None
    type: tuple[TypePart, ...]
    fields: tuple[FieldDoc, ...]
    headers: tuple[HeaderDoc, ...]
    example: str | None
    codes: tuple[str, ...] = ()

    @property
    def is_error(self) -> bool:
        """4xx and 5xx answers."""
        return self.status[:1] in {"4", "5"}


@dataclass(frozen=True, slots=True)
class OperationDoc:
    """One operation, ready to render."""

    operation_id: str
    anchor: str
    tag: str
    method: str
    path: str
    summary: str
    description: str
    sdk_method: str | None
    scopes: tuple[str, ...]
    parameters: tuple[ParamDoc, ...]
    body_required: bool
    body_schema: str | None
    body_type: tuple[TypePart, ...]
    body_fields: tuple[FieldDoc, ...]
    body_example: str | None
    responses: tuple[ResponseDoc, ...]
    curl: str
    sdk: str | None
    deprecated: bool = False
    sunset: str | None = None

    @property
    def error_codes(self) -> tuple[str, ...]:
        """Every problem code the operation can answer with, in response order."""
        seen: dict[str, None] = {}
        for response in self.responses:
            for code in response.codes:
                seen.setdefault(code, None)
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class TagDoc:
    """A tag of the spec: one reference page."""

    name: str
    slug: str
    title: str
    description: str
    operations: tuple[OperationDoc, ...]


@dataclass(frozen=True, slots=True)
class ScopeDoc:
    """A scope and the operations that need it."""

    name: str
    grants: str
    operations: tuple[str, ...]  # operation ids


@dataclass(frozen=True, slots=True)
class ErrorDoc:
    """A problem ``code``: its docs page is ``errors/<code>/``."""

    code: str
    status: int | None
    title: str
    meaning: str
    causes: tuple[str, ...]
    fixes: tuple[str, ...]
    example: str | None
    operations: tuple[str, ...]  # operation ids that can return it


@dataclass(frozen=True, slots=True)
class WebhookDoc:
    """A webhook event type from the spec's ``webhooks`` section."""

    event: str
    anchor: str
    resource: str
    description: str
    schema: str | None
    example: str | None


@dataclass(frozen=True, slots=True)
class DocsApi:
    """Everything the portal shows about one contract."""

    title: str
    version: str
    summary: str
    description: str
    server_url: str
    base_path: str
    tags: tuple[TagDoc, ...]
    schemas: tuple[SchemaDoc, ...]
    scopes: tuple[ScopeDoc, ...]
    errors: tuple[ErrorDoc, ...]
    webhooks: tuple[WebhookDoc, ...]
    security_schemes: dict[str, str] = field(default_factory=dict)  # name -> description (markdown)

    @property
    def operations(self) -> tuple[OperationDoc, ...]:
        """Every operation, in tag order."""
        return tuple(op for tag in self.tags for op in tag.operations)

    def operation(self, operation_id: str) -> OperationDoc:
        """The operation with this id (``KeyError`` if unknown)."""
        for op in self.operations:
            if op.operation_id == operation_id:
                return op
        raise KeyError(operation_id)
