"""The SDK as an integrator gets it: a wheel built from sdk/, installed into a fresh virtual environment.

The environment holds the wheel (with its ``webhooks`` extra), its dependencies and pytest, nothing of
this repository. Dependencies are pinned to the versions of the running environment (so pip's cache
answers and the suite tests what the project tests with) and come from the package index through
pip's usual cache.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import venv
from importlib import metadata
from pathlib import Path

from tests.live.server import REPO

SDK = REPO / "sdk"
SUITE = Path(__file__).with_name("sdk_suite")
# The wheel's own requirements and the suite's runner, pinned to this environment's versions.
PINNED = ("httpx", "pydantic", "standardwebhooks", "pytest")


class SdkVenvError(RuntimeError):
    """Building the wheel or the environment failed; the message holds pip's output."""


def _run(command: list[str], cwd: Path | None = None) -> None:
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SdkVenvError(f"{' '.join(command)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")


def build_wheel(dist: Path) -> Path:
    """Build the SDK wheel from ``sdk/`` into ``dist`` and return its path."""
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "-w",
            str(dist),
            str(SDK),
        ]
    )
    (wheel,) = dist.glob("asteri-*.whl")
    return wheel


def constraints() -> str:
    """``name==version`` lines for :data:`PINNED`, from the running environment."""
    return "".join(f"{name}=={metadata.version(name)}\n" for name in PINNED)


def create_sdk_venv(folder: Path, wheel: Path) -> Path:
    """Create a virtual environment with only the wheel and pytest; return its python.

    Args:
        folder: Where the environment goes (created).
        wheel: The SDK wheel.

    Returns:
        The environment's ``python``.
    """
    venv.EnvBuilder(with_pip=True, clear=True).create(folder)
    python = folder / "bin" / "python"
    pins = folder / "constraints.txt"
    pins.write_text(constraints())
    _run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--disable-pip-version-check",
            "--quiet",
            "-c",
            str(pins),
            f"asteri[webhooks] @ {wheel.as_uri()}",
            "pytest",
        ]
    )
    return python


def wheel_digest(wheel: Path) -> str:
    """SHA-256 of the wheel (reported beside the suite's result)."""
    return hashlib.sha256(wheel.read_bytes()).hexdigest()


def run_suite(python: Path, environ: dict[str, str], *extra: str) -> subprocess.CompletedProcess[str]:
    """Run the SDK suite with the environment's pytest, from the suite's folder (nothing else on sys.path)."""
    command = [
        str(python),
        "-m",
        "pytest",
        "-c",
        str(SUITE / "pytest.ini"),
        "--rootdir",
        str(SUITE),
        str(SUITE),
        *extra,
    ]
    return subprocess.run(command, cwd=SUITE, env=environ, capture_output=True, text=True, check=False, timeout=900)
