"""The fuzzing run's failure message names the failing cases (what a failed CI log must show)."""

from __future__ import annotations

import pytest

from tests.live.fuzz import CI_SEED, FuzzResult, ci_seed

OUTPUT = """\
 ✅  Fuzzing (in 136.88s)
=================================== FAILURES ===================================
_________________________ POST /api/public/v1/customers _________________________
- Schema-valid request rejected
    curl -X POST http://127.0.0.1:1/api/public/v1/customers -d '{"name": "a"}'
=================================== WARNINGS ===================================
Missing test data: 17 operations repeatedly returned 404 Not Found
=================================== SUMMARY ====================================
Failures: 1
"""


def _result(output: str) -> FuzzResult:
    return FuzzResult(1, (83, 83), 10, ("ST202 Schema-valid request rejected: 1",), (), {}, 1.0, 1.0, output, {})


def test_failure_details_keep_the_failing_cases_and_drop_the_other_sections() -> None:
    details = _result(OUTPUT).failure_details()
    assert "curl -X POST http://127.0.0.1:1/api/public/v1/customers" in details
    assert "Schema-valid request rejected" in details
    assert "Missing test data" not in details
    assert "Failures: 1" not in details


def test_failure_details_are_empty_when_nothing_failed() -> None:
    assert _result(OUTPUT.replace("FAILURES", "WARNINGS ")).failure_details() == ""


def test_failure_details_are_bounded() -> None:
    assert 0 < len(_result(OUTPUT).failure_details(limit=40)) <= 40


def test_a_long_error_section_never_hides_the_failing_cases() -> None:
    errors = "==================================== ERRORS ====================================\n" + "x" * 50_000 + "\n"
    details = _result(errors + OUTPUT).failure_details()
    assert details.index("curl -X POST") < details.index("ERRORS")  # failures first, though printed second
    assert len(details) <= 12_000


def test_ci_fuzzes_with_a_fixed_seed_unless_told_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASTERI_FUZZ_SEED", raising=False)
    assert ci_seed() == CI_SEED
    monkeypatch.setenv("ASTERI_FUZZ_SEED", "7")
    assert ci_seed() == 7
    monkeypatch.setenv("ASTERI_FUZZ_SEED", "random")
    assert ci_seed() is None
