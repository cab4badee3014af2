"""``asteri generate`` as a library call: bundled dict -> IR -> DTOs -> templates -> ruff -> trees.

datamodel-code-generator is the slowest step, so it runs in a forked worker process while this
process renders and formats every other file; the DTO modules are rendered when it returns.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from generator.codegen.dto import dtos_from_document
from generator.codegen.worker import DtoWorker
from generator.ir import BuildOptions, CodegenError, build_api
from generator.loading import dump_document
from generator.rendering import (
    RenderedTree,
    TreeDiff,
    compare_tree,
    format_files,
    make_environment,
    render_dtos,
    render_generated,
    render_sdk,
    write_tree,
)

__all__ = ["DEFAULT_TEMPLATES", "DtoWorker", "check_trees", "generate_trees", "write_trees"]

DEFAULT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def _merge(trees: tuple[RenderedTree, ...]) -> dict[str, str]:
    return {f"{tree.root}/{path}": text for tree in trees for path, text in tree.files.items()}


def generate_trees(
    data: dict[str, Any],
    *,
    templates: Path = DEFAULT_TEMPLATES,
    options: BuildOptions | None = None,
    parallel: bool = True,
    worker: DtoWorker | None = None,
) -> tuple[RenderedTree, ...]:
    """Render every output tree of a bundled document, formatted, in memory.

    Args:
        data: the bundled document.
        templates: the template folder.
        options: SDK and server package names.
        parallel: generate the DTOs in a forked worker while the other files render.
        worker: an already started (warming) worker to use; the caller closes it.

    Raises:
        CodegenError: the document has constructs the generator cannot express (nothing is produced).
        FormattingError: ruff rejected a rendered file (a template bug).
    """
    api, registry = build_api(data, options)
    document = registry.dto_document()
    if registry.problems:
        raise CodegenError(list(registry.problems))
    env = make_environment(templates)
    first_party = (api.server_package, api.package)
    own = worker is None and parallel
    active = DtoWorker() if own else worker
    try:
        if active is not None:
            active.submit(document, registry.class_names)
        trees = (render_generated(env, api), render_sdk(env, api))
        formatted = format_files(_merge(trees), first_party)
        dtos = active.result() if active is not None else dtos_from_document(document, registry.class_names)
    finally:
        if own and active is not None:
            active.close()
    dto_trees = render_dtos(env, dataclasses.replace(api, dtos=dtos))
    formatted.update(format_files(_merge(dto_trees), first_party))
    out = []
    for tree, dto_tree in zip(trees, dto_trees, strict=True):
        paths = sorted({*tree.files, *dto_tree.files})
        files = {path: formatted[f"{tree.root}/{path}"] for path in paths}
        if tree.root == api.server_package:
            files["openapi.json"] = dump_document(data, "json")  # the bundled contract the server serves
        out.append(RenderedTree(tree.root, dict(sorted(files.items())), tree.owned))
    return tuple(out)


def write_trees(trees: tuple[RenderedTree, ...], output_dir: Path) -> dict[str, TreeDiff]:
    """Write each tree under ``output_dir/<root>``; return what changed per root."""
    return {tree.root: write_tree(output_dir / tree.root, tree.files, tree.owned) for tree in trees}


def check_trees(trees: tuple[RenderedTree, ...], output_dir: Path) -> dict[str, TreeDiff]:
    """Compare each tree with ``output_dir/<root>`` without writing anything."""
    return {tree.root: compare_tree(output_dir / tree.root, tree.files, tree.owned) for tree in trees}
