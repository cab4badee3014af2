"""The background worker: webhook delivery today, and any periodic task registered in one place.

How it works
------------
:class:`~server_impl.worker.loop.Worker` runs a list of tasks in turn, forever: each task is an
object with the :class:`~server_impl.worker.loop.WorkerTask` shape (``name``, ``interval_seconds``,
``run_once() -> int`` returning how many items it handled, ``close()``). Queue-like tasks use an
interval of 0 and run on every turn; periodic ones (expiring estimates, say) give their interval.
When a whole turn handles nothing, the loop sleeps ``ASTERI_WORKER_POLL_SECONDS``. A task that
raises is logged and tried again on the next turn. Tasks must be safe to run in several worker
processes at once (claim rows with ``FOR UPDATE SKIP LOCKED``, a lease, or an idempotent update).

Adding a task
-------------
Write the task in its own module (``server_impl/worker/<area>.py``) and add one line to
:func:`server_impl.worker.compose.build_tasks`, the single composition function, e.g.::

    tasks.append(ExpireEstimatesTask(uow_factory, interval_seconds=60))

Running it
----------
``asteri worker [--concurrency N]`` runs one worker process (run several for more throughput);
``asteri serve`` also runs one inside the server process unless started with ``--no-worker``.
"""

from server_impl.worker.loop import Worker, WorkerTask

__all__ = ["Worker", "WorkerTask"]
