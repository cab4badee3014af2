"""The intermediate representation templates see: frozen dataclasses, never raw spec dicts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "Api",
    "Auth",
    "Body",
    "DtoModule",
    "Operation",
    "Pagination",
    "Parameter",
    "Response",
    "SdkNamespace",
    "SecurityRequirement",
    "TagGroup",
    "TypeRef",
    "Webhook",
]

ParamLocation = Literal["path", "query", "header", "cookie"]
BodyKind = Literal["json", "form", "multipart", "binary", "text"]
ResponseKind = Literal["json", "binary", "text", "empty"]
ParamRole = Literal["plain", "organization", "idempotency_key"]


@dataclass(frozen=True, slots=True)
class TypeRef:
    """A Python annotation; DTO classes appear as ``models.<Class>``.

    Attributes:
        annotation: the annotation source, e.g. ``list[models.Customer]`` or ``Literal['a', 'b']``.
        models: the DTO class names the annotation mentions (sorted).
    """

    annotation: str
    models: tuple[str, ...] = ()

    @property
    def optional(self) -> TypeRef:
        """The same type, or ``None``."""
        if self.annotation.endswith("| None") or self.annotation == "None":
            return self
        return TypeRef(f"{self.annotation} | None", self.models)


@dataclass(frozen=True, slots=True)
class Parameter:
    """A path, query, header or cookie parameter."""

    name: str
    py_name: str
    location: ParamLocation
    required: bool
    type: TypeRef
    default: str | None
    constraints: tuple[tuple[str, str], ...]
    description: str
    deprecated: bool
    role: ParamRole = "plain"
    explode: bool = True


@dataclass(frozen=True, slots=True)
class Body:
    """A request body: its media type, how it is encoded and its DTO."""

    media_type: str
    kind: BodyKind
    type: TypeRef
    required: bool
    file_fields: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Response:
    """One documented response of an operation."""

    status: str
    status_code: int
    kind: ResponseKind
    media_type: str | None
    type: TypeRef | None
    description: str


@dataclass(frozen=True, slots=True)
class SecurityRequirement:
    """One alternative of an operation's ``security``: scheme name -> scopes."""

    schemes: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(frozen=True, slots=True)
class Pagination:
    """Cursor pagination: the list DTO, its item type and the cursor query parameter."""

    item: TypeRef
    cursor_param: str


@dataclass(frozen=True, slots=True)
class Operation:
    """One HTTP operation, with everything the three targets need."""

    operation_id: str
    name: str
    http_method: str
    path: str
    pointer: str
    summary: str
    description: str
    deprecated: bool
    tag: str
    sdk_namespace: tuple[str, ...]
    sdk_method: str
    parameters: tuple[Parameter, ...]
    body: Body | None
    success: Response
    responses: tuple[Response, ...]
    security: tuple[SecurityRequirement, ...]
    pagination: Pagination | None

    @property
    def documented_statuses(self) -> tuple[int, ...]:
        """Every explicit status code (ranges and ``default`` excluded), sorted."""
        return tuple(sorted({r.status_code for r in self.responses if r.status.isdigit()}))

    @property
    def has_default_response(self) -> bool:
        """Whether a ``default`` or range response documents any other status."""
        return any(not r.status.isdigit() for r in self.responses)


@dataclass(frozen=True, slots=True)
class TagGroup:
    """A tag: one server module with its handler Protocol and router factory."""

    name: str
    module: str
    class_prefix: str
    description: str
    operations: tuple[Operation, ...]


@dataclass(frozen=True, slots=True)
class SdkNamespace:
    """A resource namespace of the SDK (``client.invoices`` or ``client.invoices.accounting_sync``)."""

    attr: str
    class_name: str
    path: tuple[str, ...]
    operations: tuple[Operation, ...]
    children: tuple[SdkNamespace, ...] = ()

    def walk(self) -> tuple[SdkNamespace, ...]:
        """This namespace and every descendant, children first (definition order for templates)."""
        found: list[SdkNamespace] = []
        for child in self.children:
            found.extend(child.walk())
        found.append(self)
        return tuple(found)


@dataclass(frozen=True, slots=True)
class Webhook:
    """A webhook the API sends: its name and payload DTO."""

    name: str
    type: TypeRef
    description: str


@dataclass(frozen=True, slots=True)
class DtoModule:
    """The DTO source produced by datamodel-code-generator, and the classes it defines."""

    source: str
    class_names: tuple[str, ...]
    enum_names: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Auth:
    """How the SDK authenticates: an API key header and/or a bearer token."""

    api_key_header: str | None
    bearer: bool
    organization_header: str | None


@dataclass(frozen=True, slots=True)
class Api:
    """The whole API as the templates see it."""

    title: str
    version: str
    description: str
    base_path: str
    default_base_url: str
    package: str
    server_package: str
    client_class: str
    env_prefix: str
    auth: Auth
    tags: tuple[TagGroup, ...]
    namespaces: tuple[SdkNamespace, ...]
    webhooks: tuple[Webhook, ...]
    dtos: DtoModule
    security_schemes: tuple[str, ...] = field(default=())

    @property
    def operations(self) -> tuple[Operation, ...]:
        """Every operation, in tag then definition order."""
        return tuple(op for tag in self.tags for op in tag.operations)
