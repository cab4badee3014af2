"""The committed SDK builds as a wheel and installs into a fresh virtual environment on its own."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Imports the SDK with everything of this repository (and FastAPI) made unimportable.
_CHECK = """
import importlib, pkgutil, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"generator", "generated", "server_impl", "fastapi", "starlette", "tests"}:
            raise ImportError("the SDK must not import " + name)
        return None
sys.meta_path.insert(0, Block())
import asteri
for info in pkgutil.walk_packages(asteri.__path__, "asteri."):
    importlib.import_module(info.name)
assert asteri.__file__.startswith(sys.prefix), asteri.__file__
client = asteri.Asteri(api_key="k")
assert client.user_agent == "asteri-python/" + asteri.__version__
print(asteri.__version__)
"""


@pytest.mark.slow
def test_sdk_wheel_installs_alone(tmp_path):
    if not (REPO / "sdk" / "pyproject.toml").is_file():
        pytest.skip("sdk/ is not generated yet")
    dist = tmp_path / "dist"
    subprocess.run(
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
            str(REPO / "sdk"),
        ],
        check=True,
        capture_output=True,
    )
    wheel = next(dist.glob("asteri-*.whl"))
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith("METADATA"))).decode()
    assert "asteri/py.typed" in names
    requires = sorted(
        line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist")
    )
    assert [r for r in requires if "extra ==" not in r] == ["httpx>=0.27", "pydantic>=2.14"]
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--quiet", "--target", target, str(wheel)],
        check=True,
        capture_output=True,
    )
    # httpx and pydantic come from the project's environment (no network in tests), appended after the venv's own.
    Path(target, "_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    done = subprocess.run([str(python), "-c", _CHECK], capture_output=True, text=True, check=False, cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    version = next(line.split(": ", 1)[1] for line in metadata.splitlines() if line.startswith("Version: "))
    assert done.stdout.strip() == version
