"""A real Asteri server as a process: fresh database, keys minted with the CLI, an ephemeral port.

The schemathesis run and the SDK's end-to-end suite both drive the server exactly as an integrator
would: over TCP, against ``uvicorn`` running ``server_impl.app:create_app``, with credentials made by
``asteri orgs create`` and ``asteri keys create``. Nothing here imports the server; everything goes
through processes and environment variables.

Usage::

    with fresh_database("sqlite", workdir) as url, LiveServer.start(url, workdir) as server:
        key = server.mint_key(server.organization_id)
        httpx.get(server.base_url + "/api/public/v1/customers", headers=server.headers(key.secret))
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
_SCRIPT = Path(sys.executable).with_name("asteri")
# The installed ``asteri`` command, as an operator runs it (the module when the script is absent).
ASTERI = [str(_SCRIPT)] if _SCRIPT.is_file() else [sys.executable, "-m", "server_impl.cli"]
SPEC_PATH = "/api/public/v1/openapi.json"
BACKENDS = ("sqlite", "postgres")
READY_TIMEOUT = 60.0
# Runs ``python <args>`` after asking Linux to SIGTERM the process when the harness dies (prctl
# PR_SET_PDEATHSIG survives exec), so a killed test run leaves no server behind.
_DIE_WITH_PARENT = (
    "import ctypes, os, signal, sys\n"
    "if sys.platform == 'linux': ctypes.CDLL(None).prctl(1, signal.SIGTERM)\n"
    "os.execv(sys.executable, [sys.executable, *sys.argv[1:]])"
)


class LiveServerError(RuntimeError):
    """The server or a CLI command did not do what the harness needed; the message has its output."""


@dataclass(frozen=True)
class Key:
    """An API key minted with ``asteri keys create --json``.

    Attributes:
        id: ``key_...``.
        secret: The ``ast_...`` secret.
        organization_id: Its organization.
        environment: ``live`` or ``test``.
    """

    id: str
    secret: str
    organization_id: str
    environment: str


@contextlib.contextmanager
def fresh_database(backend: str, workdir: Path) -> Iterator[str]:
    """Yield the URL of an empty database that is dropped afterwards.

    Args:
        backend: ``sqlite`` (a new file in ``workdir``) or ``postgres`` (a new database on the server of
            ``ASTERI_TEST_POSTGRES_URL``).
        workdir: Where the SQLite file goes.

    Yields:
        A SQLAlchemy URL with its password (the server process needs it).

    Raises:
        LiveServerError: For an unknown backend or a missing ``ASTERI_TEST_POSTGRES_URL``.
    """
    if backend == "sqlite":
        path = workdir / f"live-{secrets.token_hex(4)}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            path.unlink(missing_ok=True)
        return
    if backend != "postgres":
        raise LiveServerError(f"unknown backend {backend!r}; use one of {BACKENDS}")
    base = os.environ.get("ASTERI_TEST_POSTGRES_URL")
    if not base:
        raise LiveServerError("ASTERI_TEST_POSTGRES_URL is not set")
    name = f"asteri_live_{secrets.token_hex(6)}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(base).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def _free_socket() -> socket.socket:
    """Bind a listening socket on an ephemeral port; uvicorn inherits it (no race for the port)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


@dataclass
class LiveServer:
    """A running server process and the organization and key the harness created for it.

    Attributes:
        database_url: The database it serves.
        environ: The ``ASTERI_*`` environment shared by the server and the CLI commands.
        base_url: ``http://127.0.0.1:<port>``.
        organization_id: The organization made at start.
        key: A live key of that organization with every scope and a high limit.
        process: The uvicorn process.
        log_path: Its combined output.
    """

    database_url: str
    environ: dict[str, str]
    base_url: str
    organization_id: str
    key: Key
    process: subprocess.Popen[bytes]
    log_path: Path
    _log: IO[bytes] = field(repr=False)

    @classmethod
    @contextlib.contextmanager
    def start(cls, database_url: str, workdir: Path, **settings: str) -> Iterator[Self]:
        """Migrate the database, make an organization and a key, start uvicorn and wait until it answers.

        Args:
            database_url: An empty database (see :func:`fresh_database`).
            workdir: Where the server log goes.
            **settings: Extra settings as ``ASTERI_<NAME>`` (``max_body_bytes="2048"``).

        Yields:
            The running server; it is stopped (SIGTERM, then SIGKILL) on exit.
        """
        environ = {
            **os.environ,
            "ASTERI_DATABASE_URL": database_url,
            "ASTERI_SECRET_KEY": secrets.token_urlsafe(32),
            "ASTERI_MODE": "development",
            "ASTERI_FILES_DIR": str(workdir / "files"),  # uploads stay out of the working tree
            # schemathesis sends thousands of requests without credentials on purpose; the address
            # throttle (tests/server/test_address_quota.py) would answer them 429 before their check
            "ASTERI_UNAUTHENTICATED_PER_MINUTE": "1000000",
            "ASTERI_UNAUTHENTICATED_PER_DAY": "1000000",
            **{f"ASTERI_{name.upper()}": value for name, value in settings.items()},
        }
        environ.pop("ASTERI_SPEC_PATH", None)  # serve the committed contract (generated/openapi.json)
        _run_cli(environ, "db", "upgrade")
        organization_id = json.loads(_run_cli(environ, "orgs", "create", "Live harness", "--json"))["id"]
        key = _mint(environ, organization_id)
        sock = _free_socket()
        port = sock.getsockname()[1]
        log_path = workdir / f"server-{port}.log"
        log = log_path.open("wb")
        command = [
            sys.executable,
            "-c",
            _DIE_WITH_PARENT,
            "-m",
            "uvicorn",
            "server_impl.app:create_app",
            "--factory",
            "--fd",
            str(sock.fileno()),
            "--no-access-log",
            "--log-level",
            "warning",
        ]
        process = subprocess.Popen(
            command,
            cwd=REPO,
            env=environ,
            stdout=log,
            stderr=subprocess.STDOUT,
            pass_fds=(sock.fileno(),),
        )
        sock.close()
        server = cls(database_url, environ, f"http://127.0.0.1:{port}", organization_id, key, process, log_path, log)
        try:
            server._wait_ready()
            yield server
        finally:
            server._stop()

    def mint_key(
        self,
        organization_id: str | None = None,
        *,
        scopes: str = "all",
        env: str = "live",
        per_minute: int = 100_000,
        per_day: int = 100_000_000,
        name: str = "harness",
    ) -> Key:
        """Create another key with ``asteri keys create --json`` (against the server's database)."""
        return _mint(
            self.environ,
            organization_id or self.organization_id,
            scopes=scopes,
            env=env,
            per_minute=per_minute,
            per_day=per_day,
            name=name,
        )

    def create_organization(self, name: str) -> str:
        """Create an organization with ``asteri orgs create --json``; return its id."""
        return str(json.loads(_run_cli(self.environ, "orgs", "create", name, "--json"))["id"])

    def create_user(self, email: str, organization_id: str | None = None, role: str = "member") -> str:
        """Create a member with ``asteri users create --json``; return the user id (``usr_...``)."""
        output = _run_cli(
            self.environ,
            "users",
            "create",
            email,
            "--org",
            organization_id or self.organization_id,
            "--role",
            role,
            "--json",
        )
        return str(json.loads(output)["id"])

    def headers(self, key: Key | None = None) -> dict[str, str]:
        """The credential headers of ``key`` (the harness key by default)."""
        key = key or self.key
        return {"x-organization-id": key.organization_id, "x-api-key": key.secret}

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far (Linux ``/proc``; 0 elsewhere)."""
        stat = Path(f"/proc/{self.process.pid}/stat")
        if not stat.is_file():
            return 0.0
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_text(self) -> str:
        """The server's output so far (for failure messages)."""
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise LiveServerError(f"the server exited with {self.process.returncode}:\n{self.log_text()}")
                try:
                    if client.get(SPEC_PATH).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.1)
        raise LiveServerError(f"the server did not answer within {READY_TIMEOUT:.0f} s:\n{self.log_text()}")

    def _stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._log.close()


def _run_cli(environ: Mapping[str, str], *arguments: str) -> str:
    done = subprocess.run([*ASTERI, *arguments], cwd=REPO, env=environ, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise LiveServerError(f"asteri {' '.join(arguments)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return done.stdout


def _mint(
    environ: Mapping[str, str],
    organization_id: str,
    *,
    scopes: str = "all",
    env: str = "live",
    per_minute: int = 100_000,
    per_day: int = 100_000_000,
    name: str = "harness",
) -> Key:
    output = _run_cli(
        environ,
        "keys",
        "create",
        "--org",
        organization_id,
        "--scopes",
        scopes,
        "--env",
        env,
        "--per-minute",
        str(per_minute),
        "--per-day",
        str(per_day),
        "--name",
        name,
        "--json",
    )
    data = json.loads(output)
    return Key(data["id"], data["key"], data["organization_id"], data["environment"])
