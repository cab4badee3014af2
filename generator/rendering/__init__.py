"""Rendering: IR -> files (Jinja templates), formatted by ruff, written or compared deterministically."""

from __future__ import annotations

from generator.rendering.environment import HEADER, make_environment
from generator.rendering.formatting import FormattingError, format_files
from generator.rendering.targets import RenderedTree, render_dtos, render_generated, render_sdk
from generator.rendering.writer import TreeDiff, compare_tree, write_tree

__all__ = [
    "HEADER",
    "FormattingError",
    "RenderedTree",
    "TreeDiff",
    "compare_tree",
    "format_files",
    "make_environment",
    "render_dtos",
    "render_generated",
    "render_sdk",
    "write_tree",
]
