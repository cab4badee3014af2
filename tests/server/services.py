"""Reaching PostgreSQL and Redis from tests: skip when not configured, fail in CI."""

from __future__ import annotations

import os

import pytest


def require_url(variable: str, probe_error: Exception | None = None) -> str:
    """Return the service URL from the environment, or skip (fail when CI=true) with a clear reason."""
    url = os.environ.get(variable)
    in_ci = os.environ.get("CI", "").lower() == "true"
    if url and probe_error is None:
        return url
    reason = f"{variable} is not set" if not url else f"{variable} is unreachable: {probe_error}"
    if in_ci:
        pytest.fail(f"{reason}; CI requires this service")
    pytest.skip(reason)
