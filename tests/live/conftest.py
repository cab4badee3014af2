"""Fixtures of the live-server tests: a real server process per backend (tests/live/server.py)."""

from __future__ import annotations

import os

import pytest

from tests.server.conftest import postgres_base_url

# The SDK suite runs inside its own virtual environment (tests/live/test_sdk_e2e.py), never here.
collect_ignore = ["sdk_suite"]

BACKEND_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKEND_PARAMS)
def backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgres`` (skips, or fails under CI, when PostgreSQL does not answer)."""
    if request.param == "postgres":
        os.environ["ASTERI_TEST_POSTGRES_URL"] = postgres_base_url()
    return str(request.param)
