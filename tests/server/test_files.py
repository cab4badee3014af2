"""Files through the API: uploads (typed from their bytes, limited, streamed), processing, downloads, deletes.

Every refused upload is checked to leave nothing behind: no row in ``files`` for the tenant and no
file (not even a temporary one) in the storage directory.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from server_impl.adapters.local_storage import LocalDirectoryStorage
from server_impl.handlers.files import file_document
from server_impl.services.file_processing import (
    ProcessingResult,
    claim_files,
    finish_file,
    inspect_content,
    process_pending_files,
)
from server_impl.worker.compose import build_tasks
from server_impl.worker.files import FileProcessingTask
from tests.server import file_samples as samples
from tests.server.conftest import Harness

BASE = "/api/public/v1"
FILES = f"{BASE}/files"


@pytest.fixture
def files_dir(tmp_path: Path) -> Path:
    return tmp_path / "files"


@pytest.fixture
def files_harness(make_harness: Callable[..., Harness], files_dir: Path) -> Harness:
    return make_harness(files_dir=str(files_dir))


def _tenant(harness: Harness) -> dict[str, str]:
    org = harness.organization()
    _, secret = harness.key(org)
    return harness.headers(org, secret)


def _upload(
    harness: Harness,
    headers: dict[str, str],
    content: bytes,
    *,
    filename: str = "photo.png",
    content_type: str = "image/png",
    **fields: str,
) -> Any:
    return harness.client.post(
        FILES,
        headers=headers,
        data={"purpose": "photo", **fields},
        files={"file": (filename, content, content_type)},
    )


def _stored_files(files_dir: Path) -> list[Path]:
    return sorted(path for path in files_dir.rglob("*") if path.is_file()) if files_dir.exists() else []


def _rows(harness: Harness, headers: dict[str, str]) -> int:
    with harness.context.engine.connect() as connection:
        count = connection.execute(
            text("SELECT count(*) FROM files WHERE organization_id = :org"), {"org": headers["x-organization-id"]}
        ).scalar_one()
    return int(count)


def _assert_nothing_stored(harness: Harness, headers: dict[str, str], files_dir: Path) -> None:
    assert _rows(harness, headers) == 0
    assert _stored_files(files_dir) == []


def _process(harness: Harness, files_dir: Path) -> ProcessingResult:
    """Drain every waiting file of the database (other tests' leftovers too: they fail, their bytes are elsewhere)."""
    total = ProcessingResult()
    while (
        batch := process_pending_files(harness.context.uow_factory, LocalDirectoryStorage(files_dir), file_document)
    ).processed:
        total = ProcessingResult(total.ready + batch.ready, total.failed + batch.failed, total.skipped + batch.skipped)
    return total


def _events(harness: Harness, headers: dict[str, str], event_type: str) -> list[dict[str, Any]]:
    response = harness.client.get(f"{BASE}/events", headers=headers, params={"type": event_type})
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


@pytest.mark.parametrize("content_type", list(samples.ALLOWED))
def test_each_accepted_type_is_stored_processed_and_downloadable(
    files_harness: Harness, files_dir: Path, content_type: str
) -> None:
    harness = files_harness
    headers = _tenant(harness)
    content, filename, facts = samples.ALLOWED[content_type]

    created = _upload(harness, headers, content, filename=filename, content_type=content_type)

    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "pending"
    assert (body["detected_content_type"], body["content_type"]) == (content_type, content_type)
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert (body["size_bytes"], body["filename"], body["purpose"]) == (len(content), filename, "photo")
    assert (body["dimensions"], body["page_count"], body["failure_reason"]) == (None, None, None)
    assert created.headers["location"] == f"{FILES}/{body['id']}"
    assert created.headers["etag"]
    (stored,) = _stored_files(files_dir)
    assert stored.read_bytes() == content
    assert stored.name == body["id"]
    assert _rows(harness, headers) == 1

    _process(harness, files_dir)

    ready = harness.client.get(f"{FILES}/{body['id']}", headers=headers)
    assert ready.status_code == 200
    assert ready.json()["status"] == "ready"
    assert {"dimensions": ready.json()["dimensions"], "page_count": ready.json()["page_count"]} == facts
    assert ready.json()["ready_at"] is not None
    (event,) = _events(harness, headers, "file.ready")
    assert event["data"]["object"] == ready.json()
    assert event["data"]["previous_attributes"]["status"] == "processing"

    download = harness.client.get(f"{FILES}/{body['id']}/content", headers=headers)
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["content-type"] == content_type
    assert download.headers["etag"] == f'"{body["sha256"]}"'
    assert download.headers["content-length"] == str(len(content))
    assert download.headers["content-disposition"] == f'attachment; filename="{filename}"'
    assert download.headers["x-content-type-options"] == "nosniff"


def test_a_renamed_executable_with_an_image_extension_is_refused(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    for declared in ("image/jpeg", "application/octet-stream"):
        response = _upload(
            files_harness, headers, samples.windows_executable(), filename="invoice.jpg", content_type=declared
        )
        assert response.status_code == 415, response.text
        assert response.json()["code"] == "unsupported_media_type"
        assert "application/x-msdownload" in response.json()["detail"]
    _assert_nothing_stored(files_harness, headers, files_dir)


def test_content_that_is_not_what_the_part_declares_is_refused(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    response = _upload(files_harness, headers, samples.png(), filename="photo.jpg", content_type="image/jpeg")
    assert response.status_code == 415
    assert "declared as image/jpeg but its content is image/png" in response.json()["detail"]
    _assert_nothing_stored(files_harness, headers, files_dir)


def test_an_unspecified_part_type_takes_the_detected_one(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    response = _upload(
        files_harness, headers, samples.pdf(), filename="permit", content_type="application/octet-stream"
    )
    assert response.status_code == 201, response.text
    assert response.json()["detected_content_type"] == "application/pdf"
    assert response.json()["content_type"] == "application/octet-stream"


def test_plain_text_is_not_an_accepted_type(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    response = _upload(files_harness, headers, b"just some notes\n", filename="notes.txt", content_type="text/plain")
    assert response.status_code == 415
    assert "could not be recognised" in response.json()["detail"]
    _assert_nothing_stored(files_harness, headers, files_dir)


def test_an_empty_file_is_refused(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    response = _upload(files_harness, headers, b"", filename="empty.png")
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "/file", "message": "The file is empty; send its content."}]
    _assert_nothing_stored(files_harness, headers, files_dir)


def test_a_body_without_a_file_part_names_the_field(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    response = files_harness.client.post(
        FILES, headers=headers, data={"purpose": "photo"}, files={"file": (None, b"a field, not a file part")}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == "Send the content as a file part (with a filename)."
    assert response.json()["errors"][0]["field"] == "/file"
    missing = files_harness.client.post(FILES, headers=headers, files={"file": ("a.png", samples.png(), "image/png")})
    assert missing.status_code == 422
    assert missing.json()["errors"] == [{"field": "/purpose", "message": "Field required."}]
    _assert_nothing_stored(files_harness, headers, files_dir)


def test_an_upload_must_be_multipart(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    response = files_harness.client.post(FILES, headers=headers, json={"purpose": "photo", "file": "aGVsbG8="})
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_media_type"
    _assert_nothing_stored(files_harness, headers, files_dir)


def test_an_oversize_upload_is_refused_without_storing_anything(
    make_harness: Callable[..., Harness], files_dir: Path
) -> None:
    harness = make_harness(files_dir=str(files_dir), max_upload_bytes=1000)
    headers = _tenant(harness)
    big = samples.png() + b"\x00" * 200_000  # over the body limit (1,000 + 64 KiB of form overhead)
    body, content_type = samples.multipart({"purpose": "photo"}, "big.png", big, "image/png")

    declared = harness.client.post(FILES, headers={**headers, "Content-Type": content_type}, content=body)
    assert declared.status_code == 413
    assert declared.json()["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the edge counts the bytes as they stream
        for start in range(0, len(body), 16_384):
            yield body[start : start + 16_384]

    streamed = harness.client.post(FILES, headers={**headers, "Content-Type": content_type}, content=chunks())
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "payload_too_large"

    just_over = _upload(harness, headers, samples.png() + b"\x00" * 1000, filename="big.png")
    assert just_over.status_code == 413  # within the body allowance, over the file limit: caught while storing
    assert "1000 bytes" in just_over.json()["detail"]
    _assert_nothing_stored(harness, headers, files_dir)

    assert _upload(harness, headers, samples.png(), filename="small.png").status_code == 201


def test_a_truncated_multipart_body_is_refused_without_storing_anything(
    files_harness: Harness, files_dir: Path
) -> None:
    headers = _tenant(files_harness)
    content = samples.png() + b"\x00" * 4096
    body, content_type = samples.multipart({"purpose": "photo"}, "cut.png", content, "image/png")
    for cut in (len(body) // 2, len(body) - 40, 30, len(body) - 4):  # the last one lacks only the final "--"
        response = files_harness.client.post(
            FILES, headers={**headers, "Content-Type": content_type}, content=body[:cut]
        )
        assert response.status_code == 422, (cut, response.text)
        assert response.json()["errors"] == [
            {"field": "", "message": "The multipart body is truncated: it ends before its closing boundary."}
        ]
    _assert_nothing_stored(files_harness, headers, files_dir)


def test_a_download_names_the_file_safely(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    hostile = '../../etc/Ré"sumé;\r\nX-Injected: 1.png'
    created = _upload(files_harness, headers, samples.png(), filename=hostile)
    assert created.status_code == 201, created.text
    file_id = created.json()["id"]
    assert "/" not in created.json()["filename"]
    assert "\r" not in created.json()["filename"]
    _process(files_harness, files_dir)

    download = files_harness.client.get(f"{FILES}/{file_id}/content", headers=headers)
    disposition = download.headers["content-disposition"]
    assert "x-injected" not in {name.lower() for name in download.headers}
    assert disposition.startswith('attachment; filename="')
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert ".." not in disposition
    assert "filename*=UTF-8''" in disposition
    assert "R%C3%A9" in disposition  # the exact name survives, percent-encoded
    assert (files_dir / headers["x-organization-id"]).is_dir()  # bytes stay inside the tenant's prefix


def test_a_pending_file_cannot_be_downloaded(files_harness: Harness) -> None:
    headers = _tenant(files_harness)
    file_id = _upload(files_harness, headers, samples.png()).json()["id"]
    response = files_harness.client.get(f"{FILES}/{file_id}/content", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["detail"] == "The file is pending; its content can be downloaded once it is ready."


def test_delete_removes_the_row_and_the_bytes(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    file_id = _upload(files_harness, headers, samples.png()).json()["id"]
    assert len(_stored_files(files_dir)) == 1

    deleted = files_harness.client.delete(f"{FILES}/{file_id}", headers=headers)

    assert deleted.status_code == 204
    assert files_harness.client.get(f"{FILES}/{file_id}", headers=headers).status_code == 404
    assert files_harness.client.delete(f"{FILES}/{file_id}", headers=headers).status_code == 404
    _assert_nothing_stored(files_harness, headers, files_dir)
    audit = files_harness.client.get(f"{BASE}/audit-events", headers=headers, params={"resource_id": file_id})
    assert [event["action"] for event in audit.json()["data"]] == ["file.deleted", "file.created"]


def test_another_tenants_files_do_not_exist(files_harness: Harness, files_dir: Path) -> None:
    owner, stranger = _tenant(files_harness), _tenant(files_harness)
    file_id = _upload(files_harness, owner, samples.png()).json()["id"]
    _process(files_harness, files_dir)
    client = files_harness.client

    for response in (
        client.get(f"{FILES}/{file_id}", headers=stranger),
        client.get(f"{FILES}/{file_id}/content", headers=stranger),
        client.delete(f"{FILES}/{file_id}", headers=stranger),
    ):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert client.get(FILES, headers=stranger).json()["data"] == []
    assert client.get(f"{FILES}/{file_id}/content", headers=owner).status_code == 200


def test_attachments_are_checked_in_the_tenant_and_filter_the_list(files_harness: Harness, files_dir: Path) -> None:
    owner, stranger = _tenant(files_harness), _tenant(files_harness)
    client = files_harness.client
    customer = client.post(f"{BASE}/customers", headers=owner, json={"display_name": "Ada"}).json()["id"]
    foreign = client.post(f"{BASE}/customers", headers=stranger, json={"display_name": "Eve"}).json()["id"]

    refused = _upload(files_harness, owner, samples.png(), customer_id=foreign)
    assert refused.status_code == 422
    assert refused.json()["errors"] == [{"field": "/customer_id", "message": "No such customer in this organization."}]
    _assert_nothing_stored(files_harness, owner, files_dir)

    attached = _upload(files_harness, owner, samples.png(), customer_id=customer)
    assert attached.status_code == 201
    assert attached.json()["attachments"] == [{"resource_type": "customer", "resource_id": customer}]
    _upload(files_harness, owner, samples.pdf(), filename="doc.pdf", content_type="application/pdf")

    listed = client.get(FILES, headers=owner, params={"attached_to": customer}).json()["data"]
    assert [item["id"] for item in listed] == [attached.json()["id"]]
    assert len(client.get(FILES, headers=owner).json()["data"]) == 2
    assert client.get(FILES, headers=owner, params={"status": "ready"}).json()["data"] == []


def test_an_idempotent_retry_returns_the_first_upload_and_keeps_one_copy(
    files_harness: Harness, files_dir: Path
) -> None:
    headers = {**_tenant(files_harness), "Idempotency-Key": "upload-1"}
    first = _upload(files_harness, headers, samples.png())
    again = _upload(files_harness, headers, samples.png())
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert _rows(files_harness, headers) == 1
    assert len(_stored_files(files_dir)) == 1
    other = _upload(files_harness, headers, samples.gif(), filename="other.gif", content_type="image/gif")
    assert other.status_code == 422
    assert other.json()["code"] == "idempotency_key_reused"
    assert len(_stored_files(files_dir)) == 1


def test_processing_fails_with_a_reason_and_an_event(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    client = files_harness.client
    truncated = client.post(
        FILES,
        headers=headers,
        data={"purpose": "photo"},
        files={"file": ("cut.png", b"\x89PNG\r\n\x1a\n", "image/png")},
    ).json()["id"]
    altered = _upload(files_harness, headers, samples.pdf(), filename="a.pdf", content_type="application/pdf")
    altered_id = altered.json()["id"]
    (files_dir / headers["x-organization-id"] / "live" / altered_id).write_bytes(samples.pdf(5))

    _process(files_harness, files_dir)

    first = client.get(f"{FILES}/{truncated}", headers=headers).json()
    assert first["status"] == "failed"
    assert (
        first["failure_reason"]
        == "The content cannot be read as image/png: the image header is truncated or malformed."
    )
    second = client.get(f"{FILES}/{altered_id}", headers=headers).json()
    assert second["status"] == "failed"
    assert "checksum" in second["failure_reason"]
    failed_events = _events(files_harness, headers, "file.failed")
    assert {event["data"]["object"]["id"] for event in failed_events} == {truncated, altered_id}
    assert client.get(f"{FILES}/{truncated}/content", headers=headers).status_code == 409
    audit = client.get(f"{BASE}/audit-events", headers=headers, params={"resource_id": truncated}).json()["data"]
    assert [(event["action"], event["actor"]["type"]) for event in audit] == [
        ("file.failed", "system"),
        ("file.processing", "system"),
        ("file.created", "api_key"),
    ]


def test_the_worker_runs_file_processing(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    file_id = _upload(files_harness, headers, samples.gif(), content_type="image/gif").json()["id"]
    settings = files_harness.settings
    tasks = [
        task for task in build_tasks(settings, files_harness.context.engine) if isinstance(task, FileProcessingTask)
    ]
    assert len(tasks) == 1

    handled = 0
    while (turn := tasks[0].run_once()) > 0:  # other tests' leftovers may come first (oldest first)
        handled += turn
    assert handled >= 1

    assert files_harness.client.get(f"{FILES}/{file_id}", headers=headers).json()["status"] == "ready"


def test_jobs_estimates_invoices_and_payments_are_checked_in_the_tenant(
    files_harness: Harness, files_dir: Path
) -> None:
    owner, stranger = _tenant(files_harness), _tenant(files_harness)
    client = files_harness.client

    def job(headers: dict[str, str]) -> str:
        customer = client.post(f"{BASE}/customers", headers=headers, json={"display_name": "Ada"}).json()["id"]
        created = client.post(f"{BASE}/jobs", headers=headers, json={"customer_id": customer, "summary": "No heat"})
        assert created.status_code == 201, created.text
        return str(created.json()["id"])

    mine, theirs = job(owner), job(stranger)
    unknown = {
        "job_id": theirs,
        "estimate_id": "est_01HWN5SXS5AA819X9YP981068V",
        "invoice_id": "inv_01HWN5SXS5AA819X9YP981068V",
        "payment_id": "pay_01HWN5SXS5AA819X9YP981068V",
    }
    refused = _upload(files_harness, owner, samples.png(), **unknown)
    assert refused.status_code == 422
    assert [error["field"] for error in refused.json()["errors"]] == [
        "/job_id",
        "/estimate_id",
        "/invoice_id",
        "/payment_id",
    ]
    _assert_nothing_stored(files_harness, owner, files_dir)

    attached = _upload(files_harness, owner, samples.png(), job_id=mine)
    assert attached.status_code == 201, attached.text
    assert attached.json()["attachments"] == [{"resource_type": "job", "resource_id": mine}]


def test_a_disguised_name_is_stored_plain_and_downloads_with_the_detected_extension(
    files_harness: Harness, files_dir: Path
) -> None:
    headers = _tenant(files_harness)
    created = _upload(
        files_harness, headers, samples.pdf(), filename="invoice\u202efdp.exe", content_type="application/pdf"
    )
    assert created.status_code == 201, created.text
    assert created.json()["filename"] == "invoicefdp.exe"  # the right-to-left override is gone
    _process(files_harness, files_dir)
    download = files_harness.client.get(f"{FILES}/{created.json()['id']}/content", headers=headers)
    assert download.headers["content-disposition"] == 'attachment; filename="invoicefdp.exe.pdf"'


def test_concurrent_workers_process_each_file_once(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    ids = {_upload(files_harness, headers, samples.png(), filename=f"p{n}.png").json()["id"] for n in range(12)}
    storage = LocalDirectoryStorage(files_dir)

    def drain() -> int:
        done = 0
        while (
            result := process_pending_files(files_harness.context.uow_factory, storage, file_document, limit=2)
        ).processed:
            done += result.processed
        return done

    with ThreadPoolExecutor(max_workers=3) as pool:
        handled = sum(pool.map(lambda _: drain(), range(3)))

    assert handled >= len(ids)
    events = _events(files_harness, headers, "file.ready")
    assert sorted(event["data"]["object"]["id"] for event in events) == sorted(ids)  # each file once


def test_a_claim_abandoned_by_a_dead_worker_is_taken_over(files_harness: Harness, files_dir: Path) -> None:
    headers = _tenant(files_harness)
    file_id = _upload(files_harness, headers, samples.png()).json()["id"]
    uow_factory = files_harness.context.uow_factory
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    claimed = claim_files(uow_factory, limit=100, now=long_ago)  # a worker claims it, then dies
    assert file_id in {item.file.id for item in claimed}
    assert files_harness.client.get(f"{FILES}/{file_id}", headers=headers).json()["status"] == "processing"

    _process(files_harness, files_dir)

    assert files_harness.client.get(f"{FILES}/{file_id}", headers=headers).json()["status"] == "ready"
    stale = next(item for item in claimed if item.file.id == file_id)
    outcome = inspect_content(LocalDirectoryStorage(files_dir), stale.file)
    assert finish_file(uow_factory, stale, outcome, file_document, now=datetime.now(UTC)) is None  # too late
    assert len(_events(files_harness, headers, "file.ready")) == 1


def test_a_client_that_disconnects_mid_upload_leaves_nothing(
    files_harness: Harness, files_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    headers = _tenant(files_harness)
    body, content_type = samples.multipart(
        {"purpose": "photo"}, "gone.png", samples.png() + b"\x00" * 50_000, "image/png"
    )
    raw_headers = [(name.encode(), value.encode()) for name, value in {**headers, "content-type": content_type}.items()]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": FILES,
        "raw_path": FILES.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": raw_headers,
        "client": ("127.0.0.1", 1234),
        "server": ("testserver", 80),
    }
    first: dict[str, Any] = {"type": "http.request", "body": body[: len(body) // 2], "more_body": True}
    messages = iter([first, {"type": "http.disconnect"}])
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return next(messages)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def call() -> None:
        app: Any = files_harness.client.app
        await app(scope, receive, send)

    with caplog.at_level("INFO", logger="asteri.server"):
        asyncio.run(call())

    assert sent == []  # nobody to answer, and no 500
    assert "client disconnected" in caplog.text
    assert "unhandled error" not in caplog.text
    _assert_nothing_stored(files_harness, headers, files_dir)
