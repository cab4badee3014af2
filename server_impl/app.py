"""The composition root: ``create_app(settings)`` wires settings, storage, pipeline and routes.

Nothing is created at import time. The engine, the rate limiter and the authorizer are built here
and released when the application shuts down.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, FastAPI
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool
from starlette.staticfiles import StaticFiles

from server_impl.adapters.content_types import detect_content_type
from server_impl.adapters.local_storage import LocalDirectoryStorage
from server_impl.adapters.ratelimit import RateLimiter
from server_impl.adapters.secret_box import WEBHOOK_SECRETS_PURPOSE, SealingSecretBox
from server_impl.adapters.sqlalchemy.checkpoints import wal_checkpointer
from server_impl.adapters.sqlalchemy.engine import build_engine, build_session_factory
from server_impl.adapters.sqlalchemy.unit_of_work import unit_of_work_factory
from server_impl.adapters.tokens import TokenVerifier
from server_impl.adapters.webhook_http import system_resolver
from server_impl.handlers.files import MULTIPART_OVERHEAD_BYTES, UPLOAD_PATH
from server_impl.handlers.wiring import build_handlers, contract_routers
from server_impl.services.idempotency import IdempotencyPolicy
from server_impl.services.key_cache import KeyCache
from server_impl.services.ports import UnitOfWorkFactory
from server_impl.services.webhook_endpoints import UrlPolicy
from server_impl.settings import ConfigurationError, Settings, load_settings
from server_impl.web.address_quota import AddressQuota
from server_impl.web.authorizer import Authorizer
from server_impl.web.contract import BASE_PATH, contract_router, default_docs_site, default_spec_path, load_contract
from server_impl.web.dispatch import SegmentRoutes
from server_impl.web.edge import EdgeMiddleware
from server_impl.web.errors import install_error_handlers
from server_impl.web.unavailable import install_unavailable_handlers
from server_impl.worker.compose import build_worker


@dataclass(frozen=True)
class AppContext:
    """What route handlers need, built once per application.

    Attributes:
        settings: The validated settings.
        engine: The database engine.
        uow_factory: Opens tenant-scoped (or system) units of work.
        authorizer: The request pipeline.
        limiter: The rate limiter.
        idempotency: Retention and lock timeout of idempotency keys.
    """

    settings: Settings
    engine: Engine
    uow_factory: UnitOfWorkFactory
    authorizer: Authorizer
    limiter: RateLimiter
    idempotency: IdempotencyPolicy


RouterFactory = Callable[[AppContext], Iterable[APIRouter]]


def _contract(settings: Settings) -> bytes | None:
    if settings.spec_path is not None:
        path = Path(settings.spec_path)
        if not path.is_file():
            raise ConfigurationError(f"ASTERI_SPEC_PATH {settings.spec_path!r} is not a file.")
        return load_contract(path)
    found = default_spec_path()
    return None if found is None else load_contract(found)


def build_context(settings: Settings) -> AppContext:
    """Build the engine, unit-of-work factory, limiter and authorizer for the settings."""
    engine = build_engine(settings.database_url)
    uow_factory = unit_of_work_factory(build_session_factory(engine))
    limiter = RateLimiter.from_url(settings.redis_url, settings.rate_limit_failure)
    key = settings.jwt_public_key if settings.jwt_algorithm == "RS256" else settings.token_secret
    tokens = TokenVerifier(settings.jwt_algorithm, key or "", settings.jwt_audience)
    authorizer = Authorizer(
        uow_factory,
        pepper=settings.api_key_pepper,
        tokens=tokens,
        limiter=limiter,
        default_per_minute=settings.default_per_minute,
        default_per_day=settings.default_per_day,
        keys=KeyCache(settings.key_cache_seconds),
    )
    return AppContext(settings, engine, uow_factory, authorizer, limiter, IdempotencyPolicy())


@contextmanager
def startup_heap_frozen() -> Iterator[None]:
    """Keep what start-up built out of the cyclic garbage collector's sight while the app serves.

    The app, its routes, pydantic's validators, SQLAlchemy's metadata: about 165,000 objects that
    live as long as the process. Every full collection walked all of them, about 50 ms on a 2-core
    machine during which no request moves: the tail of the latency distribution (ADR 0900).
    ``gc.freeze()`` moves every object tracked so far to the permanent generation, which
    collections skip; ``gc.unfreeze()`` at shutdown hands them back, so a process that builds apps
    one after another (the tests) keeps none of them for good. No collection runs first: it would
    cost the same 50 ms at each start, for the little garbage start-up leaves.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def create_app(settings: Settings | None = None, *, routers: RouterFactory | None = None) -> FastAPI:
    """Return the application for the settings.

    Args:
        settings: The configuration; read from ``ASTERI_*`` when omitted.
        routers: Extra routers built from the context (tests' routers); every operation of the contract
            is always served (``server_impl.handlers.wiring``).

    Returns:
        The FastAPI application. Its own OpenAPI and docs routes are off: the contract is served as written.

    Raises:
        ConfigurationError: With one sentence naming what to fix.
    """
    settings = settings or load_settings()
    document = _contract(settings)
    context = build_context(settings)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # The in-process delivery worker (`asteri serve`); production runs `asteri worker` processes.
        worker = build_worker(settings, engine=context.engine) if settings.worker_in_process else None
        if worker is not None:
            worker.start()
        checkpointer = wal_checkpointer(context.engine)
        if checkpointer is not None:
            checkpointer.start()
        try:
            with startup_heap_frozen():
                yield
        finally:
            if checkpointer is not None:
                checkpointer.stop()
            if worker is not None:
                await run_in_threadpool(worker.stop)
            await context.limiter.close()
            context.uow_factory.close()
            context.engine.dispose()

    app = FastAPI(
        title="Asteri public API",
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
        # The server exports no OpenTelemetry data. FastAPI's native instrumentation, left on, looks
        # for configured providers on every request: 3 % of a GET's instructions.
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.context = context
    app.state.handlers = build_handlers(
        context.uow_factory,
        context.idempotency,
        pepper=settings.api_key_pepper,
        seal_key=settings.derived_key("idempotency-sealing"),
        webhook_box=SealingSecretBox(settings.derived_key(WEBHOOK_SECRETS_PURPOSE)),
        webhook_urls=UrlPolicy(settings.webhooks_allow_private, system_resolver),
        keys=context.authorizer.keys,
        file_storage=LocalDirectoryStorage(settings.files_dir),
        max_upload_bytes=settings.max_upload_bytes,
        detect_content_type=detect_content_type,
    )
    install_error_handlers(app, settings.docs_base_url)
    install_unavailable_handlers(app, settings.docs_base_url)
    app.add_middleware(
        EdgeMiddleware,
        docs_base_url=settings.docs_base_url,
        max_body_bytes=settings.max_body_bytes,
        streamed={UPLOAD_PATH: settings.max_upload_bytes + MULTIPART_OVERHEAD_BYTES},
        address_quota=AddressQuota(
            context.limiter, settings.unauthenticated_per_minute, settings.unauthenticated_per_day
        ),
        api_prefix=f"{BASE_PATH}/",
    )
    # The operations first: every API request is matched there before anything else is tried.
    app.router.routes.append(
        SegmentRoutes(BASE_PATH, (route for router in contract_routers() for route in router.routes))
    )
    app.include_router(contract_router(document))
    for router in routers(context) if routers is not None else ():
        app.include_router(router)
    site = default_docs_site()
    if site is not None:  # the developer portal, where the problem `type` URIs of a local server point
        app.mount("/docs", StaticFiles(directory=site, html=True), name="docs")
    return app
