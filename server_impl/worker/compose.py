"""The one composition function of the worker: which tasks run, built from the settings."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine

from server_impl.adapters.local_storage import LocalDirectoryStorage
from server_impl.adapters.secret_box import WEBHOOK_SECRETS_PURPOSE, SealingSecretBox
from server_impl.adapters.sqlalchemy.delivery_store import SqlDeliveryStore
from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory
from server_impl.adapters.webhook_http import WebhookSender, system_resolver
from server_impl.services.webhook_endpoints import Resolver
from server_impl.settings import Settings
from server_impl.worker.estimates import ExpireEstimatesTask
from server_impl.worker.files import FileProcessingTask
from server_impl.worker.loop import Worker, WorkerTask
from server_impl.worker.webhooks import DeliveryTask, FanOutTask, PruneTask


def build_tasks(
    settings: Settings, engine: Engine, *, concurrency: int = 8, resolver: Resolver | None = None
) -> list[WorkerTask]:
    """Return the worker's tasks, in the order each turn runs them (add yours here).

    Args:
        settings: The validated settings.
        engine: The database engine the tasks share.
        concurrency: Webhook requests in flight at once.
        resolver: The DNS seam (tests); the system resolver by default.

    Returns:
        The tasks.
    """
    factory = build_session_factory(engine)
    store = SqlDeliveryStore(factory)
    sender = WebhookSender(
        timeout=settings.webhook_timeout_seconds,
        allow_private=settings.webhooks_allow_private,
        resolver=resolver or system_resolver,
        pool_size=max(concurrency, 4),
    )
    box = SealingSecretBox(settings.derived_key(WEBHOOK_SECRETS_PURPOSE))
    tasks: list[WorkerTask] = [
        FanOutTask(store),
        DeliveryTask(
            store,
            sender,
            box,
            concurrency=concurrency,
            timeout=settings.webhook_timeout_seconds,
            disable_after=timedelta(hours=settings.webhook_disable_after_hours),
        ),
        PruneTask(store),
    ]
    tasks.append(FileProcessingTask(unit_of_work_factory(factory), LocalDirectoryStorage(settings.files_dir)))
    tasks.append(ExpireEstimatesTask(unit_of_work_factory(factory)))
    return tasks


def build_worker(
    settings: Settings, *, concurrency: int = 8, resolver: Resolver | None = None, engine: Engine | None = None
) -> Worker:
    """Return a worker over the settings' database (its own engine unless one is given)."""
    engine = engine or build_engine(settings.database_url)
    tasks = build_tasks(settings, engine, concurrency=concurrency, resolver=resolver)
    return Worker(tasks, poll_seconds=settings.worker_poll_seconds)
