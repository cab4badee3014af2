"""Developer tasks. Each session installs the project into its own virtualenv.

CI does not use nox (it runs ``scripts/test`` in one venv, which is faster on a clean machine),
but every CI step has a session here with the same command, so a developer can run one step alone.
"""

from __future__ import annotations

import nox

nox.options.sessions = ["lint", "typecheck", "spec", "tests"]
nox.options.error_on_missing_interpreters = True

PYTHON = "3.11"


def _install(session: nox.Session) -> None:
    session.install("-e", ".[dev]")


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff, then the import-linter layer contracts."""
    _install(session)
    session.run("ruff", "check", ".")
    session.run("lint-imports")


@nox.session(python=PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy --strict over the whole tree (configured in pyproject.toml)."""
    _install(session)
    session.run("mypy")


@nox.session(python=PYTHON)
def spec(session: nox.Session) -> None:
    """Bundle, validate and lint the contract."""
    _install(session)
    session.run("asteri", "check")


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The pytest suite (pass extra pytest arguments after --)."""
    _install(session)
    session.run("python", "-m", "pytest", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Every benchmark under bench/, then bench/RESULTS.md and its plots (never part of pass/fail).

    ``nox -s bench -- --quick`` is a smoke run; other arguments go to ``bench/run.py``. Needs ``wrk``
    (``apt-get install -y wrk``); PostgreSQL and Redis configurations run when their test URLs are set.
    """
    session.install("-e", ".[dev,bench]", "-e", "sdk")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(python=PYTHON)
def fuzz(session: nox.Session) -> None:
    """schemathesis against a live server on SQLite and PostgreSQL, 500 examples per operation (not in CI).

    Pass options after --, e.g. ``nox -s fuzz -- --backend sqlite --max-examples 2000 --seed 1``.
    """
    _install(session)
    session.run("python", "-m", "tests.live.fuzz", *(session.posargs or ["--backend", "both", "--max-examples", "500"]))
