"""Uploads against the real server process: bodies stream through uvicorn, the limit holds mid-stream.

The in-process tests drive the app through Starlette's TestClient, which hands the body over in
one piece; here the body arrives in 64 KiB chunks without a ``Content-Length``, so the edge's
counting (not the declared length) must stop it, and the in-process worker processes what was
accepted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.live.server import LiveServer, fresh_database
from tests.server import file_samples as samples

pytestmark = pytest.mark.slow

LIMIT = 256 * 1024
BOUNDARY = "live-upload-boundary"


def _chunked(content: bytes) -> Iterator[bytes]:
    yield f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nphoto\r\n'.encode()
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    for start in range(0, len(content), 65536):
        yield content[start : start + 65536]
    yield f"\r\n--{BOUNDARY}--\r\n".encode()


def test_a_streamed_upload_is_limited_mid_stream_and_an_accepted_one_is_processed(backend: str, tmp_path: Path) -> None:
    with (
        fresh_database(backend, tmp_path) as url,
        LiveServer.start(url, tmp_path, max_upload_bytes=str(LIMIT), worker_in_process="true") as server,
        httpx.Client(base_url=server.base_url + "/api/public/v1", timeout=60) as client,
    ):
        headers = {**server.headers(), "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}
        files_dir = tmp_path / "files"

        refused = client.post("/files", headers=headers, content=_chunked(samples.png() + b"\x00" * (2 * LIMIT)))
        assert refused.status_code == 413
        assert refused.json()["code"] == "payload_too_large"
        assert not files_dir.exists() or not any(path.is_file() for path in files_dir.rglob("*"))

        content = samples.png(640, 480) + b"\x00" * (LIMIT // 2)
        accepted = client.post("/files", headers=headers, content=_chunked(content))
        assert accepted.status_code == 201, accepted.text
        file_id = accepted.json()["id"]
        deadline = time.monotonic() + 30
        current = accepted.json()
        while current["status"] in ("pending", "processing") and time.monotonic() < deadline:
            time.sleep(0.2)
            current = client.get(f"/files/{file_id}", headers=server.headers()).json()
        assert current["status"] == "ready", current
        assert current["dimensions"] == {"width": 640, "height": 480}
        download = client.get(f"/files/{file_id}/content", headers=server.headers())
        assert download.content == content
        assert download.headers["content-type"] == "image/png"
