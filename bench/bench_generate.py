"""Time ``asteri generate`` against openapi-python-client and fastapi-code-generator on the same documents.

Usage:
    .venv/bin/python bench/bench_generate.py [--runs 3] [--no-peers] [--peers-env /tmp/asteri-bench-peers]

The peers are installed into a throwaway virtual environment (network needed once). Each figure is
the median wall time of ``--runs`` runs of the whole command (interpreter start included), each run
writing into a fresh temporary folder. ``asteri (engine)`` is the same generation as a library call
in a fresh interpreter, without the CLI's start-up (which imports every command of the toolchain).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "specs"
PEERS = {
    "openapi-python-client": "openapi-python-client==0.29.1",
    "fastapi-code-generator": "fastapi-code-generator==0.8.1",
}
_ENGINE = """
import sys
from generator.codegen import DtoWorker, generate_trees
from generator.loading import load_document
with DtoWorker() as worker:
    generate_trees(load_document(sys.argv[1]).data, worker=worker)
"""


def documents(workdir: Path) -> list[Path]:
    """Our contract bundled into one file (the peers cannot follow its file refs), then the shared specs."""
    docs = []
    root = REPO / "spec" / "openapi.yaml"
    if root.is_file():
        from generator.loading import dump_document, load_document

        bundled = workdir / "asteri-openapi.bundled.yaml"
        bundled.write_text(dump_document(load_document(root).data), encoding="utf-8")
        docs.append(bundled)
    return docs + sorted(SHARED.glob("*.y*ml"))


def ensure_peers(env: Path) -> Path | None:
    bin_dir = env / "bin"
    if (bin_dir / "openapi-python-client").exists() and (bin_dir / "fastapi-codegen").exists():
        return bin_dir
    print(f"installing peers into {env} ...", flush=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(env)], check=True)
        subprocess.run([str(bin_dir / "pip"), "install", "--quiet", *PEERS.values()], check=True)
    except subprocess.CalledProcessError as exc:
        print(f"could not install the peers ({exc}); timing asteri only")
        return None
    return bin_dir


def commands(doc: Path, out: Path, peers: Path | None) -> dict[str, list[str]]:
    cmds = {
        "asteri generate": [
            sys.executable,
            "-m",
            "generator",
            "generate",
            "--spec",
            str(doc),
            "--output-dir",
            str(out),
        ],
        "asteri (engine)": [sys.executable, "-c", _ENGINE, str(doc)],
    }
    if peers is not None:
        cmds["openapi-python-client"] = [
            str(peers / "openapi-python-client"),
            "generate",
            "--path",
            str(doc),
            "--output-path",
            str(out / "opc"),
            "--overwrite",
        ]
        cmds["fastapi-code-generator"] = [
            str(peers / "fastapi-codegen"),
            "--input",
            str(doc),
            "--output",
            str(out / "fcg"),
        ]
    return cmds


def time_command(command: list[str], runs: int) -> tuple[float | None, str]:
    times: list[float] = []
    status = "ok"
    for _ in range(runs):
        with tempfile.TemporaryDirectory(prefix="asteri-bench-") as tmp:
            cmd = [part.replace("{OUT}", tmp) for part in command]
            start = time.perf_counter()
            done = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=tmp)
            times.append(time.perf_counter() - start)
            if done.returncode != 0:
                status = f"exit {done.returncode}: " + (done.stderr.strip().splitlines() or [""])[-1][:70]
    return statistics.median(times), status


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peers", action="store_true")
    parser.add_argument("--cache", action="store_true", help="keep asteri's DTO cache (default: cold runs)")
    parser.add_argument("--peers-env", type=Path, default=Path(tempfile.gettempdir()) / "asteri-bench-peers")
    args = parser.parse_args()
    peers = None if args.no_peers else ensure_peers(args.peers_env)
    if not args.cache:
        os.environ["ASTERI_NO_CACHE"] = "1"
    rows: list[tuple[str, str, str, str]] = []
    workdir = Path(tempfile.mkdtemp(prefix="asteri-bench-docs-"))
    for doc in documents(workdir):
        size = f"{doc.stat().st_size / 1024:.0f} KB"
        for tool, command in commands(doc, Path("{OUT}"), peers).items():
            median, status = time_command(command, args.runs)
            rows.append((f"{doc.name} ({size})", tool, f"{median:.2f}" if median is not None else "-", status))
            print(f"{rows[-1][0]:<45} {tool:<24} {rows[-1][2]:>6} s  {status}", flush=True)
    cache = "warm DTO cache" if args.cache else "cold, no cache"
    print(f"\n| document | tool | median wall s ({args.runs} runs, {cache}) | status |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
