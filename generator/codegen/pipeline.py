"""``asteri generate`` as a library call: bundled dict -> IR -> DTOs -> templates -> ruff -> trees."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from generator.codegen.dto import generate_dtos
from generator.ir import BuildOptions, build_api
from generator.rendering import (
    RenderedTree,
    TreeDiff,
    compare_tree,
    format_files,
    make_environment,
    render_generated,
    render_sdk,
    write_tree,
)

__all__ = ["DEFAULT_TEMPLATES", "check_trees", "generate_trees", "write_trees"]

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def generate_trees(data: dict[str, Any], *, templates: Path = DEFAULT_TEMPLATES,
                   options: BuildOptions | None = None) -> tuple[RenderedTree, ...]:
    """Render every output tree of a bundled document, formatted, in memory.

    Raises:
        CodegenError: the document has constructs the generator cannot express (nothing is produced).
        FormattingError: ruff rejected a rendered file (a template bug).
    """
    api, registry = build_api(data, options)
    api = dataclasses.replace(api, dtos=generate_dtos(registry))
    env = make_environment(templates)
    trees = (render_generated(env, api), render_sdk(env, api))
    merged = {f"{tree.root}/{path}": text for tree in trees for path, text in tree.files.items()}
    formatted = format_files(merged, first_party=(api.server_package, api.package))
    return tuple(RenderedTree(tree.root, {path: formatted[f"{tree.root}/{path}"] for path in tree.files})
                 for tree in trees)


def write_trees(trees: tuple[RenderedTree, ...], output_dir: Path) -> dict[str, TreeDiff]:
    """Write each tree under ``output_dir/<root>``; return what changed per root."""
    return {tree.root: write_tree(output_dir / tree.root, tree.files) for tree in trees}


def check_trees(trees: tuple[RenderedTree, ...], output_dir: Path) -> dict[str, TreeDiff]:
    """Compare each tree with ``output_dir/<root>`` without writing anything."""
    return {tree.root: compare_tree(output_dir / tree.root, tree.files) for tree in trees}
