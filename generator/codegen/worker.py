"""A forked worker that warms datamodel-code-generator up while the spec loads, then generates the DTOs.

datamodel-code-generator's first call in a process spends about a second importing and building its
own models; starting the worker before the document is loaded hides that behind loading, and the
generation itself then runs beside rendering and formatting of the other files.
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from typing import Any

from generator.codegen.dto import dtos_from_document, warm_up
from generator.ir.errors import CodegenError, Unsupported
from generator.ir.model import DtoModule

__all__ = ["DtoWorker"]


def _serve(conn: Connection) -> None:  # pragma: no cover - runs in the child process
    warm_up()
    try:
        document, expected = conn.recv()
    except EOFError:
        return
    try:
        conn.send(("ok", dtos_from_document(document, expected)))
    except CodegenError as exc:
        conn.send(("refused", [(p.pointer, p.message) for p in exc.problems]))
    except Exception as exc:
        conn.send(("crashed", f"{type(exc).__name__}: {exc}"))


class DtoWorker:
    """One forked child process; ``submit`` once, then ``result``. Use as a context manager."""

    def __init__(self) -> None:
        self._process: Any = None
        self._conn: Connection | None = None
        self._submitted: tuple[dict[str, Any], tuple[str, ...]] | None = None
        if "fork" in multiprocessing.get_all_start_methods():
            context = multiprocessing.get_context("fork")
            self._conn, child = context.Pipe()
            self._process = context.Process(target=_serve, args=(child,), daemon=True)
            self._process.start()
            child.close()

    def __enter__(self) -> DtoWorker:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    def submit(self, document: dict[str, Any], expected: tuple[str, ...]) -> None:
        """Hand the schema document to the worker (or keep it for an in-process run)."""
        self._submitted = (document, expected)
        if self._conn is not None:
            try:
                self._conn.send(self._submitted)
            except OSError:
                self.close()

    def result(self) -> DtoModule:
        """The DTO module (computed in this process if the worker is unavailable).

        Raises:
            CodegenError: datamodel-code-generator refused or failed on the document.
        """
        if self._submitted is None:
            raise RuntimeError("submit() first")
        if self._conn is not None:
            try:
                status, value = self._conn.recv()
            except (EOFError, OSError):
                status, value = "lost", None
            if status == "ok":
                return value  # type: ignore[no-any-return]
            if status == "refused":
                raise CodegenError([Unsupported(pointer, message) for pointer, message in value])
            if status == "crashed":
                raise CodegenError([Unsupported("/components/schemas", f"DTO worker failed: {value}")])
        return dtos_from_document(*self._submitted)

    def close(self) -> None:
        """Stop the worker (it may still be warming up)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
        if self._process is not None:
            self._process.join()
        if self._conn is not None:
            self._conn.close()
        self._process = None
        self._conn = None
