"""Codegen's all-or-nothing failure: every construct it cannot express, named by JSON pointer."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CodegenError", "Unsupported"]


@dataclass(frozen=True, slots=True)
class Unsupported:
    """A spec construct the generator cannot express faithfully."""

    pointer: str
    message: str


class CodegenError(Exception):
    """Generation refused: the spec has constructs the generator cannot express (never a partial output)."""

    def __init__(self, problems: list[Unsupported]) -> None:
        self.problems = sorted(problems, key=lambda p: (p.pointer, p.message))
        super().__init__("; ".join(f"{p.pointer}: {p.message}" for p in self.problems))
