"""The codegen IR: a bundled OpenAPI document turned into frozen dataclasses for the templates."""

from __future__ import annotations

from generator.ir.builder import BuildOptions, build_api
from generator.ir.errors import CodegenError, Unsupported
from generator.ir.model import (
    Api,
    Auth,
    Body,
    DtoModule,
    Operation,
    Pagination,
    Parameter,
    Response,
    SdkNamespace,
    SecurityRequirement,
    TagGroup,
    TypeRef,
    Webhook,
)

__all__ = [
    "Api",
    "Auth",
    "Body",
    "BuildOptions",
    "CodegenError",
    "DtoModule",
    "Operation",
    "Pagination",
    "Parameter",
    "Response",
    "SdkNamespace",
    "SecurityRequirement",
    "TagGroup",
    "TypeRef",
    "Unsupported",
    "Webhook",
    "build_api",
]
