"""Upload files to a real server process and show that the body is streamed, not held in memory.

Starts the server under uvicorn (one worker, SQLite, a temporary ``ASTERI_FILES_DIR``), uploads
``--count`` files of each size with httpx (the body streamed from a generator, in 64 KiB chunks),
then lets the in-process worker process them. Prints per size: uploads per second, MB/s, and the
server's peak resident memory (VmHWM) before and after, which would grow by at least the file
size if a body were buffered whole. An oversize upload (limit + 1 MiB) is sent last and must be
refused with 413 without its bytes being stored.

Run: .venv/bin/python bench/bench_uploads.py [--count 5] [--sizes-mib 1,25]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_server import _free_port, _rss_mb, _wait

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 64 * 1024
LIMIT_MIB = 25
BOUNDARY = "bench-boundary"


def _seed(url: str) -> tuple[str, str]:
    from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
    from server_impl.adapters.sqlalchemy.migrate import upgrade
    from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory
    from server_impl.domain.clock import utc_now
    from server_impl.domain.principal import ActorType, CallContext, Principal
    from server_impl.domain.scopes import ALL_SCOPES
    from server_impl.domain.tenancy import Environment
    from server_impl.services import api_keys, identity
    from server_impl.settings import load_settings

    upgrade(url)
    settings = load_settings(database_url=url)
    engine = build_engine(url)
    factory = unit_of_work_factory(build_session_factory(engine))
    org = identity.create_organization(factory, "Bench Co").id
    system = CallContext(Principal(org, Environment.LIVE, ActorType.SYSTEM, None, ALL_SCOPES), request_id="bench")
    request = api_keys.NewKey(
        "bench", tuple(sorted(ALL_SCOPES)), Environment.LIVE, utc_now() + timedelta(days=1), 100_000, 1_000_000
    )
    _, secret = api_keys.create_key(factory, system, org, request, pepper=settings.api_key_pepper)
    engine.dispose()
    return org, secret


def _png_of(size: int) -> bytes:
    from tests.server.file_samples import png

    head = png(64, 48)
    return head + b"\x00" * max(0, size - len(head))  # trailing bytes after IEND: still a PNG to detectors


def _body(content: bytes, boundary: str) -> Iterator[bytes]:
    yield f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nphoto\r\n'.encode()
    yield (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    for start in range(0, len(content), CHUNK):
        yield content[start : start + CHUNK]
    yield f"\r\n--{boundary}--\r\n".encode()


Row = tuple[int, float, float, float, float]
"""(size, uploads per second, MB/s, peak RSS before, peak RSS after)."""


def _upload_all(
    client: httpx.Client, base: str, headers: dict[str, str], sizes: list[int], *, count: int, pid: int
) -> list[Row]:
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    rows = []
    for size in sizes:
        content = _png_of(size)
        before = _rss_mb(pid)[1]
        started = time.perf_counter()
        for _ in range(count):
            response = client.post(
                f"{base}/files", headers={**headers, "Content-Type": content_type}, content=_body(content, BOUNDARY)
            )
            if response.status_code != 201:
                raise SystemExit(f"upload failed: {response.status_code} {response.text}")
        elapsed = time.perf_counter() - started
        rows.append((size, count / elapsed, size * count / elapsed / 1e6, before, _rss_mb(pid)[1]))
    return rows


def _oversize(client: httpx.Client, base: str, headers: dict[str, str]) -> int:
    content = _png_of((LIMIT_MIB + 1) * 1024 * 1024)
    content_type = f"multipart/form-data; boundary={BOUNDARY}"
    response = client.post(
        f"{base}/files", headers={**headers, "Content-Type": content_type}, content=_body(content, BOUNDARY)
    )
    return response.status_code


def _wait_ready(client: httpx.Client, base: str, headers: dict[str, str], expected: int) -> int:
    deadline = time.monotonic() + 60
    ready = 0
    while time.monotonic() < deadline and ready < expected:
        listed = client.get(f"{base}/files", headers=headers, params={"status": "ready", "limit": 100})
        ready = len(listed.json()["data"])
        time.sleep(0.2)
    return ready


def main() -> int:
    """Run the uploads and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=5, help="Uploads per size.")
    parser.add_argument("--sizes-mib", default="1,25", help="Comma-separated file sizes in MiB.")
    args = parser.parse_args()
    sizes = [int(float(text) * 1024 * 1024) for text in args.sizes_mib.split(",")]
    with tempfile.TemporaryDirectory(prefix="asteri-bench-uploads-") as name:
        tmp = Path(name)
        url = f"sqlite:///{tmp / 'bench.db'}"
        org, secret = _seed(url)
        files_dir = tmp / "files"
        env = {
            **os.environ,
            "ASTERI_DATABASE_URL": url,
            "ASTERI_FILES_DIR": str(files_dir),
            "ASTERI_WORKER_IN_PROCESS": "true",
            "PYTHONPATH": str(ROOT),
        }
        port = _free_port()
        command = [sys.executable, "-m", "uvicorn", "server_impl.app:create_app", "--factory", "--port", str(port)]
        server = subprocess.Popen([*command, "--log-level", "warning", "--no-access-log"], cwd=ROOT, env=env)
        try:
            base = f"http://127.0.0.1:{port}/api/public/v1"
            _wait(f"{base}/openapi.json")
            headers = {"x-api-key": secret, "x-organization-id": org}
            with httpx.Client(timeout=120) as client:
                rows = _upload_all(client, base, headers, sizes, count=args.count, pid=server.pid)
                refused = _oversize(client, base, headers)
                stored = sum(1 for path in files_dir.rglob("*") if path.is_file())
                ready = _wait_ready(client, base, headers, len(sizes) * args.count)
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"uvicorn, one worker, SQLite, in-process worker, {os.cpu_count()} CPUs; {args.count} uploads per size")
    print(f"{'size':>8} {'uploads/s':>10} {'MB/s':>8} {'peak RSS before':>16} {'peak RSS after':>15}")
    for size, per_second, mb_per_second, before, after in rows:
        print(f"{size / 2**20:>6.0f}Mi {per_second:>10.2f} {mb_per_second:>8.1f} {before:>13.1f} MB {after:>12.1f} MB")
    print(f"oversize ({LIMIT_MIB + 1} MiB, chunked): HTTP {refused}; files stored: {stored} (the accepted ones)")
    print(f"processed to ready by the in-process worker: {ready} of {len(sizes) * args.count}")
    print("command: .venv/bin/python bench/bench_uploads.py " + " ".join(sys.argv[1:]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
