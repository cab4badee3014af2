"""Hand-written fixture recipes: endpoints, lifecycle, parameters, bodies, responses, properties, security.

Each entry: (base mutators, revision mutators, other expected ids, options). See ``recipes.py``.
"""

from __future__ import annotations

from typing import Any

from tests.diffing.recipes import Doc, Mutator, Recipe

POLICY = {"today": "2030-01-01", "deprecation_days_stable": 30, "deprecation_days_beta": 30}
TODAY = {"today": "2030-01-01"}
_STRING = {"type": "string"}


def op(**fields: Any) -> Mutator:
    """Set fields of the fixture operation (``POST /items/{id}``)."""

    def apply(doc: Doc) -> None:
        doc["paths"]["/items/{id}"]["post"].update(fields)

    return apply


def drop(*keys: str) -> Mutator:
    """Remove fields of the fixture operation."""

    def apply(doc: Doc) -> None:
        for key in keys:
            doc["paths"]["/items/{id}"]["post"].pop(key, None)

    return apply


def path(template: str, *, method: str = "get", **fields: Any) -> Mutator:
    """Add an operation."""

    def apply(doc: Doc) -> None:
        operation = {"responses": {"200": {"description": "ok"}}, **fields}
        doc["paths"].setdefault(template, {})[method] = operation

    return apply


def at(*keys: str, value: Any) -> Mutator:
    """Set a nested value (creating mappings on the way)."""

    def apply(doc: Doc) -> None:
        node = doc
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value

    return apply


def param(name: str, where: str = "query", **fields: Any) -> Mutator:
    """Add a parameter to the fixture operation."""

    def apply(doc: Doc) -> None:
        doc["paths"]["/items/{id}"]["post"]["parameters"].append(
            {"name": name, "in": where, "schema": {"type": "string"}, **fields}
        )

    return apply


def body(schema: Doc, **fields: Any) -> Mutator:
    """Replace the request body (``schema`` under application/json)."""
    return op(requestBody={"content": {"application/json": {"schema": schema}}, **fields})


def req_props(properties: Doc, required: list[str] | None = None) -> Mutator:
    """Replace the request body schema with an object of these properties."""
    schema: Doc = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return body(schema, required=True)


def resp_props(properties: Doc, required: list[str] | None = None) -> Mutator:
    """Replace the 200 response schema with an object of these properties."""
    schema: Doc = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return op(responses={"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}})


def responses(mapping: Doc) -> Mutator:
    """Replace the responses."""
    return op(responses=mapping)


def _ok(media: str = "application/json", schema: Doc | None = None, **extra: Any) -> Doc:
    content = {media: {"schema": schema or {"type": "object"}}}
    return {"description": "ok", "content": content, **extra}


def security_scheme(name: str, scheme: Doc) -> Mutator:
    """Add a security scheme component."""
    return at("components", "securitySchemes", name, value=scheme)


def _oauth(**flow: Any) -> Doc:
    base = {
        "authorizationUrl": "https://a.example/auth",
        "tokenUrl": "https://a.example/token",
        "scopes": {"read": "read things"},
    }
    return {"type": "oauth2", "flows": {"authorizationCode": {**base, **flow}}}


_LEGACY = "/legacy"
_WEBHOOK: dict[str, Any] = {"post": {"responses": {"200": {"description": "ok"}}}}
_DEPRECATED: dict[str, Any] = {"deprecated": True}


def _flags(flag: str, on: bool) -> Doc:
    return {"type": "string", **({flag: True} if on else {})}


def _ro_wo_recipes() -> dict[str, Recipe]:
    recipes: dict[str, Recipe] = {}
    for direction in ("request", "response"):
        place = req_props if direction == "request" else resp_props
        for kind in ("required", "optional"):
            required = ["p"] if kind == "required" else None
            for flag, label in (("readOnly", "read-only"), ("writeOnly", "write-only")):
                check_id = f"{direction}-{kind}-property-became-{label}"
                recipes[check_id] = (
                    [place({"p": _flags(flag, False)}, required)],
                    [place({"p": _flags(flag, True)}, required)],
                    [],
                    {},
                )
                recipes[f"{direction}-{kind}-property-became-not-{label}"] = (
                    [place({"p": _flags(flag, True)}, required)],
                    [place({"p": _flags(flag, False)}, required)],
                    [],
                    {},
                )
    return recipes


MANUAL: dict[str, Recipe] = {
    # endpoints
    "endpoint-added": ([], [path("/things")], [], {}),
    "api-path-removed-without-deprecation": ([path(_LEGACY)], [], [], {}),
    "api-path-removed-with-deprecation": ([path(_LEGACY, **_DEPRECATED)], [], [], {}),
    "api-path-removed-before-sunset": ([path(_LEGACY, deprecated=True, **{"x-sunset": "2031-01-01"})], [], [], TODAY),
    "api-path-sunset-parse": ([path(_LEGACY, deprecated=True, **{"x-sunset": "soon"})], [], [], {}),
    "api-removed-without-deprecation": ([path("/items/{id}")], [], [], {}),
    "api-removed-with-deprecation": ([path("/items/{id}", **_DEPRECATED)], [], [], {}),
    "api-removed-before-sunset": ([path("/items/{id}", deprecated=True, **{"x-sunset": "2031-01-01"})], [], [], TODAY),
    "endpoint-deprecated": ([], [op(deprecated=True)], [], {}),
    "endpoint-deprecated-with-sunset": ([], [op(deprecated=True, **{"x-sunset": "2031-01-01"})], [], TODAY),
    "endpoint-reactivated": ([op(deprecated=True)], [], [], {}),
    "api-deprecated-sunset-parse": ([], [op(deprecated=True, **{"x-sunset": "soon"})], [], {}),
    "api-deprecated-sunset-missing": ([], [op(deprecated=True)], [], POLICY),
    "api-sunset-date-too-small": ([], [op(deprecated=True, **{"x-sunset": "2030-01-10"})], [], POLICY),
    "sunset-deleted": ([op(deprecated=True, **{"x-sunset": "2031-01-01"})], [op(deprecated=True)], [], {}),
    "api-sunset-date-changed-too-small": (
        [op(deprecated=True, **{"x-sunset": "2030-06-01"})],
        [op(deprecated=True, **{"x-sunset": "2030-01-10"})],
        [],
        POLICY,
    ),
    "api-stability-decreased": ([op(**{"x-stability-level": "stable"})], [op(**{"x-stability-level": "beta"})], [], {}),
    "api-stability-increased": ([op(**{"x-stability-level": "beta"})], [op(**{"x-stability-level": "stable"})], [], {}),
    "api-invalid-stability-level": ([], [op(**{"x-stability-level": "experimental"})], [], {}),
    "api-operation-id-removed": ([], [drop("operationId")], [], {}),
    "api-operation-id-added": ([drop("operationId")], [], [], {}),
    "api-tag-added": ([], [op(tags=["items"])], [], {}),
    "api-tag-removed": ([op(tags=["items"])], [], [], {}),
    "webhook-added": ([], [at("webhooks", "itemCreated", value=_WEBHOOK)], [], {}),
    "webhook-removed": ([at("webhooks", "itemCreated", value=_WEBHOOK)], [], [], {}),
    "api-schema-removed": ([at("components", "schemas", "Unused", value=_STRING)], [], [], {}),
    # versioning (a removed required response property is the breaking change)
    "api-version-not-bumped": (
        [],
        [at("info", "version", value="1.0.0"), resp_props({})],
        ["response-required-property-removed"],
        {},
    ),
    "api-version-decreased": (
        [at("info", "version", value="1.2.0")],
        [at("info", "version", value="1.1.0"), resp_props({})],
        ["response-required-property-removed"],
        {},
    ),
    "api-major-version-not-bumped": (
        [],
        [at("info", "version", value="1.1.0"), resp_props({})],
        ["response-required-property-removed"],
        {},
    ),
    # security
    "api-security-added": ([], [op(security=[{"key": []}])], [], {}),
    "api-security-removed": ([op(security=[{"key": []}])], [op(security=[])], [], {}),
    "api-security-scope-added": (
        [op(security=[{"oauth": ["read"]}])],
        [op(security=[{"oauth": ["read", "write"]}])],
        [],
        {},
    ),
    "api-security-scope-removed": (
        [op(security=[{"oauth": ["read", "write"]}])],
        [op(security=[{"oauth": ["read"]}])],
        [],
        {},
    ),
    "api-global-security-added": ([], [at("security", value=[{"key": []}])], [], {}),
    "api-global-security-removed": ([at("security", value=[{"key": []}])], [], [], {}),
    "api-global-security-scope-added": (
        [at("security", value=[{"oauth": ["read"]}])],
        [at("security", value=[{"oauth": ["read", "write"]}])],
        [],
        {},
    ),
    "api-global-security-scope-removed": (
        [at("security", value=[{"oauth": ["read", "write"]}])],
        [at("security", value=[{"oauth": ["read"]}])],
        [],
        {},
    ),
    "api-security-component-added": (
        [],
        [security_scheme("key", {"type": "apiKey", "in": "header", "name": "k"})],
        [],
        {},
    ),
    "api-security-component-removed": (
        [security_scheme("key", {"type": "apiKey", "in": "header", "name": "k"})],
        [],
        [],
        {},
    ),
    "api-security-component-type-changed": (
        [security_scheme("key", {"type": "apiKey", "in": "header", "name": "k"})],
        [security_scheme("key", {"type": "http", "scheme": "bearer"})],
        [],
        {},
    ),
    "api-security-component-oauth-url-changed": (
        [security_scheme("oauth", _oauth())],
        [security_scheme("oauth", _oauth(authorizationUrl="https://b.example/auth"))],
        [],
        {},
    ),
    "api-security-component-oauth-token-url-changed": (
        [security_scheme("oauth", _oauth())],
        [security_scheme("oauth", _oauth(tokenUrl="https://b.example/t"))],
        [],
        {},
    ),
    "api-security-component-oauth-scope-added": (
        [security_scheme("oauth", _oauth())],
        [security_scheme("oauth", _oauth(scopes={"read": "read things", "write": "write things"}))],
        [],
        {},
    ),
    "api-security-component-oauth-scope-removed": (
        [security_scheme("oauth", _oauth(scopes={"read": "read things", "write": "write things"}))],
        [security_scheme("oauth", _oauth())],
        [],
        {},
    ),
    "api-security-component-oauth-scope-changed": (
        [security_scheme("oauth", _oauth())],
        [security_scheme("oauth", _oauth(scopes={"read": "read all"}))],
        [],
        {},
    ),
    # parameters
    "new-required-request-parameter": ([], [param("mode", required=True)], [], {}),
    "new-optional-request-parameter": ([], [param("mode")], [], {}),
    "new-request-path-parameter": ([op(parameters=[])], [], [], {}),
    "new-required-request-default-parameter-to-existing-path": (
        [],
        [
            at(
                "paths",
                "/items/{id}",
                "parameters",
                value=[{"name": "X-Tenant", "in": "header", "required": True, "schema": _STRING}],
            )
        ],
        [],
        {},
    ),
    "new-optional-request-default-parameter-to-existing-path": (
        [],
        [at("paths", "/items/{id}", "parameters", value=[{"name": "X-Tenant", "in": "header", "schema": _STRING}])],
        [],
        {},
    ),
    "request-parameter-removed": ([param("mode")], [], [], {}),
    "request-parameter-removed-with-deprecation": ([param("mode", deprecated=True)], [], [], {}),
    "request-parameter-removed-before-sunset": (
        [param("mode", deprecated=True, **{"x-sunset": "2031-01-01"})],
        [],
        [],
        TODAY,
    ),
    "request-parameter-sunset-parse": ([param("mode", deprecated=True, **{"x-sunset": "soon"})], [], [], {}),
    "request-parameter-became-required": ([param("mode")], [param("mode", required=True)], [], {}),
    "request-parameter-became-optional": ([param("mode", required=True)], [param("mode")], [], {}),
    "request-parameter-deprecated": ([param("mode")], [param("mode", deprecated=True)], [], {}),
    "request-parameter-reactivated": ([param("mode", deprecated=True)], [param("mode")], [], {}),
    "request-parameter-deprecated-sunset-missing": ([param("mode")], [param("mode", deprecated=True)], [], POLICY),
    "request-parameter-sunset-date-too-small": (
        [param("mode")],
        [param("mode", deprecated=True, **{"x-sunset": "2030-01-10"})],
        [],
        POLICY,
    ),
    "request-parameter-sunset-deleted": (
        [param("mode", deprecated=True, **{"x-sunset": "2031-01-01"})],
        [param("mode", deprecated=True)],
        [],
        {},
    ),
    "request-parameter-sunset-date-changed-too-small": (
        [param("mode", deprecated=True, **{"x-sunset": "2030-06-01"})],
        [param("mode", deprecated=True, **{"x-sunset": "2030-01-10"})],
        [],
        POLICY,
    ),
    "new-required-request-header-property": (
        [param("X-Filter", "header", schema={"type": "object", "properties": {"a": _STRING}})],
        [
            param(
                "X-Filter",
                "header",
                schema={"type": "object", "properties": {"a": _STRING, "b": _STRING}, "required": ["b"]},
            )
        ],
        [],
        {},
    ),
    "request-header-property-became-required": (
        [param("X-Filter", "header", schema={"type": "object", "properties": {"a": _STRING}})],
        [param("X-Filter", "header", schema={"type": "object", "properties": {"a": _STRING}, "required": ["a"]})],
        [],
        {},
    ),
    # request body
    "request-body-added-required": ([drop("requestBody")], [], [], {}),
    "request-body-added-optional": ([drop("requestBody")], [body({"type": "object"})], [], {}),
    "request-body-removed": ([], [drop("requestBody")], [], {}),
    "request-body-became-optional": ([body({"type": "object"}, required=True)], [body({"type": "object"})], [], {}),
    "request-body-became-required": ([body({"type": "object"})], [body({"type": "object"}, required=True)], [], {}),
    "request-body-media-type-added": (
        [],
        [
            op(
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": {"name": _STRING}}},
                        "application/xml": {"schema": {"type": "object"}},
                    },
                }
            )
        ],
        [],
        {},
    ),
    "request-body-media-type-removed": (
        [
            op(
                requestBody={
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": {"name": _STRING}}},
                        "application/xml": {"schema": {"type": "object"}},
                    },
                }
            )
        ],
        [],
        [],
        {},
    ),
    "request-body-media-type-schema-added": (
        [op(requestBody={"content": {"application/json": {}}})],
        [op(requestBody={"content": {"application/json": {"schema": _STRING}}})],
        [],
        {},
    ),
    "request-body-media-type-schema-removed": (
        [op(requestBody={"content": {"application/json": {"schema": _STRING}}})],
        [op(requestBody={"content": {"application/json": {}}})],
        [],
        {},
    ),
    # request properties
    "request-property-removed": ([req_props({"a": _STRING, "b": _STRING})], [req_props({"a": _STRING})], [], {}),
    "new-required-request-property": (
        [req_props({"a": _STRING})],
        [req_props({"a": _STRING, "b": _STRING}, ["b"])],
        [],
        {},
    ),
    "new-required-request-property-with-default": (
        [req_props({"a": _STRING})],
        [req_props({"a": _STRING, "b": {"type": "string", "default": "x"}}, ["b"])],
        [],
        {},
    ),
    "new-optional-request-property": ([req_props({"a": _STRING})], [req_props({"a": _STRING, "b": _STRING})], [], {}),
    "request-property-became-required": ([req_props({"a": _STRING})], [req_props({"a": _STRING}, ["a"])], [], {}),
    "request-property-became-required-with-default": (
        [req_props({"a": {"type": "string", "default": "x"}})],
        [req_props({"a": {"type": "string", "default": "x"}}, ["a"])],
        [],
        {},
    ),
    "request-property-became-optional": ([req_props({"a": _STRING}, ["a"])], [req_props({"a": _STRING})], [], {}),
    # responses
    "response-success-status-removed": ([responses({"200": _ok(), "201": _ok()})], [responses({"200": _ok()})], [], {}),
    "response-success-status-added": ([responses({"200": _ok()})], [responses({"200": _ok(), "201": _ok()})], [], {}),
    "response-non-success-status-removed": (
        [responses({"200": _ok(), "404": _ok()})],
        [responses({"200": _ok()})],
        [],
        {},
    ),
    "response-non-success-status-added": (
        [responses({"200": _ok()})],
        [responses({"200": _ok(), "404": _ok()})],
        [],
        {},
    ),
    "response-media-type-removed": (
        [
            op(
                responses={
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": _STRING}, "application/xml": {"schema": _STRING}},
                    }
                }
            )
        ],
        [responses({"200": _ok(schema=_STRING)})],
        [],
        {},
    ),
    "response-media-type-added": (
        [responses({"200": _ok(schema=_STRING)})],
        [
            op(
                responses={
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": _STRING}, "application/xml": {"schema": _STRING}},
                    }
                }
            )
        ],
        [],
        {},
    ),
    "response-media-type-name-changed": (
        [responses({"200": _ok(schema=_STRING)})],
        [responses({"200": _ok("application/json; charset=utf-8", _STRING)})],
        [],
        {},
    ),
    "response-media-type-name-generalized": (
        [responses({"200": _ok(schema=_STRING)})],
        [responses({"200": _ok("application/*", _STRING)})],
        [],
        {},
    ),
    "response-media-type-name-specialized": (
        [responses({"200": _ok("application/*", _STRING)})],
        [responses({"200": _ok(schema=_STRING)})],
        [],
        {},
    ),
    "response-body-media-type-schema-added": (
        [responses({"200": {"description": "ok", "content": {"application/json": {}}}})],
        [responses({"200": _ok(schema=_STRING)})],
        [],
        {},
    ),
    "response-body-media-type-schema-removed": (
        [responses({"200": _ok(schema=_STRING)})],
        [responses({"200": {"description": "ok", "content": {"application/json": {}}}})],
        [],
        {},
    ),
    "response-header-added": (
        [],
        [
            at(
                "paths",
                "/items/{id}",
                "post",
                "responses",
                "200",
                "headers",
                value={"X-Rate": {"schema": {"type": "integer"}}},
            )
        ],
        [],
        {},
    ),
    "required-response-header-removed": (
        [
            at(
                "paths",
                "/items/{id}",
                "post",
                "responses",
                "200",
                "headers",
                value={"X-Rate": {"required": True, "schema": {"type": "integer"}}},
            )
        ],
        [],
        [],
        {},
    ),
    "optional-response-header-removed": (
        [
            at(
                "paths",
                "/items/{id}",
                "post",
                "responses",
                "200",
                "headers",
                value={"X-Rate": {"schema": {"type": "integer"}}},
            )
        ],
        [],
        [],
        {},
    ),
    "response-header-became-optional": (
        [
            at(
                "paths",
                "/items/{id}",
                "post",
                "responses",
                "200",
                "headers",
                value={"X-Rate": {"required": True, "schema": {"type": "integer"}}},
            )
        ],
        [
            at(
                "paths",
                "/items/{id}",
                "post",
                "responses",
                "200",
                "headers",
                value={"X-Rate": {"schema": {"type": "integer"}}},
            )
        ],
        [],
        {},
    ),
    # response properties
    "response-required-property-removed": (
        [resp_props({"a": _STRING, "b": _STRING}, ["a", "b"])],
        [resp_props({"a": _STRING}, ["a"])],
        [],
        {},
    ),
    "response-optional-property-removed": (
        [resp_props({"a": _STRING, "b": _STRING})],
        [resp_props({"a": _STRING})],
        [],
        {},
    ),
    "response-required-write-only-property-removed": (
        [resp_props({"a": _STRING, "b": {"type": "string", "writeOnly": True}}, ["b"])],
        [resp_props({"a": _STRING})],
        [],
        {},
    ),
    "response-optional-write-only-property-removed": (
        [resp_props({"a": _STRING, "b": {"type": "string", "writeOnly": True}})],
        [resp_props({"a": _STRING})],
        [],
        {},
    ),
    "response-required-property-added": (
        [resp_props({"a": _STRING})],
        [resp_props({"a": _STRING, "b": _STRING}, ["b"])],
        [],
        {},
    ),
    "response-optional-property-added": (
        [resp_props({"a": _STRING})],
        [resp_props({"a": _STRING, "b": _STRING})],
        [],
        {},
    ),
    "response-required-write-only-property-added": (
        [resp_props({"a": _STRING})],
        [resp_props({"a": _STRING, "b": {"type": "string", "writeOnly": True}}, ["b"])],
        [],
        {},
    ),
    "response-optional-write-only-property-added": (
        [resp_props({"a": _STRING})],
        [resp_props({"a": _STRING, "b": {"type": "string", "writeOnly": True}})],
        [],
        {},
    ),
    "response-property-became-optional": ([resp_props({"a": _STRING}, ["a"])], [resp_props({"a": _STRING})], [], {}),
    "response-property-became-required": ([resp_props({"a": _STRING})], [resp_props({"a": _STRING}, ["a"])], [], {}),
    "response-write-only-property-became-optional": (
        [resp_props({"a": {"type": "string", "writeOnly": True}}, ["a"])],
        [resp_props({"a": {"type": "string", "writeOnly": True}})],
        [],
        {},
    ),
    "response-write-only-property-became-required": (
        [resp_props({"a": {"type": "string", "writeOnly": True}})],
        [resp_props({"a": {"type": "string", "writeOnly": True}}, ["a"])],
        [],
        {},
    ),
    **_ro_wo_recipes(),
}
