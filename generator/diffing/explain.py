"""Why a change breaks callers, in one sentence an API designer can act on.

The sentence is chosen from what changed (the id's keyword) and the direction: narrowing a request
rejects callers that were valid, widening a response surprises clients that relied on the old shape.
"""

from __future__ import annotations

from generator.diffing.catalogue import Check

__all__ = ["why_breaking"]

_REQUEST_WHY: tuple[tuple[str, str], ...] = (
    ("removed-before-sunset", "callers were promised the parameter until its sunset date."),
    ("sunset", "the deprecation period is shorter than the policy allows or its date cannot be read."),
    ("enum-value-removed", "callers still sending the removed value will have their requests rejected."),
    ("became-enum", "callers sending any value outside the new enum will have their requests rejected."),
    ("became-not-nullable", "callers sending null will have their requests rejected."),
    ("list-of-types-narrowed", "callers sending a value of a dropped type will have their requests rejected."),
    ("type-", "callers sending values of the old type will have their requests rejected."),
    ("max-length", "callers sending values longer than the new limit will have their requests rejected."),
    ("min-length", "callers sending values shorter than the new limit will have their requests rejected."),
    ("max-items", "callers sending more items than the new limit will have their requests rejected."),
    ("min-items", "callers sending fewer items than the new limit will have their requests rejected."),
    ("max", "callers sending values above the new maximum will have their requests rejected."),
    ("min", "callers sending values below the new minimum will have their requests rejected."),
    ("pattern", "callers sending values that do not match the new pattern will have their requests rejected."),
    ("default-value", "callers omitting the value now get a different behaviour than they were built for."),
    ("const", "callers sending any other value will have their requests rejected."),
    ("new-required", "existing callers do not send the new required field, so their requests will be rejected."),
    ("new-request-path-parameter", "existing URLs no longer match the operation."),
    ("became-required", "existing callers may omit it, and their requests will be rejected."),
    ("request-parameter-removed", "callers still sending it may have their requests rejected or misread."),
    ("request-property-removed", "callers still sending it may have their requests rejected as unknown fields."),
    ("media-type-removed", "callers sending that content type will get 415 errors."),
    ("request-body-removed", "callers sending a body will have their requests rejected."),
    ("added-required", "existing callers send no body, so their requests will be rejected."),
    ("media-type-schema-added", "payloads that were free-form are now validated and may be rejected."),
    ("one-of-removed", "callers sending the removed alternative will have their requests rejected."),
    ("any-of-removed", "callers sending the removed alternative will have their requests rejected."),
    ("all-of-added", "payloads must now also satisfy the added subschema, so some will be rejected."),
    ("all-of-removed", "the payload shape changed; callers built for the old one may be rejected."),
    ("wrapped-in-one-of", "payloads valid under the old schema may now match several alternatives and be rejected."),
)

_RESPONSE_WHY: tuple[tuple[str, str], ...] = (
    ("enum-value-added", "clients that switch over the known values will meet one they cannot handle."),
    ("became-nullable", "clients that never expected null may crash on it."),
    ("list-of-types-widened", "clients will receive values of a type they were not built to parse."),
    ("type-", "clients will receive values of a type they were not built to parse."),
    ("max", "clients may receive values beyond the limit they were built for."),
    ("min", "clients may receive values beyond the limit they were built for."),
    ("required-property-removed", "clients that read the field will find it missing."),
    ("optional-property-removed", "clients that read the field will no longer get it."),
    ("became-optional", "clients that rely on the field being present may find it missing."),
    ("required-response-header-removed", "clients that read the header will find it missing."),
    ("optional-response-header-removed", "clients that read the header will no longer get it."),
    ("header-became-optional", "clients that rely on the header may find it missing."),
    ("success-status-removed", "clients expecting that status code will treat the response as unexpected."),
    ("media-type-removed", "clients asking for that content type will get 406 errors or unexpected payloads."),
    ("media-type-name", "clients may receive a content type they cannot parse."),
    ("media-type-schema-removed", "the response is no longer described, so clients cannot rely on its shape."),
    ("one-of-added", "clients will receive a shape they were not built to parse."),
    ("wrapped-in-one-of", "clients will receive shapes they were not built to parse."),
    ("const", "clients that relied on the fixed value may receive another one."),
    ("write-only", "clients that read the field will no longer get it."),
    ("-removed", "clients relying on that constraint may receive data they cannot handle."),
    ("-changed", "clients may receive data they were not built for."),
)

_NONE_WHY: tuple[tuple[str, str], ...] = (
    ("removed-without-deprecation", "existing callers get 404 with no deprecation period to migrate."),
    ("removed-before-sunset", "callers were promised the operation until its sunset date."),
    ("sunset-parse", "the x-sunset date cannot be read, so callers cannot plan their migration."),
    ("stability-decreased", "callers built against a stable operation lose its guarantees."),
    ("webhook-removed", "subscribers stop receiving an event they were built to handle."),
    ("sunset-deleted", "callers lose the date they were planning their migration around."),
    ("invalid-stability", "x-stability-level must be draft, alpha, beta or stable."),
    ("sunset", "the deprecation period is shorter than the policy allows."),
)


def why_breaking(check: Check) -> str:
    """One sentence on why this kind of change breaks callers (``""`` for informational checks)."""
    if "non-breaking" in check.impact or "informational" in check.impact:
        return ""
    table = {"request": _REQUEST_WHY, "response": _RESPONSE_WHY}.get(check.direction, _NONE_WHY)
    for needle, sentence in table:
        if needle in check.id:
            return sentence[0].upper() + sentence[1:]
    impact = check.impact or "existing integrations may break"
    return impact[0].upper() + impact[1:] + "."
