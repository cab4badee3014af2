"""Code generation orchestration: the DTO step (datamodel-code-generator) and the whole pipeline."""

from __future__ import annotations

from generator.codegen.pipeline import DEFAULT_TEMPLATES, DtoWorker, check_trees, generate_trees, write_trees

__all__ = ["DEFAULT_TEMPLATES", "DtoWorker", "check_trees", "generate_trees", "write_trees"]
