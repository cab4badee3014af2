"""schemathesis against the live server: every operation, every check, the stateful phase from the links.

``run_fuzz`` runs the schemathesis CLI (a process, as a user would) against a :class:`LiveServer`
with the settings in ``tests/live/schemathesis.toml`` and the hooks in ``tests/live/fuzz_hooks.py``,
and returns the figures of its JSON report. CI runs it from ``tests/live/test_fuzz.py`` on SQLite and
PostgreSQL; ``nox -s fuzz`` (or ``python -m tests.live.fuzz``) runs a longer session.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.live.server import BACKENDS, REPO, SPEC_PATH, LiveServer, fresh_database

CONFIG = Path(__file__).with_name("schemathesis.toml")
HOOKS = "tests.live.fuzz_hooks"
# Built-in checks replaced by the hooks' versions with listed exceptions (docs/fuzzing.md).
REPLACED_CHECKS = ("positive_data_acceptance", "negative_data_rejection")
CI_MAX_EXAMPLES = 50
CI_SEED = 20261129
"""CI fuzzes with a fixed seed: the same cases every run, so a red run is the server's doing and
replays exactly. ``ASTERI_FUZZ_SEED`` picks another (``random`` for a fresh one); ``nox -s fuzz``
explores with random seeds."""
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")


@dataclass(frozen=True)
class FuzzResult:
    """What one schemathesis run did.

    Attributes:
        exit_code: The CLI's exit code (0: no failure, no error).
        operations: Operations tested / in the contract.
        test_cases: Test cases generated.
        failures: ``code title: count`` per kind of failure.
        errors: Errors (the run could not test something).
        phases: Status of each phase.
        seconds: Wall time of the run.
        cpu_seconds: CPU time schemathesis used (user + system).
        output: The CLI's text output.
        report: The JSON report.
    """

    exit_code: int
    operations: tuple[int, int]
    test_cases: int
    failures: tuple[str, ...]
    errors: tuple[str, ...]
    phases: dict[str, str]
    seconds: float
    cpu_seconds: float
    output: str
    report: dict[str, Any]

    def failure_details(self, limit: int = 12000) -> str:
        """The CLI's sections on what failed (failing cases, their curl commands), at most ``limit`` characters.

        The JSON report only counts failures; these sections say which request failed and how to
        replay it, so a failed CI run can be diagnosed from its log alone.
        """
        sections: dict[str, list[str]] = {"FAILURES": [], "ERRORS": []}
        current: list[str] | None = None
        for line in self.output.splitlines():
            heading = line.strip("= ").strip() if line.startswith("=====") else None
            if heading is not None:
                current = sections.get(heading)
            if current is not None:
                current.append(line)
        # Failures first, each section at most half: an error's traceback once hid the failing case.
        return "\n".join("\n".join(lines)[: limit // 2] for lines in sections.values() if lines)

    def summary(self) -> str:
        """One paragraph with the figures."""
        tested, total = self.operations
        phases = ", ".join(f"{name} {status}" for name, status in self.phases.items())
        failures = "; ".join(self.failures) or "none"
        return (
            f"operations {tested}/{total}, test cases {self.test_cases}, failures: {failures}, "
            f"errors: {len(self.errors)}, phases: {phases}, {self.seconds:.0f} s wall, "
            f"{self.cpu_seconds:.0f} s CPU (schemathesis)"
        )


def schemathesis_command(
    base_url: str, report: Path, *, max_examples: int, workers: int, seed: int | None
) -> list[str]:
    """The schemathesis command line of a run against ``base_url``."""
    executable = [str(_SCHEMATHESIS)] if _SCHEMATHESIS.is_file() else [sys.executable, "-m", "schemathesis.cli"]
    command = [
        *executable,
        "--config-file",
        str(CONFIG),
        "run",
        base_url + SPEC_PATH,
        "--checks",
        "all",
        "--exclude-checks",
        ",".join(REPLACED_CHECKS),
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        str(max_examples),
        "--workers",
        str(workers),
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report),
    ]
    if seed is not None:
        command += ["--seed", str(seed)]
    return command


def ci_seed() -> int | None:
    """The seed of the CI run: ``ASTERI_FUZZ_SEED`` (a number, or ``random``), else :data:`CI_SEED`."""
    chosen = os.environ.get("ASTERI_FUZZ_SEED", "").strip()
    if chosen == "random":
        return None
    return int(chosen) if chosen else CI_SEED


def run_fuzz(
    server: LiveServer,
    workdir: Path,
    *,
    max_examples: int = CI_MAX_EXAMPLES,
    workers: int = 2,
    seed: int | None = None,
    timeout: float = 1800,
) -> FuzzResult:
    """Run schemathesis against the server and return its figures.

    Args:
        server: The running server; its harness key (every scope) authenticates the run.
        workdir: Where the report goes.
        max_examples: Test cases per operation in the fuzzing phase.
        workers: Concurrent schemathesis workers.
        seed: Fixed seed (reproduce a run), random when None.
        timeout: Seconds before the run is stopped.

    Returns:
        The figures; ``exit_code`` 0 means no failure.
    """
    report_path = workdir / f"schemathesis-{int(time.time() * 1000)}.json"
    environ = {
        **os.environ,
        "ASTERI_FUZZ_ORGANIZATION": server.organization_id,
        "ASTERI_FUZZ_KEY": server.key.secret,
        "SCHEMATHESIS_HOOKS": HOOKS,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    }
    command = schemathesis_command(server.base_url, report_path, max_examples=max_examples, workers=workers, seed=seed)
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(command, cwd=REPO, env=environ, capture_output=True, text=True, timeout=timeout, check=False)
    seconds = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    output = done.stdout + done.stderr
    report: dict[str, Any] = json.loads(report_path.read_text()) if report_path.is_file() else {}
    operations = report.get("operations", {})
    return FuzzResult(
        exit_code=done.returncode,
        operations=(int(operations.get("tested", 0)), int(operations.get("total", 0))),
        test_cases=int(report.get("test_cases", {}).get("generated", 0)),
        failures=tuple(f"{item['code']} {item['title']}: {item['count']}" for item in report.get("failures", [])),
        errors=tuple(json.dumps(item) for item in report.get("errors", [])),
        phases={name: str(phase.get("status")) for name, phase in report.get("phases", {}).items()},
        seconds=seconds,
        cpu_seconds=cpu_seconds,
        output=output,
        report=report,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m tests.live.fuzz``: start a server per backend, fuzz it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--backend", choices=[*BACKENDS, "both"], default="sqlite")
    parser.add_argument("--max-examples", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=None)
    arguments = parser.parse_args(argv)
    backends = BACKENDS if arguments.backend == "both" else (arguments.backend,)
    os.environ.setdefault("ASTERI_TEST_POSTGRES_URL", LOCAL_POSTGRES)  # scripts/services' default
    failed = False
    for backend in backends:
        with tempfile.TemporaryDirectory(prefix="asteri-fuzz-") as folder:
            workdir = Path(folder)
            with fresh_database(backend, workdir) as url, LiveServer.start(url, workdir) as server:
                result = run_fuzz(
                    server,
                    workdir,
                    max_examples=arguments.max_examples,
                    workers=arguments.workers,
                    seed=arguments.seed,
                    timeout=6 * 3600,
                )
                server_cpu = server.cpu_seconds()
                if result.exit_code != 0:
                    print(server.log_text()[-20000:])  # noqa: T201 - a command-line entry point
            print(result.output)  # noqa: T201
            print(f"{backend}: {result.summary()}, server {server_cpu:.0f} s CPU")  # noqa: T201
            failed = failed or result.exit_code != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
