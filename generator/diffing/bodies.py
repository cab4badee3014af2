"""Request bodies and responses: existence, requiredness, status codes, media types, headers, schemas."""

from __future__ import annotations

from typing import Any

from generator.diffing.context import Site
from generator.diffing.operations import Operation
from generator.diffing.schema_view import deref
from generator.diffing.schema_walk import SchemaWalker
from generator.loading.pointers import escape

__all__ = ["check_request_body", "check_responses"]


def _mapping(raw: Any) -> dict[str, Any]:
    return raw if isinstance(raw, dict) else {}


def check_request_body(walker: SchemaWalker, base: Operation, revision: Operation) -> None:
    """Report request body changes of one operation and compare the schemas of common media types."""
    sink = walker.sink
    context = sink.context
    old, old_pointer, _ = deref(context.base.data, base.node.get("requestBody"), base.pointer + "/requestBody")
    new, new_pointer, _ = deref(
        context.revision.data, revision.node.get("requestBody"), revision.pointer + "/requestBody"
    )
    where = "request body"
    if not isinstance(old, dict) and not isinstance(new, dict):
        return
    if not isinstance(old, dict):
        kind = "required" if new.get("required") is True else "optional"
        sink.emit(
            f"request-body-added-{kind}", f"{kind} request body added", location=where, revision_pointer=new_pointer
        )
        return
    if not isinstance(new, dict):
        sink.emit("request-body-removed", "request body removed", location=where, base_pointer=old_pointer)
        return
    was, now = old.get("required") is True, new.get("required") is True
    if was != now:
        verb = "required" if now else "optional"
        sink.emit(
            f"request-body-became-{verb}",
            f"request body became {verb}",
            location=where,
            base_pointer=old_pointer,
            revision_pointer=new_pointer,
        )
    old_content, new_content = _mapping(old.get("content")), _mapping(new.get("content"))
    for media in sorted(old_content.keys() | new_content.keys()):
        label = f"request body ({media})"
        old_media_pointer = f"{old_pointer}/content/{escape(media)}"
        new_media_pointer = f"{new_pointer}/content/{escape(media)}"
        if media not in new_content:
            sink.emit(
                "request-body-media-type-removed",
                f"media type '{media}' no longer accepted",
                location=label,
                base_pointer=old_media_pointer,
            )
        elif media not in old_content:
            sink.emit(
                "request-body-media-type-added",
                f"media type '{media}' now accepted",
                location=label,
                revision_pointer=new_media_pointer,
            )
        else:
            _media(
                walker,
                Site("request", "body", label),
                (_mapping(old_content[media]), old_media_pointer),
                (_mapping(new_content[media]), new_media_pointer),
            )


def _media(walker: SchemaWalker, site: Site, old: tuple[dict[str, Any], str], new: tuple[dict[str, Any], str]) -> None:
    sink = walker.sink
    (old_node, old_pointer), (new_node, new_pointer) = old, new
    has_old, has_new = "schema" in old_node, "schema" in new_node
    if has_old and has_new:
        walker.walk(site, old_node["schema"], old_pointer + "/schema", new_node["schema"], new_pointer + "/schema")
    elif has_old or has_new:
        verb = "added" if has_new else "removed"
        sink.emit(
            f"{site.direction}-body-media-type-schema-{verb}",
            f"{site.location}: schema {verb}",
            location=site.location,
            base_pointer=old_pointer,
            revision_pointer=new_pointer,
        )


def _success(status: str) -> bool:
    return status.startswith("2")


def check_responses(walker: SchemaWalker, base: Operation, revision: Operation) -> None:
    """Report response status, media type and header changes, and compare response schemas."""
    sink = walker.sink
    context = sink.context
    old_all = {str(key): value for key, value in _mapping(base.node.get("responses")).items()}
    new_all = {str(key): value for key, value in _mapping(revision.node.get("responses")).items()}
    for status in sorted(str(key) for key in old_all.keys() | new_all.keys()):
        kind = "success" if _success(status) else "non-success"
        label = f"response {status}"
        old_raw, new_raw = old_all.get(status), new_all.get(status)
        old, old_pointer, _ = deref(context.base.data, old_raw, f"{base.pointer}/responses/{status}")
        new, new_pointer, _ = deref(context.revision.data, new_raw, f"{revision.pointer}/responses/{status}")
        if not isinstance(new, dict) and isinstance(old, dict):
            sink.emit(f"response-{kind}-status-removed", f"{label} removed", location=label, base_pointer=old_pointer)
        elif not isinstance(old, dict) and isinstance(new, dict):
            sink.emit(f"response-{kind}-status-added", f"{label} added", location=label, revision_pointer=new_pointer)
        elif isinstance(old, dict) and isinstance(new, dict) and not context.same(old, old_pointer, new):
            _headers(walker, label, (old, old_pointer), (new, new_pointer))
            _contents(walker, label, (old, old_pointer), (new, new_pointer))


def _headers(
    walker: SchemaWalker, label: str, old: tuple[dict[str, Any], str], new: tuple[dict[str, Any], str]
) -> None:
    sink = walker.sink
    context = sink.context
    old_headers = {name.lower(): name for name in _mapping(old[0].get("headers"))}
    new_headers = {name.lower(): name for name in _mapping(new[0].get("headers"))}
    for key in sorted(old_headers.keys() | new_headers.keys()):
        name = new_headers.get(key) or old_headers[key]
        where = f"{label} header '{name}'"
        old_node = old_pointer = new_node = new_pointer = None
        if key in old_headers:
            old_node, old_pointer, _ = deref(
                context.base.data, old[0]["headers"][old_headers[key]], f"{old[1]}/headers/{escape(old_headers[key])}"
            )
        if key in new_headers:
            new_node, new_pointer, _ = deref(
                context.revision.data,
                new[0]["headers"][new_headers[key]],
                f"{new[1]}/headers/{escape(new_headers[key])}",
            )
        old_required = isinstance(old_node, dict) and old_node.get("required") is True
        new_required = isinstance(new_node, dict) and new_node.get("required") is True
        if not isinstance(new_node, dict):
            kind = "required" if old_required else "optional"
            sink.emit(f"{kind}-response-header-removed", f"{where} removed", location=where, base_pointer=old_pointer)
        elif not isinstance(old_node, dict):
            sink.emit("response-header-added", f"{where} added", location=where, revision_pointer=new_pointer)
        else:
            if old_required and not new_required:
                sink.emit(
                    "response-header-became-optional",
                    f"{where} became optional",
                    location=where,
                    base_pointer=old_pointer,
                    revision_pointer=new_pointer,
                )
            if "schema" in old_node and "schema" in new_node:
                walker.walk(
                    Site("response", "header", where),
                    old_node["schema"],
                    f"{old_pointer}/schema",
                    new_node["schema"],
                    f"{new_pointer}/schema",
                )


def _media_parts(media: str) -> tuple[str, str]:
    main, _, params = media.partition(";")
    return main.strip().lower(), params.strip()


def _covers(wide: str, narrow: str) -> bool:
    """Whether media range ``wide`` (``application/*``) covers ``narrow`` (``application/json``)."""
    wide_type, _, wide_sub = wide.partition("/")
    narrow_type = narrow.partition("/")[0]
    return wide != narrow and (wide == "*/*" or (wide_type == narrow_type and wide_sub == "*"))


def _contents(
    walker: SchemaWalker, label: str, old: tuple[dict[str, Any], str], new: tuple[dict[str, Any], str]
) -> None:
    sink = walker.sink
    old_content, new_content = _mapping(old[0].get("content")), _mapping(new[0].get("content"))
    removed = [media for media in old_content if media not in new_content]
    added = [media for media in new_content if media not in old_content]
    for media in removed:
        partner = _rename_partner(media, added)
        where = f"{label} ({media})"
        old_pointer = f"{old[1]}/content/{escape(media)}"
        if partner is None:
            sink.emit(
                "response-media-type-removed",
                f"{label}: media type '{media}' removed",
                location=where,
                base_pointer=old_pointer,
            )
            continue
        added.remove(partner)
        old_main, new_main = _media_parts(media)[0], _media_parts(partner)[0]
        verdict = (
            "generalized"
            if _covers(new_main, old_main)
            else "specialized"
            if _covers(old_main, new_main)
            else "changed"
        )
        new_pointer = f"{new[1]}/content/{escape(partner)}"
        sink.emit(
            f"response-media-type-name-{verdict}",
            f"{label}: media type '{media}' became '{partner}'",
            location=where,
            base_pointer=old_pointer,
            revision_pointer=new_pointer,
        )
        _media(
            walker,
            Site("response", "body", f"{label} ({partner})"),
            (_mapping(old_content[media]), old_pointer),
            (_mapping(new_content[partner]), new_pointer),
        )
    for media in added:
        sink.emit(
            "response-media-type-added",
            f"{label}: media type '{media}' added",
            location=f"{label} ({media})",
            revision_pointer=f"{new[1]}/content/{escape(media)}",
        )
    for media in old_content:
        if media in new_content:
            _media(
                walker,
                Site("response", "body", f"{label} ({media})"),
                (_mapping(old_content[media]), f"{old[1]}/content/{escape(media)}"),
                (_mapping(new_content[media]), f"{new[1]}/content/{escape(media)}"),
            )


def _rename_partner(media: str, added: list[str]) -> str | None:
    """An added media type that is the same one renamed: same type with other parameters, or a wildcard."""
    main, _ = _media_parts(media)
    for candidate in added:
        other, _ = _media_parts(candidate)
        if other == main or _covers(other, main) or _covers(main, other):
            return candidate
    return None
