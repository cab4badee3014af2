"""Turn the figures collected by ``bench/run.py`` into ``bench/RESULTS.md`` and PNG plots.

Pure rendering: :func:`render_markdown` builds the report from the results document (a dict of
sections, each the JSON a benchmark script printed, or ``{"error": ...}``), and :func:`plot_all`
draws the figures with matplotlib (``pip install -e '.[bench]'``). Each figure and table names the
command that produced it. Re-render without re-measuring: ``python bench/report.py bench/results.json``.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SERVER_TARGETS = {"get": 0.50, "list": 0.30, "create": 0.25, "create-job": 0.25}
P99_TARGET_MS = 50.0
RSS_TARGET_MB = 200.0
TOOLCHAIN_TOOLS = (
    "asteri check",
    "asteri diff",
    "asteri generate",
    "asteri docs build",
    "datamodel-code-generator",
    "openapi-python-client",
    "fastapi-code-generator",
)

# What the profile shows, summarised from bench/profile_server.py --profile (pyinstrument) and
# py-spy on the uvicorn process under wrk; kept beside the measured in-process figures.
PROFILE_SUMMARY = """\
Where an authenticated GET spends its CPU (py-spy sampling in process, inclusive, session 8; ADR
0900 has each step and its instruction count):

- **Database read ~28%**: the prepared select on SQLite's driver connection with its type
  processing ~15% (`adapters/sqlalchemy/prepared.py`), SQLite's BEGIN and ROLLBACK on the thread's
  kept connection ~8%, mapping the row to the domain.
- **Authorizer ~20%**: the API key (HMAC, process cache, expiry) ~8%, the `limits` counters ~7%
  (synchronous memory storage, no coroutine per call since session 8), the organization header.
- **The rest of the generated endpoint ~19%**: the customer's DTO ~7%, rendering it ~7%, the
  `ParameterReader`, the ETag; every operation with no body or a JSON body is called without
  FastAPI's request handler.
- **Middleware, routing and sending ~30%**: Starlette's and FastAPI's own layers (errors, body
  limit, exception handlers, exit stack), the edge (request id, body and NUL guards, response
  fields), the segment-and-depth dispatch, the response.
- Under wrk the server spends ~350-450 us of CPU per GET on this session's machine against ~150 us
  in process: uvicorn's h11 parsing and two socket writes per answer, which the bare app pays too.

On PostgreSQL a request costs 3-4x the CPU of SQLite: reads and writes leave the event loop for
the thread pool, psycopg's BEGIN/SELECT/ROLLBACK add theirs, and the limiter makes one Redis round
trip (a Lua script for both windows since session 8; three before).

A create adds the write, run on the event loop while SQLite's writer lock is free (in the thread
pool otherwise, `server_impl/web/database_work.py`): prepared inserts of the customer, its audit
event and its outbox event in one transaction on the thread's kept writing connection, and the
commit (about a sixth; 14 pages to the WAL); WAL checkpoints run on a thread of their own.
"""


# ------------------------------------------------------------------------------------------ helpers
def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _pct(value: float) -> str:
    return f"{value:.0%}"


def _failed(section: Mapping[str, Any] | None) -> str | None:
    if section is None:
        return "not run"
    if "error" in section:
        return str(section["error"])
    return None


def _command_line(section: Mapping[str, Any]) -> list[str]:
    command = section.get("command")
    measured = f" (measured {section['date']})" if section.get("date") else ""
    return [f"Command: `{command}`{measured}", ""] if command else []


# ------------------------------------------------------------------------------------------ sections
def _load_note(meta: Mapping[str, Any]) -> str:
    """Say whether other work shared the machine, judged by the load average before the run."""
    try:
        load = float(str(meta.get("load_before", "")).split()[0])
        cores = int(meta.get("cores", 0))
    except (ValueError, IndexError):
        load, cores = -1.0, 0
    if cores and load > cores:
        return (
            f"- **The machine was shared** (load average {load:.1f} on {cores} cores before the run): absolute "
            "figures are noisy (and low). Every comparison below is made inside one run (our server and "
            "the bare FastAPI app alternate, run by run), so reason with the ratios and with CPU time per "
            "request, which move much less with other work than requests per second do."
        )
    return (
        "- The machine ran nothing else (load average below its core count before the run); the load "
        "generator and the server share its cores, so a server figure is what one process does while a "
        "load generator competes with it."
    )


def _header(results: Mapping[str, Any]) -> list[str]:
    meta = results.get("meta", {})
    return [
        "# Benchmark results",
        "",
        f"Generated by `{meta.get('command', 'nox -s bench')}` on {meta.get('date', '?')}"
        f" ({'quick smoke run' if meta.get('quick') else 'full run'}).",
        "",
        f"- Machine: {meta.get('cores', '?')} CPU cores, {meta.get('platform', '?')}; "
        f"Python {meta.get('python', '?')}; load average {meta.get('load_before', '?')} before, "
        f"{meta.get('load_after', '?')} after.",
        _load_note(meta),
        "- Figures are medians of several runs unless a row says otherwise; each table and plot names "
        "the command that reproduces it.",
        "",
    ]


def _server(section: Mapping[str, Any] | None, profile: Mapping[str, Any] | None) -> list[str]:
    lines = ["## Server", ""]
    failure = _failed(section)
    if failure or section is None:
        return [*lines, f"Not measured: {failure}.", ""]
    lines += _command_line(section)
    lines += [
        f"Load: `{section.get('wrk')}` (one wrk thread, {section.get('connections')} connections) from its own "
        f"process, median of {section.get('runs')} runs. Our server (`asteri` app under uvicorn) against a bare "
        "FastAPI app returning the same DTO with no auth, database or middleware, with as many workers. "
        "`cpu us` is the CPU time of the server's process tree per request. Targets (issue 5, SQLite, one "
        "worker): GET >= 50% of bare, list >= 30%, create >= 25%, p99 < 50 ms at 32 connections, memory "
        "< 200 MB. Recording a payment sends a fresh `Idempotency-Key` per request (the contract requires it).",
        "",
        "![Requests per second](server_rps.png)",
        "",
        "![Ratio to bare FastAPI](server_ratio.png)",
        "",
    ]
    for config in section.get("configs", []):
        lines += [f"### {config['database']}, {config['workers']} worker(s), {config['limiter']} rate limiter", ""]
        rows = []
        for scenario, row in config["scenarios"].items():
            ours, bare = row["server"], row["bare"]
            target = SERVER_TARGETS.get(scenario)
            rows.append(
                [
                    scenario,
                    f"{ours['rps']:.0f}",
                    f"{ours['p50_ms']:.1f}",
                    f"{ours['p99_ms']:.1f}",
                    f"{ours['cpu_us_per_request']:.0f}",
                    f"{bare['rps']:.0f}",
                    f"{bare['p99_ms']:.1f}",
                    f"{bare['cpu_us_per_request']:.0f}",
                    _pct(row["ratio"]),
                    _pct(row.get("cpu_ratio", 0.0)),
                    "-" if target is None else _pct(target),
                    str(ours["errors"]),
                ]
            )
        lines += _table(
            [
                "scenario",
                "ours req/s",
                "p50 ms",
                "p99 ms",
                "cpu us",
                "bare req/s",
                "bare p99 ms",
                "bare cpu us",
                "ratio (req/s)",
                "ratio (cpu)",
                "target",
                "non-2xx",
            ],
            rows,
        )
        lines += [
            "",
            f"Memory: server {config['server_rss_mb']:.0f} MB resident (peak {config['server_peak_rss_mb']:.0f} MB, "
            f"all processes), bare app {config['bare_rss_mb']:.0f} MB. "
            + (
                f"Target < {RSS_TARGET_MB:.0f} MB: {'met' if config['server_rss_mb'] < RSS_TARGET_MB else 'missed'}."
                if config["workers"] == 1
                else f"({config['workers']} workers and their master; the < {RSS_TARGET_MB:.0f} MB target is "
                "for one worker.)"
            ),
            "",
        ]
    for name, reason in section.get("skipped", {}).items():
        lines += [f"- `{name}` skipped: {reason}.", ""]
    if section.get("note"):
        lines += [str(section["note"]), ""]
    lines += _targets(section)
    lines += _profile(profile)
    return lines


def _targets(section: Mapping[str, Any]) -> list[str]:
    reference = next((c for c in section.get("configs", []) if c["database"] == "sqlite" and c["workers"] == 1), None)
    if reference is None:
        return []
    lines = ["### Targets (SQLite, one worker)", ""]
    for scenario, target in SERVER_TARGETS.items():
        row = reference["scenarios"].get(scenario)
        if row is None:
            continue
        ratio, p99 = row["ratio"], row["server"]["p99_ms"]
        if ratio >= target:
            verdict = f"met ({_pct(ratio)} >= {_pct(target)})"
        else:
            verdict = (
                f"**missed by {(target - ratio) * 100:.0f} points** ({_pct(ratio)} of bare, target {_pct(target)}: "
                f"{target / ratio:.1f}x the throughput would be needed)"
                if ratio
                else "**missed** (no throughput)"
            )
        latency = "met" if p99 < P99_TARGET_MS else f"**missed by {p99 - P99_TARGET_MS:.0f} ms** ({p99:.0f} ms)"
        lines.append(f"- {scenario}: throughput {verdict}; p99 < {P99_TARGET_MS:.0f} ms {latency}.")
    memory = reference["server_rss_mb"]
    lines += [f"- memory: {memory:.0f} MB, {'met' if memory < RSS_TARGET_MB else 'missed'}.", ""]
    return lines


def _profile(profile: Mapping[str, Any] | None) -> list[str]:
    lines = ["### Where the time goes (profile)", ""]
    if profile is not None and "error" not in profile and "figures" in profile:
        lines += _command_line(profile)
        lines += [
            "CPU per request measured in process (the app called through ASGI, no sockets): the part of "
            "the cost that is ours, without the load generator and the neighbours.",
            "",
        ]
        rows = [
            [name, f"{row['server_us']:.0f}", f"{row['bare_us']:.0f}", _pct(row["ratio"])]
            for name, row in profile["figures"].items()
        ]
        lines += [*_table(["scenario", "ours us", "bare us", "bare / ours"], rows), ""]
    return [*lines, PROFILE_SUMMARY, ""]


def _scaling(section: Mapping[str, Any] | None) -> list[str]:
    lines = ["## Scaling with data", ""]
    failure = _failed(section)
    if failure or section is None:
        return [*lines, f"Not measured: {failure}.", ""]
    lines += _command_line(section)
    lines += [
        "Latency of one request at a time, in process through the whole app, with N customers in the "
        "tenant and as many other tenants' rows beside them (three other organizations and the tenant's "
        "test environment), seeded with bulk inserts. `list-deep` is a page from the middle of the "
        f"tenant's rows (cursor pagination). {section.get('requests')} requests per figure.",
        "",
        "![Latency against rows](scaling.png)",
        "",
    ]
    for result in section.get("results", []):
        rows = []
        for step in result["steps"]:
            cells = [f"{step['tenant_rows']:,}", f"{step['other_rows']:,}", f"{step['seed_seconds']:.0f}"]
            for name in ("get", "list", "list-deep"):
                latency = step["latency"].get(name)
                cells.append("-" if latency is None else f"{latency['p50_ms']:.2f} / {latency['p99_ms']:.2f}")
            rows.append(cells)
        lines += [f"### {result['database']}", ""]
        lines += _table(
            ["tenant rows", "rows beside", "seed s", "get p50 / p99 ms", "list p50 / p99 ms", "list-deep p50 / p99 ms"],
            rows,
        )
        lines.append("")
        steps = result["steps"]
        if len(steps) >= 2:
            first, last = steps[0]["latency"], steps[-1]["latency"]
            growth = ", ".join(
                f"{name} x{last[name]['p50_ms'] / first[name]['p50_ms']:.2f}"
                for name in ("get", "list", "list-deep")
                if name in first and name in last and first[name]["p50_ms"]
            )
            lines += [
                f"Median latency from {steps[0]['tenant_rows']:,} to {steps[-1]['tenant_rows']:,} rows: {growth} "
                "(1.0 = flat: the tenant index bounds every query).",
                "",
            ]
    if section.get("note"):
        lines += [str(section["note"]), ""]
    return lines


def _toolchain(section: Mapping[str, Any] | None) -> list[str]:
    lines = ["## Toolchain", ""]
    failure = _failed(section)
    if failure or section is None:
        return [*lines, f"Not measured: {failure}.", ""]
    lines += _command_line(section)
    lines += [
        "Wall time (median of runs; a command slower than 10 s ran once; interpreter start included; asteri "
        "cold, `ASTERI_NO_CACHE=1`) and peak "
        "resident memory of each command on each document. `asteri diff` compares our spec with its last "
        "release and a shared spec with itself. datamodel-code-generator alone generates the models "
        "only (it is the DTO engine under `asteri generate`). "
        + ("" if section.get("peers_installed") else "The peer generators could not be installed. "),
        "",
        "![Time against spec size](toolchain.png)",
        "",
    ]
    rows_by_doc: dict[str, dict[str, Any]] = {}
    sizes: dict[str, float] = {}
    for row in section.get("rows", []):
        rows_by_doc.setdefault(row["document"], {})[row["tool"]] = row
        sizes[row["document"]] = row["size_kb"]
    tools = [tool for tool in TOOLCHAIN_TOOLS if any(tool in by_tool for by_tool in rows_by_doc.values())]
    table_rows = []
    for document, by_tool in rows_by_doc.items():
        cells = [document, f"{sizes[document]:.0f} KB"]
        for tool in tools:
            row = by_tool.get(tool)
            if row is None:
                cells.append("-")
            elif not row["status"].startswith("ok"):
                cells.append(f"fails ({row['status'][:40]})")
            else:
                cells.append(f"{row['seconds']:.2f} s / {row['peak_mb']:.0f} MB")
        table_rows.append(cells)
    lines += [*_table(["document", "size", *tools], table_rows), ""]
    lines += [
        "`asteri check` on a shared spec exits 1 when it has lint findings (shown as ok: the run completed).",
        "",
    ]
    if section.get("note"):
        lines += [str(section["note"]), ""]
    return lines


def _sdk(section: Mapping[str, Any] | None) -> list[str]:
    lines = ["## SDK", ""]
    failure = _failed(section)
    if failure or section is None:
        return [*lines, f"Not measured: {failure}.", ""]
    lines += _command_line(section)
    lines += [
        "Per-call time of the SDK and of raw httpx sending the same request through the same in-memory "
        "transport (no network, no server): the overhead is what the SDK adds (argument handling, "
        f"headers, typed model validation of the answer). {section.get('calls')} calls per run.",
        "",
    ]
    rows = []
    for mode, calls in section.get("results", {}).items():
        for call, row in calls.items():
            rows.append([mode, call, f"{row['httpx_us']:.0f}", f"{row['sdk_us']:.0f}", f"{row['overhead_us']:+.0f}"])
    lines += [*_table(["mode", "call", "raw httpx us", "SDK us", "overhead us"], rows), ""]
    if any(row["overhead_us"] < 0 for calls in section.get("results", {}).values() for row in calls.values()):
        lines += [
            "A negative overhead means the difference is inside this run's noise (the SDK cannot be faster "
            "than the same request through raw httpx); rerun on a quiet machine for the figure itself.",
            "",
        ]
    return lines


def _webhooks(section: Mapping[str, Any] | None) -> list[str]:
    lines = ["## Webhooks", ""]
    if section is None:
        return [*lines, "Not yet: `bench/bench_webhooks.py` does not exist yet.", ""]
    failure = _failed(section)
    if failure:
        return [*lines, f"Not measured: {failure}.", ""]
    lines += _command_line(section)
    lines += [
        "Deliveries per second draining a backlog of events into a local receiver (the script's own "
        "method: see its docstring).",
        "",
    ]
    rows = [
        [
            str(row.get("backend")),
            str(row.get("workers")),
            str(row.get("events")),
            str(row.get("delivered")),
            str(row.get("deliveries_per_second")),
        ]
        for row in section.get("results", [])
    ]
    lines += _table(["backend", "workers", "events", "delivered", "deliveries/s"], rows)
    target = section.get("target_per_worker_sqlite")
    if target:
        lines += ["", f"Target: >= {target} deliveries/s per worker on SQLite."]
    return [*lines, ""]


def _others(section: Mapping[str, Any] | None) -> list[str]:
    if not section or not section.get("scripts"):
        return []
    measured = f" (measured {section['date']})" if section.get("date") else ""
    lines = ["## Other benchmark scripts", "", f"Their own output, as printed{measured}.", ""]
    for script in section["scripts"]:
        lines += [
            f"### `{script['command']}`",
            "",
            "```",
            script.get("output", "").rstrip() or "(no output)",
            "```",
            "",
        ]
    return lines


def render_markdown(results: Mapping[str, Any]) -> str:
    """Return the whole RESULTS.md for a results document."""
    lines = _header(results)
    lines += _server(results.get("server"), results.get("profile"))
    lines += _scaling(results.get("scaling"))
    lines += _toolchain(results.get("toolchain"))
    lines += _sdk(results.get("sdk"))
    lines += _webhooks(results.get("webhooks"))
    lines += _others(results.get("others"))
    return "\n".join(lines).rstrip() + "\n"


# ------------------------------------------------------------------------------------------ plots
def _caption(figure: Any, command: str | None) -> None:
    if command:
        figure.text(0.01, 0.01, f"$ {command}", fontsize=7, family="monospace", color="#555555")


def _plot_server(plt: Any, section: Mapping[str, Any], out: Path) -> list[Path]:
    configs = section.get("configs", [])
    if not configs:
        return []
    scenarios = list(configs[0]["scenarios"])
    made = []
    figure, axes = plt.subplots(1, len(configs), figsize=(4.2 * len(configs), 4.2), squeeze=False)
    for axis, config in zip(axes[0], configs, strict=True):
        xs = range(len(scenarios))
        ours = [config["scenarios"].get(s, {}).get("server", {}).get("rps", 0) for s in scenarios]
        bare = [config["scenarios"].get(s, {}).get("bare", {}).get("rps", 0) for s in scenarios]
        axis.bar([x - 0.2 for x in xs], ours, width=0.4, label="asteri server")
        axis.bar([x + 0.2 for x in xs], bare, width=0.4, label="bare FastAPI")
        axis.set_xticks(list(xs), scenarios, rotation=30, fontsize=8)
        axis.set_title(config["name"], fontsize=10)
        axis.set_ylabel("requests / s")
    axes[0][0].legend(fontsize=8)
    figure.suptitle("Server throughput, ours against bare FastAPI (same run)")
    _caption(figure, section.get("command"))
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    path = out / "server_rps.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    made.append(path)

    figure, axis = plt.subplots(figsize=(8, 4.2))
    width = 0.8 / len(configs)
    for index, config in enumerate(configs):
        ratios = [config["scenarios"].get(s, {}).get("ratio", 0) * 100 for s in scenarios]
        offset = -0.4 + width * (index + 0.5)
        axis.bar([x + offset for x in range(len(scenarios))], ratios, width=width, label=config["name"])
    for x, scenario in enumerate(scenarios):
        target = SERVER_TARGETS.get(scenario)
        if target is not None:
            axis.hlines(target * 100, x - 0.45, x + 0.45, colors="red", linestyles="dashed")
    axis.set_xticks(list(range(len(scenarios))), scenarios, fontsize=8)
    axis.set_ylabel("% of bare FastAPI req/s")
    axis.set_title("Throughput ratio to bare FastAPI (dashed: issue 5 targets, SQLite one worker)")
    axis.legend(fontsize=8)
    _caption(figure, section.get("command"))
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    path = out / "server_ratio.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    made.append(path)
    return made


def _plot_scaling(plt: Any, section: Mapping[str, Any], out: Path) -> list[Path]:
    results = section.get("results", [])
    if not results:
        return []
    figure, axis = plt.subplots(figsize=(7, 4.2))
    for result in results:
        rows = [step["tenant_rows"] for step in result["steps"]]
        for name in ("get", "list", "list-deep"):
            values = [step["latency"].get(name, {}).get("p50_ms", float("nan")) for step in result["steps"]]
            axis.plot(rows, values, marker="o", label=f"{result['database']} {name}")
    axis.set_xscale("log")
    axis.set_xlabel("customers in the tenant (as many beside it)")
    axis.set_ylabel("median latency, ms")
    axis.set_ylim(bottom=0)
    axis.set_title("Latency against data size")
    axis.legend(fontsize=8)
    _caption(figure, section.get("command"))
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    path = out / "scaling.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return [path]


def _plot_toolchain(plt: Any, section: Mapping[str, Any], out: Path) -> list[Path]:
    rows = [row for row in section.get("rows", []) if row["status"].startswith("ok")]
    if not rows:
        return []
    figure, axis = plt.subplots(figsize=(8, 4.6))
    for tool in TOOLCHAIN_TOOLS:
        points = sorted((row["size_kb"], row["seconds"]) for row in rows if row["tool"] == tool)
        if points:
            axis.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=tool)
    axis.set_xscale("log")
    axis.set_xlabel("spec size, KB (ours: the split files)")
    axis.set_ylabel("wall time, s")
    axis.set_title("Toolchain time against spec size")
    axis.legend(fontsize=7)
    _caption(figure, section.get("command"))
    figure.tight_layout(rect=(0, 0.05, 1, 1))
    path = out / "toolchain.png"
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return [path]


def plot_all(results: Mapping[str, Any], out: Path) -> list[Path]:
    """Draw every plot the results allow into ``out``; return the files written."""
    import matplotlib as mpl

    mpl.use("Agg")
    import matplotlib.pyplot as plt

    plotters: dict[str, Callable[[Any, Mapping[str, Any], Path], list[Path]]] = {
        "server": _plot_server,
        "scaling": _plot_scaling,
        "toolchain": _plot_toolchain,
    }
    made: list[Path] = []
    for name, plotter in plotters.items():
        section = results.get(name)
        if section is not None and "error" not in section:
            made += plotter(plt, section, out)
    return made


def write_report(results: Mapping[str, Any], out: Path = HERE) -> Path:
    """Write RESULTS.md and the plots into ``out``; return the Markdown file."""
    out.mkdir(parents=True, exist_ok=True)
    plot_all(results, out)
    path = out / "RESULTS.md"
    path.write_text(render_markdown(results), encoding="utf-8")
    return path


def main() -> int:
    """Re-render a saved results document."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path, nargs="?", default=HERE / "results.json")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    print(write_report(json.loads(args.results.read_text(encoding="utf-8")), args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
