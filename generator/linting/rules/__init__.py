"""The style guide's rules, one module each, in the order the docs list them."""

from __future__ import annotations

from generator.linting.model import Rule
from generator.linting.rules import (
    create_returns_201,
    deprecated_sunset,
    enum_snake_case,
    example_valid,
    id_prefix_pattern,
    list_pagination,
    money_integer,
    no_nullable_keyword,
    no_unused_components,
    operation_description,
    operation_id_camel_case,
    operation_id_unique,
    operation_sdk_method,
    operation_security_scopes,
    operation_single_tag,
    operation_summary,
    organization_header,
    parameter_snake_case,
    patch_if_match,
    path_base,
    path_kebab_case,
    post_idempotency_key,
    problem_json_content,
    problem_responses,
    property_snake_case,
    request_body_strict,
    request_string_bounded,
)

__all__ = ["RULES"]

RULES: tuple[Rule, ...] = tuple(
    module.RULE
    for module in (
        # operations
        operation_id_unique,
        operation_id_camel_case,
        operation_single_tag,
        operation_summary,
        operation_description,
        operation_sdk_method,
        operation_security_scopes,
        organization_header,
        problem_responses,
        problem_json_content,
        list_pagination,
        post_idempotency_key,
        create_returns_201,
        patch_if_match,
        deprecated_sunset,
        # paths and names
        path_base,
        path_kebab_case,
        parameter_snake_case,
        property_snake_case,
        enum_snake_case,
        # schemas
        id_prefix_pattern,
        money_integer,
        request_body_strict,
        request_string_bounded,
        example_valid,
        no_nullable_keyword,
        no_unused_components,
    )
)
