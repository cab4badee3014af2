"""The benchmark report builder renders fake figures: every section, the misses, the plots."""

import json
from pathlib import Path
from typing import Any

import pytest

from bench.report import render_markdown, write_report


def _scenario(ours: float, bare: float, p99: float = 80.0) -> dict[str, Any]:
    def side(rps: float, p99_ms: float) -> dict[str, Any]:
        return {"rps": rps, "p50_ms": 10.0, "p99_ms": p99_ms, "cpu_us_per_request": 1e6 / rps, "errors": 0}

    return {"server": side(ours, p99), "bare": side(bare, 12.0), "ratio": ours / bare, "cpu_ratio": ours / bare}


def _results() -> dict[str, Any]:
    step = {"get": {"p50_ms": 0.5, "p99_ms": 1.0}, "list": {"p50_ms": 2.0, "p99_ms": 3.0}}
    return {
        "meta": {"command": "nox -s bench", "date": "2026-11-28", "cores": 2, "python": "3.11.7", "quick": True},
        "server": {
            "command": "python bench/bench_server.py --quick --json",
            "wrk": "wrk -t1 -c32 -d2s",
            "runs": 1,
            "connections": 32,
            "configs": [
                {
                    "name": "sqlite-1",
                    "database": "sqlite",
                    "workers": 1,
                    "limiter": "memory",
                    "scenarios": {"get": _scenario(400, 1000, p99=30.0), "list": _scenario(600, 1000)},
                    "server_rss_mb": 120.0,
                    "server_peak_rss_mb": 125.0,
                    "bare_rss_mb": 50.0,
                }
            ],
            "skipped": {"postgres-1": "ASTERI_TEST_POSTGRES_URL is not set"},
        },
        "profile": {
            "command": "python bench/profile_server.py --json",
            "figures": {"get": {"server_us": 700.0, "bare_us": 70.0, "ratio": 0.1}},
        },
        "scaling": {
            "command": "python bench/bench_scaling.py --quick --json",
            "requests": 50,
            "results": [
                {
                    "database": "sqlite",
                    "steps": [
                        {"tenant_rows": 1000, "other_rows": 1000, "seed_seconds": 1.0, "latency": step},
                        {"tenant_rows": 10000, "other_rows": 10000, "seed_seconds": 2.0, "latency": step},
                    ],
                }
            ],
        },
        "toolchain": {
            "command": "python bench/bench_toolchain.py --quick --json",
            "peers_installed": False,
            "rows": [
                {
                    "document": "ours",
                    "size_kb": 400.0,
                    "tool": "asteri check",
                    "seconds": 1.2,
                    "peak_mb": 60.0,
                    "status": "ok",
                },
                {
                    "document": "big",
                    "size_kb": 1500.0,
                    "tool": "asteri check",
                    "seconds": 4.0,
                    "peak_mb": 90.0,
                    "status": "ok",
                },
                {
                    "document": "big",
                    "size_kb": 1500.0,
                    "tool": "asteri diff",
                    "seconds": 9.0,
                    "peak_mb": 1.0,
                    "status": "timeout",
                },
            ],
        },
        "sdk": {
            "command": "python bench/bench_sdk.py --json",
            "calls": 10,
            "results": {"sync": {"get": {"httpx_us": 100.0, "sdk_us": 150.0, "overhead_us": 50.0}}},
        },
        "webhooks": {"error": "exit 1: boom", "command": "python bench/bench_webhooks.py --json"},
    }


def test_the_report_has_every_section_with_its_command() -> None:
    text = render_markdown(_results())
    for heading in ("## Server", "## Scaling with data", "## Toolchain", "## SDK", "## Webhooks"):
        assert heading in text
    for command in ("bench/bench_server.py --quick", "bench/bench_scaling.py", "bench/bench_toolchain.py"):
        assert command in text
    assert "shared" in text
    assert "2 CPU cores" in text
    assert "Python 3.11.7" in text


def test_a_missed_target_says_by_how_much() -> None:
    text = render_markdown(_results())
    assert "get: throughput **missed by 10 points** (40% of bare, target 50%: 1.2x" in text
    assert "p99 < 50 ms met" in text  # get's p99 is 30 ms
    assert "list: throughput met (60% >= 30%)" in text
    assert "**missed by 30 ms** (80 ms)" in text  # list's p99
    assert "memory: 120 MB, met" in text


def test_failures_and_skips_are_reported_not_hidden() -> None:
    text = render_markdown(_results())
    assert "Not measured: exit 1: boom." in text
    assert "`postgres-1` skipped: ASTERI_TEST_POSTGRES_URL is not set." in text
    assert "fails (timeout)" in text


def test_webhooks_not_yet_when_the_script_is_missing() -> None:
    results = _results()
    del results["webhooks"]
    assert "Not yet" in render_markdown(results)


def test_write_report_draws_the_plots(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    path = write_report(_results(), tmp_path)
    assert path.read_text(encoding="utf-8").startswith("# Benchmark results")
    for name in ("server_rps.png", "server_ratio.png", "scaling.png", "toolchain.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")


def test_a_section_names_when_it_was_measured() -> None:
    results = _results()
    results["sdk"]["date"] = "2026-11-29 07:42 UTC"
    assert "bench/bench_sdk.py --json` (measured 2026-11-29 07:42 UTC)" in render_markdown(results)


def test_keep_carries_the_sections_not_rerun_with_the_date_they_were_measured(tmp_path: Path) -> None:
    from bench.run import _kept

    last = {"meta": {"date": "2026-11-28 10:00 UTC"}, "server": {"configs": []}, "sdk": {"calls": 1}}
    (tmp_path / "results.json").write_text(json.dumps(last), encoding="utf-8")
    kept = _kept(tmp_path, {"server", "profile"})
    assert kept == {"sdk": {"date": "2026-11-28 10:00 UTC", "calls": 1}}
    assert _kept(tmp_path / "nothing-yet", {"server"}) == {}
