"""Asteri's contract toolchain: bundle, validate, lint, diff, release and generate from the spec."""

from __future__ import annotations

__version__ = "0.1.0"
