"""schemathesis against the live server finds nothing: every operation, every check, stateful links.

CI runs this with 50 examples per operation on SQLite and PostgreSQL; ``nox -s fuzz`` runs longer.
The exceptions to two checks are listed, with their reasons, in docs/fuzzing.md.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.live.fuzz import CI_MAX_EXAMPLES, run_fuzz
from tests.live.server import LiveServer, fresh_database

pytestmark = pytest.mark.slow


def test_schemathesis_finds_no_failure(backend: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with fresh_database(backend, tmp_path) as url, LiveServer.start(url, tmp_path) as server:
        result = run_fuzz(server, tmp_path, max_examples=CI_MAX_EXAMPLES)
        log, server_cpu = server.log_text(), server.cpu_seconds()
    with capsys.disabled():
        print(f"\nschemathesis on {backend}: {result.summary()}, server {server_cpu:.0f} s CPU")  # noqa: T201
    assert result.exit_code == 0, f"{result.output[-30000:]}\n--- server log ---\n{log[-5000:]}"
    tested, total = result.operations
    assert tested == total > 0
    assert result.phases.get("stateful") == "success", result.phases
    assert not result.errors
