"""The SDK under test is the installed wheel, alone: nothing of the repository can be imported."""

from __future__ import annotations

import importlib.util
import sys
import sysconfig
from pathlib import Path

import asteri


def test_the_sdk_is_the_installed_wheel() -> None:
    installed = Path(sysconfig.get_paths()["purelib"]).resolve()
    assert Path(asteri.__file__).resolve().is_relative_to(installed), asteri.__file__
    assert Path(sys.prefix).resolve() != Path(sys.base_prefix).resolve(), "not a virtual environment"


def test_nothing_else_of_ours_is_importable() -> None:
    for name in ("generator", "generated", "server_impl", "fastapi", "sqlalchemy"):
        assert importlib.util.find_spec(name) is None, name
