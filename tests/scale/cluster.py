"""The deployment of docs/deploy.md as processes: ``asteri serve --workers N`` and M ``asteri worker``.

Everything runs as an operator would run it: the ``asteri`` command with ``ASTERI_*`` variables, on
one PostgreSQL database and one Redis. :meth:`Cluster.spread` tells which server process holds each
open client connection (read from ``/proc``), so a test can show that its requests really were
served by several processes.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Self

import httpx

from tests.live.server import ASTERI, REPO, SPEC_PATH

READY_TIMEOUT = 90.0


class ClusterError(RuntimeError):
    """A process of the cluster did not start or a command failed; the message has its output."""


def free_port() -> int:
    """An ephemeral port that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_cli(environ: Mapping[str, str], *arguments: str) -> str:
    """Run ``asteri <arguments>`` and return its standard output."""
    done = subprocess.run([*ASTERI, *arguments], cwd=REPO, env=environ, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise ClusterError(f"asteri {' '.join(arguments)} failed ({done.returncode}):\n{done.stderr}{done.stdout}")
    return done.stdout


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def _is_resource_tracker(pid: int) -> bool:
    """Whether a child is multiprocessing's resource tracker (a helper, not a server process)."""
    with contextlib.suppress(OSError):
        return b"resource_tracker" in (Path("/proc") / str(pid) / "cmdline").read_bytes()
    return False


def _socket_inodes(pid: int) -> set[str]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in (Path("/proc") / str(pid) / "fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    return inodes


def _established(port: int) -> dict[str, int]:
    """Inode -> remote port of every established TCP connection whose local port is ``port``."""
    found = {}
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state, inode = fields[1], fields[2], fields[3], fields[9]
        if state == "01" and int(local.split(":")[1], 16) == port:
            found[inode] = int(remote.split(":")[1], 16)
    return found


@dataclass
class Cluster:
    """Server processes (one ``asteri serve --workers N``) and worker processes on one database and Redis.

    Attributes:
        environ: The ``ASTERI_*`` environment of every process.
        base_url: ``http://127.0.0.1:<port>``.
        port: The port the server processes share.
        serve: The ``asteri serve`` process (uvicorn's supervisor when N > 1).
        workers: The ``asteri worker`` processes.
        log_dir: Where each process writes its output.
    """

    environ: dict[str, str]
    base_url: str
    port: int
    serve: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]]
    log_dir: Path
    _logs: list[IO[bytes]] = field(default_factory=list, repr=False)

    @classmethod
    @contextlib.contextmanager
    def start(
        cls, database_url: str, redis_url: str, workdir: Path, *, servers: int = 2, workers: int = 2, **settings: str
    ) -> Iterator[Self]:
        """Migrate, start ``asteri serve --workers servers --no-worker`` and ``workers`` ``asteri worker``.

        Yields:
            The running cluster; every process gets SIGTERM (then SIGKILL) on exit.
        """
        environ = {
            **os.environ,
            "ASTERI_DATABASE_URL": database_url,
            "ASTERI_REDIS_URL": redis_url,
            "ASTERI_SECRET_KEY": secrets.token_urlsafe(32),
            "ASTERI_MODE": "production",
            "ASTERI_FILES_DIR": str(workdir / "files"),
            **{f"ASTERI_{name.upper()}": value for name, value in settings.items()},
        }
        environ.pop("ASTERI_SPEC_PATH", None)
        run_cli(environ, "db", "upgrade")
        port = free_port()
        logs: list[IO[bytes]] = []

        def spawn(name: str, *arguments: str) -> subprocess.Popen[bytes]:
            log = (workdir / f"{name}.log").open("wb")
            logs.append(log)
            return subprocess.Popen([*ASTERI, *arguments], cwd=REPO, env=environ, stdout=log, stderr=subprocess.STDOUT)

        serve = spawn("serve", "serve", "--port", str(port), "--workers", str(servers), "--no-worker")
        background = [spawn(f"worker-{index}", "worker") for index in range(workers)]
        cluster = cls(environ, f"http://127.0.0.1:{port}", port, serve, background, workdir, logs)
        try:
            cluster._wait_ready(servers)
            yield cluster
        finally:
            cluster._stop()

    def server_pids(self) -> list[int]:
        """The processes that serve requests (uvicorn's children, or the serve process itself when N = 1)."""
        return sorted(pid for pid in _children(self.serve.pid) if not _is_resource_tracker(pid)) or [self.serve.pid]

    def spread(self, client_ports: set[int] | None = None) -> Counter[int]:
        """How many open connections (of ``client_ports``, or all) each server process holds."""
        connections = _established(self.port)
        held: Counter[int] = Counter()
        for pid in self.server_pids():
            for inode in _socket_inodes(pid) & connections.keys():
                if client_ports is None or connections[inode] in client_ports:
                    held[pid] += 1
        return held

    def holder_of(self, local_port: int) -> int | None:
        """The server process owning the established TCP connection whose local port is ``local_port``."""
        inodes = set()
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == "01" and int(fields[1].split(":")[1], 16) == local_port:
                inodes.add(fields[9])
        return next((pid for pid in self.server_pids() if _socket_inodes(pid) & inodes), None)

    def create_organization(self, name: str) -> str:
        """``asteri orgs create --json``; return the id."""
        return str(json.loads(run_cli(self.environ, "orgs", "create", name, "--json"))["id"])

    def mint_key(self, organization_id: str, *, per_minute: int = 6000, per_day: int = 1_000_000) -> str:
        """``asteri keys create --json`` with every scope; return the secret."""
        output = run_cli(
            self.environ,
            "keys",
            "create",
            "--org",
            organization_id,
            "--scopes",
            "all",
            "--env",
            "live",
            "--per-minute",
            str(per_minute),
            "--per-day",
            str(per_day),
            "--json",
        )
        return str(json.loads(output)["key"])

    def logs(self) -> str:
        """Every process's output so far (for failure messages)."""
        for log in self._logs:
            log.flush()
        return "\n".join(f"== {p.name}\n{p.read_text(errors='replace')}" for p in sorted(self.log_dir.glob("*.log")))

    def _wait_ready(self, servers: int) -> None:
        deadline = time.monotonic() + READY_TIMEOUT
        with httpx.Client(base_url=self.base_url, timeout=2.0) as client:
            while time.monotonic() < deadline:
                for process in (self.serve, *self.workers):
                    if process.poll() is not None:
                        raise ClusterError(f"a process exited with {process.returncode}:\n{self.logs()}")
                with contextlib.suppress(httpx.TransportError):
                    ready = client.get(SPEC_PATH).status_code == 200
                    if ready and (servers == 1 or len(self.server_pids()) >= servers):
                        return
                time.sleep(0.2)
        raise ClusterError(f"the cluster did not answer within {READY_TIMEOUT:.0f} s:\n{self.logs()}")

    def _stop(self) -> None:
        for process in (*self.workers, self.serve):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (*self.workers, self.serve):
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for log in self._logs:
            log.close()
