"""``FilesHandlers``: uploads (streamed, typed from their bytes, hashed), metadata, downloads and deletes."""

# ruff: noqa: ARG002 - the generated Protocol fixes the signatures (the pipeline already used the headers)

from __future__ import annotations

import datetime
import json
from collections.abc import Iterator, Mapping
from typing import Any, BinaryIO, NoReturn

from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response, StreamingResponse

from generated import models
from generated.server.files import FilesHandlers
from generated.server.runtime import RequestContext
from server_impl.domain.errors import FieldError, ValidationFailed
from server_impl.domain.files import ContentTooLarge, StoredFile, UnsupportedContent
from server_impl.domain.idempotency import StoredResponse
from server_impl.domain.ids import new_id
from server_impl.handlers.common import caller_of, decode_cursor, page_cursor, principal_of, read, stored, write
from server_impl.handlers.content_disposition import attachment_disposition
from server_impl.services import files as use_cases
from server_impl.services.file_ports import FileFilter, FileStorage
from server_impl.services.files import Detector, StagedContent
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.ports import UnitOfWork, UnitOfWorkFactory
from server_impl.web.conditional import etag_for
from server_impl.web.idempotent import idempotent_write
from server_impl.web.problems import ImmediateResponse, ProblemError

PATH = "/api/public/v1/files"
UPLOAD_PATH = PATH
"""The upload operation's path: its body is streamed, not buffered, by the edge middleware."""
MULTIPART_OVERHEAD_BYTES = 64 * 1024
"""Room for the form's other fields and part headers on top of the file size limit."""
DOWNLOAD_CHUNK = 1 << 16


def file_dto(file: StoredFile) -> models.File:
    """Map a domain file to its contract representation."""
    dimensions = file.dimensions
    return models.File.model_validate(
        {
            "id": file.id,
            "object": "file",
            "status": file.status,
            "purpose": file.purpose,
            "filename": file.filename,
            "content_type": file.content_type,
            "detected_content_type": file.detected_content_type,
            "size_bytes": file.size_bytes,
            "sha256": file.sha256,
            "attachments": [
                {"resource_type": item.resource_type, "resource_id": item.resource_id} for item in file.attachments
            ],
            "failure_reason": file.failure_reason,
            "dimensions": None if dimensions is None else {"width": dimensions.width, "height": dimensions.height},
            "page_count": file.page_count,
            "ready_at": file.ready_at,
            "created_at": file.created_at,
            "updated_at": file.updated_at,
        }
    )


def file_document(file: StoredFile) -> Mapping[str, Any]:
    """Return a file in its contract shape as JSON values (the ``data.object`` of ``file.*`` events)."""
    return file_dto(file).model_dump(mode="json")


def _etag(file: StoredFile) -> str:
    return etag_for(file.id, file.version)


def _content_etag(file: StoredFile) -> str:
    return f'"{file.sha256}"'


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    try:
        while chunk := stream.read(DOWNLOAD_CHUNK):
            yield chunk
    finally:
        stream.close()


class Files(FilesHandlers):
    """Files over :mod:`server_impl.services.files` and a :class:`FileStorage`."""

    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        policy: IdempotencyPolicy,
        storage: FileStorage,
        *,
        max_upload_bytes: int,
        detect: Detector,
    ) -> None:
        self._uow = uow_factory
        self._policy = policy
        self._storage = storage
        self._max_upload_bytes = max_upload_bytes
        self._detect = detect

    async def list_files(
        self,
        context: RequestContext,
        *,
        limit: int,
        cursor: str | None,
        status: models.FileStatus | None,
        purpose: models.FilePurpose | None,
        attached_to: str | None,
        updated_since: datetime.datetime | None,
        x_organization_id: str,
    ) -> models.FileList:
        """List files newest first."""
        filters = FileFilter(
            status.value if status else None, purpose.value if purpose else None, attached_to, updated_since
        )
        after = decode_cursor(cursor)
        page = await read(
            self._uow,
            principal_of(context),
            lambda uow: use_cases.list_files(uow, filters, limit=limit, before_id=after),
        )
        next_cursor = page_cursor(context, [item.id for item in page.items], page.has_more)
        return models.FileList(
            object="list", data=[file_dto(item) for item in page.items], has_more=page.has_more, next_cursor=next_cursor
        )

    async def upload_file(
        self,
        context: RequestContext,
        *,
        x_organization_id: str,
        idempotency_key: str | None,
        body: models.FileUpload,
        files: Mapping[str, UploadFile],
    ) -> NoReturn:
        """Store an upload and record it ``pending`` (201, ``Location``, ``ETag``).

        The bytes are checked and stored first (415, 413 and an empty file store nothing); the row,
        its audit event and the idempotent response then commit together. If that write does not
        commit, or an ``Idempotency-Key`` replay answers instead, the stored bytes are removed.
        """
        part = files.get("file")
        if part is None:
            raise ValidationFailed((FieldError("/file", "Send the content as a file part (with a filename)."),))
        caller = caller_of(context)
        fields = body.model_dump(mode="json", exclude={"file"})
        staged = await self._receive(caller.principal.tenant, part)
        requested = {name.removesuffix("_id"): value for name, value in fields.items() if name.endswith("_id")}
        summary = {
            **fields,
            "file": {
                "filename": part.filename,
                "content_type": part.content_type,
                "size_bytes": staged.size_bytes,
                "sha256": staged.sha256,
            },
        }
        committed = False

        def work(uow: UnitOfWork) -> StoredResponse:
            nonlocal committed
            file = use_cases.create_file(
                uow,
                caller,
                staged,
                purpose=str(fields["purpose"]),
                filename=part.filename,
                declared_type=part.content_type,
                attachments=requested,
            )
            headers = (("Location", f"{PATH}/{file.id}"), ("ETag", _etag(file)))
            committed = True  # the guard commits right after this returns; a failed commit raises
            return stored(201, file_dto(file), headers)

        try:
            response = await idempotent_write(
                context.request,
                caller.principal,
                self._uow,
                work,
                self._policy,
                fingerprint_body=json.dumps(summary, sort_keys=True).encode(),
            )
        except BaseException:
            await run_in_threadpool(self._storage.delete, staged.key)
            raise
        if not committed:  # a replay of an earlier upload: these bytes are not needed
            await run_in_threadpool(self._storage.delete, staged.key)
        raise ImmediateResponse(response)

    async def _receive(self, tenant: Any, part: UploadFile) -> StagedContent:
        try:
            return await run_in_threadpool(
                use_cases.receive_upload,
                self._storage,
                tenant,
                part.file,
                file_id=new_id("file"),
                declared_type=part.content_type,
                max_bytes=self._max_upload_bytes,
                detect=self._detect,
            )
        except UnsupportedContent as refused:
            raise ProblemError(415, "unsupported_media_type", refused.detail) from None
        except ContentTooLarge as refused:
            raise ProblemError(413, "payload_too_large", refused.detail) from None

    async def get_file(self, context: RequestContext, *, file_id: str, x_organization_id: str) -> models.File:
        """Get a file's metadata with its ``ETag``."""
        file = await read(self._uow, principal_of(context), lambda uow: use_cases.get_file(uow, file_id))
        context.response.headers["ETag"] = _etag(file)
        return file_dto(file)

    async def delete_file(self, context: RequestContext, *, file_id: str, x_organization_id: str) -> None:
        """Delete a file, then its bytes (204)."""
        caller = caller_of(context)
        file = await write(self._uow, caller.principal, lambda uow: use_cases.delete_file(uow, caller, file_id))
        await run_in_threadpool(self._storage.delete, file.key)

    async def get_file_content(self, context: RequestContext, *, file_id: str, x_organization_id: str) -> Response:
        """Stream a ready file's bytes with its detected type, a safe ``Content-Disposition`` and its ``ETag``."""
        storage = self._storage
        file, stream = await read(
            self._uow, principal_of(context), lambda uow: use_cases.open_content(uow, storage, file_id)
        )
        headers = {
            "Content-Disposition": attachment_disposition(file.download_name),
            "Content-Length": str(file.size_bytes),
            "ETag": _content_etag(file),
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-cache",
        }
        return StreamingResponse(_chunks(stream), media_type=file.detected_content_type, headers=headers)
