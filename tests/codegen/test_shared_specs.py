"""Generality: ``asteri generate`` works on the real-world specs in ../shared/specs, and the output imports."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.codegen import generate_trees, write_trees
from generator.ir import BuildOptions, CodegenError
from generator.loading import load_document

REPO = Path(__file__).resolve().parents[2]
SHARED = REPO.parent / "shared" / "specs"
SPECS = sorted(p.name for p in SHARED.glob("*.y*ml")) if SHARED.is_dir() else []
# A spec bug the generator refuses (by pointer) instead of emitting an int field with a str default.
REFUSED = {"openai-2023-10-19.yaml": "/components/schemas/CreateChatCompletionRequest/properties/max_tokens/default"}

_IMPORT_ALL = """
import importlib, pkgutil, sys
for name in sys.argv[1:]:
    package = importlib.import_module(name)
    for info in pkgutil.walk_packages(package.__path__, name + "."):
        importlib.import_module(info.name)
import os
import asteri, generated
for module in (asteri, generated):
    assert module.__file__.startswith(os.getcwd()), module.__file__  # the fresh output, not the repo's
client = asteri.Asteri(api_key="k", base_url="http://localhost:1")
client.close()
"""


@pytest.mark.slow
@pytest.mark.skipif(not SPECS, reason="../shared/specs is not present")
@pytest.mark.parametrize("spec", SPECS)
def test_shared_spec_generates_and_imports(spec, tmp_path):
    data = load_document(SHARED / spec).data
    options = BuildOptions()  # the repo's names, so the repo's per-file lint rules apply
    if spec in REFUSED:
        with pytest.raises(CodegenError) as refused:
            generate_trees(data, options=options)
        assert [p.pointer for p in refused.value.problems] == [REFUSED[spec]]
        return
    write_trees(generate_trees(data, options=options), tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", _IMPORT_ALL, "generated", "asteri"],
        cwd=tmp_path,
        env={"PYTHONPATH": f"{tmp_path}:{tmp_path / 'sdk'}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")  # the repo's ruff rules
    ruff = subprocess.run(
        [str(Path(sys.executable).parent / "ruff"), "check", "--no-cache", "generated", "sdk"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ruff.returncode == 0, ruff.stdout[-4000:]
