"""What each problem ``code`` means to a caller: the usual causes and how to fix the call.

The spec owns the codes, their statuses and one-line meanings (``ProblemCode``); this module adds
the guidance an error page needs. A code without guidance here still gets a page (built from the
spec alone); a test keeps this table complete for our contract.
"""

from __future__ import annotations

__all__ = ["GUIDE", "Guidance"]

Guidance = tuple[tuple[str, ...], tuple[str, ...]]
"""(usual causes, how to fix), each a tuple of markdown sentences."""

GUIDE: dict[str, Guidance] = {
    "invalid_credentials": (
        (
            "The `x-api-key` header (or `Authorization: Bearer ...`) is missing.",
            "The key is unknown, revoked, inactive or past its `expires_at`; or the bearer token expired.",
            "Bearer auth is malformed: the header is not exactly `Authorization: Bearer <token>`.",
            "A test key (`ast_test_...`) is used against live data or the other way round, or the key was "
            "copied with whitespace or truncated.",
        ),
        (
            "Check the key value: it starts with `ast_live_` or `ast_test_` and is sent unchanged in `x-api-key`.",
            "Check the key's expiry and status in the security settings; rotate or create a new key if it "
            "expired or was revoked.",
            "Check that the request sends the right `x-organization-id` for that key.",
            "The `detail` says which case applies (missing, malformed, unknown, expired, revoked); the "
            "`WWW-Authenticate` header lists the accepted schemes.",
        ),
    ),
    "ambiguous_credentials": (
        ("The request sends both `x-api-key` and `Authorization`.",),
        (
            "Send exactly one credential: `x-api-key` for server-to-server calls, or a bearer token for a "
            "user session. HTTP clients that add a default `Authorization` header are a common cause.",
        ),
    ),
    "organization_required": (
        (
            "The `x-organization-id` header is missing.",
            "The value is malformed: it must look like `org_` followed by 26 ULID characters.",
        ),
        (
            "Send `x-organization-id: org_...` on every request, with either credential.",
            "With the SDK, pass `organization_id=` to `Asteri(...)` or set `ASTERI_ORGANIZATION_ID`.",
        ),
    ),
    "organization_access_denied": (
        (
            "The API key belongs to another organization than the one in `x-organization-id`.",
            "The user behind the bearer token is not a member of that organization.",
            "The organization id has a typo (the answer is the same whether the organization exists or not).",
        ),
        (
            "Use the organization id the key was created in, or create a key in the target organization.",
            "Switch organization in the app and use a token of a member of that organization.",
        ),
    ),
    "missing_scope": (
        (
            "The key lacks a scope the operation requires, such as `read:customers` or `write:estimates`; "
            "the problem's `required_scopes` lists them.",
            "`write:<resource>` does not imply `read:<resource>`: a key that creates estimates but reads "
            "them back needs both.",
            "The user's role in this organization does not grant the scope (bearer tokens).",
        ),
        (
            "Update the key's scopes in the security settings (or create a key with them; a key can never "
            "carry more scopes than its creator holds), or switch to an organization where the role has them.",
            "The Authentication guide lists every scope and the operations that need it.",
        ),
    ),
    "rate_limited": (
        (
            "The key (or user and organization) used up its per-minute or per-day quota; `limit_window` says which.",
            "Tight loops, parallel workers sharing one key, or blind retry loops that replay failed calls.",
        ),
        (
            "Back off: wait at least `Retry-After` seconds (also in `retry_after`) before the next call; the "
            "window resets then.",
            "Avoid blind replay loops: retry with exponential backoff and jitter, and never faster than the "
            "window allows.",
            "Watch the `RateLimit` header (`r` remaining, `t` seconds to reset) and slow down before it "
            "reaches zero; ask for higher limits if your steady load needs them.",
        ),
    ),
    "malformed_json": (
        ("The body is not valid JSON: a trailing comma, single quotes, an unescaped character, or a truncated body.",),
        (
            "Serialize the body with a JSON library instead of building strings by hand, and send "
            "`Content-Type: application/json`.",
        ),
    ),
    "unsupported_media_type": (
        (
            "The `Content-Type` is missing or not one the operation accepts (for example `text/plain` or "
            "form encoding instead of `application/json`).",
        ),
        ("Send `Content-Type: application/json` (file uploads: the media type the operation documents).",),
    ),
    "payload_too_large": (
        ("The request body is bigger than the size limit.",),
        ("Send less per request (split batches), or upload large content through the files endpoints.",),
    ),
    "validation_failed": (
        (
            "A field breaks the schema: wrong type, out of range, too long, an unknown enum value, or a "
            "missing required field.",
            "An unknown field was sent (request bodies are strict).",
            "A referenced id does not exist in this organization and environment.",
            "A query parameter is invalid (for example `limit` outside 1..100).",
        ),
        (
            "Read `errors`: one entry per invalid field, with its JSON pointer and what is wrong.",
            "Compare the body with the operation's request schema in the reference; remove fields it does not list.",
            "Check that referenced ids belong to the same organization and environment as the key.",
        ),
    ),
    "not_found": (
        (
            "The object does not exist, was deleted, or belongs to another organization or environment.",
            "The path is wrong (a typo, or a missing `/api/public/v1` prefix).",
        ),
        (
            "Check the id (its prefix names the resource: `cus_`, `job_`, `inv_`...) and that the key's "
            "environment (`live` or `test`) matches the object's.",
            "List the resource to find the right id.",
        ),
    ),
    "method_not_allowed": (
        ("The path exists but not with this HTTP method (for example `PUT` instead of `PATCH`).",),
        ("Use a method the reference lists for the path; the `Allow` header names them.",),
    ),
    "conflict": (
        ("The request conflicts with the object's current state, for example a duplicate that must be unique.",),
        ("Read the object again, reconcile, then retry with a corrected request.",),
    ),
    "idempotency_key_reused": (
        ("The `Idempotency-Key` was already used within 24 hours with a different request body or path.",),
        (
            "Use a new key (a UUID v4) for every distinct request, and reuse a key only to retry exactly the "
            "same request.",
        ),
    ),
    "idempotency_key_in_use": (
        ("A request with the same `Idempotency-Key` is still being processed.",),
        ("Wait `Retry-After` seconds and retry with the same key and body: you will get the first request's result.",),
    ),
    "precondition_failed": (
        ("The `If-Match` value does not match the object's current `ETag`: it changed since you read it.",),
        ("Read the object again, re-apply your change to the fresh version, and send the new `ETag` in `If-Match`.",),
    ),
    "invalid_state_transition": (
        (
            "The action is not allowed from the object's current status (for example completing a job that "
            "is not in progress).",
        ),
        (
            "Read `current_status` and `allowed_actions` in the problem, and call an allowed action first.",
            "The resource's reference page shows its lifecycle.",
        ),
    ),
    "gone": (
        ("The operation was deprecated and is past its sunset date.",),
        ("Move to the replacement named in the changelog and the operation's deprecation notice.",),
    ),
    "internal_error": (
        ("An unexpected error on Asteri's side.",),
        (
            "Retry later with backoff (with the same `Idempotency-Key` for POSTs, so a retry is safe).",
            "If it persists, contact support and quote the `request_id`.",
        ),
    ),
    "service_unavailable": (
        ("Asteri is temporarily overloaded or in maintenance.",),
        ("Retry after `Retry-After` seconds with exponential backoff and jitter.",),
    ),
}
