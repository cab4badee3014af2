"""Where a request's units of work run: on the event loop when the database cannot keep them waiting.

An embedded SQLite database (``UnitOfWorkFactory.inline``) answers without a network round trip,
so a hop to a worker thread costs more than the work: under 32 concurrent creates, writes run in
the thread pool spent about a third of the server's CPU handing the GIL and the writer lock
between threads (ADR 0900, session 6). Reads never wait there (WAL), so they always run on the
loop. A write runs on the loop only while the writer lock is free at once; when another thread or
process holds it, the write is refused before it wrote anything and runs in the thread pool,
where it may wait without stopping every other request. PostgreSQL's units run in the pool.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from server_impl.services.ports import UnitOfWorkFactory, WriterBusy

T = TypeVar("T")


async def run_reads(uow_factory: UnitOfWorkFactory, work: Callable[[], T]) -> T:
    """Run ``work``, which opens only read-only units of work of ``uow_factory``, and return its result."""
    return work() if uow_factory.inline else await run_in_threadpool(work)


async def run_writes(uow_factory: UnitOfWorkFactory, work: Callable[[], T]) -> T:
    """Run ``work``, which opens units of work of ``uow_factory`` that write, and return its result.

    ``work`` must have no effect outside the database before its first write transaction begins
    (true of units of work: nothing is sent or stored before they commit); it may be started twice.
    """
    if uow_factory.inline:
        try:
            with uow_factory.first_write_without_waiting():
                return work()
        except WriterBusy:
            pass  # nothing was written: run it where it may wait for the writer
    return await run_in_threadpool(work)
