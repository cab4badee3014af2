"""A tiny internal router (`/api/public/v1/_test/things`) exercising the pipeline end to end in tests.

It writes through the same unit of work, tenant guard, audit log and idempotency guard as the
real handlers will. Its table lives in a test-only metadata, created after the migrations.
"""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, Integer, MetaData, String, Table, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from starlette.responses import JSONResponse, Response

from server_impl.adapters.sqlalchemy.tables import OrganizationRow, TenantScoped
from server_impl.adapters.sqlalchemy.types import UtcDateTime
from server_impl.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from server_impl.app import AppContext
from server_impl.domain.clock import utc_now
from server_impl.domain.errors import NotFound
from server_impl.domain.idempotency import StoredResponse
from server_impl.domain.ids import new_id
from server_impl.domain.principal import Principal
from server_impl.services import audit
from server_impl.services.ports import UnitOfWork
from server_impl.web.authorizer import call_context
from server_impl.web.conditional import check_if_match, etag_for
from server_impl.web.idempotent import idempotent_write
from server_impl.web.problems import ImmediateResponse

PREFIX = "/api/public/v1/_test/things"


class TestBase(DeclarativeBase):
    metadata = MetaData()


cast(Table, OrganizationRow.__table__).to_metadata(TestBase.metadata)


class ThingRow(TenantScoped, TestBase):
    __tablename__ = "test_things"

    id: Mapped[str] = mapped_column(String(30), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


def create_things_table(engine: Engine) -> None:
    TestBase.metadata.create_all(engine, tables=[cast(Table, ThingRow.__table__)], checkfirst=True)


class ThingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1, max_length=100)


class ThingPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, min_length=1, max_length=100)


class Hooks:
    """Test hooks: `before_write` runs inside the idempotent write, before anything is written."""

    def __init__(self) -> None:
        self.before_write: Callable[[], None] | None = None
        self.lock = threading.Lock()


def _dump(row: ThingRow) -> dict[str, Any]:
    return {"id": row.id, "object": "thing", "name": row.name, "environment": row.environment}


def _session(uow: UnitOfWork) -> Any:
    assert isinstance(uow, SqlAlchemyUnitOfWork)
    return uow.session


def things_router(context: AppContext, hooks: Hooks) -> APIRouter:
    router = APIRouter()
    authorizer = context.authorizer
    uow_factory = context.uow_factory
    Reader = Annotated[Principal, Depends(authorizer.require("read:customers"))]
    Writer = Annotated[Principal, Depends(authorizer.require("write:customers"))]

    @router.post(PREFIX, status_code=201)
    async def create_thing(body: ThingIn, request: Request, principal: Writer) -> Response:
        ctx = call_context(request, principal)

        def write(uow: UnitOfWork) -> StoredResponse:
            if hooks.before_write is not None:
                hooks.before_write()
            row = ThingRow(id=new_id("cus"), name=body.name, version=1, created_at=utc_now())
            session = _session(uow)
            session.add(row)
            session.flush()
            audit.record(
                uow,
                ctx,
                action="thing.created",
                resource_type="thing",
                resource_id=row.id,
                before=None,
                after={"name": row.name},
            )
            headers = (("Location", f"{PREFIX}/{row.id}"), ("ETag", etag_for(row.id, row.version)))
            return StoredResponse(201, json.dumps(_dump(row)).encode(), headers)

        # As a handler bound to a generated Protocol (which expects a DTO) would: raise the stored response.
        raise ImmediateResponse(await idempotent_write(request, principal, uow_factory, write, context.idempotency))

    @router.get(PREFIX)
    def list_things(principal: Reader, limit: Annotated[int, Query(ge=1, le=100)] = 25) -> dict[str, Any]:
        with uow_factory(principal.tenant) as uow:
            rows = _session(uow).scalars(select(ThingRow).order_by(ThingRow.id.desc()).limit(limit)).all()
            return {"data": [_dump(row) for row in rows], "has_more": False, "next_cursor": None}

    @dataclass(frozen=True)
    class Requirement:
        scopes: tuple[str, ...]

    @router.get(PREFIX + "-any")
    async def any_of(request: Request) -> dict[str, Any]:
        alternatives = [Requirement(("read:services", "read:invoices")), Requirement(("read:customers", "read:jobs"))]
        principal = await authorizer.authorize(request, alternatives, "anyOf")
        return {"actor_id": principal.actor_id}

    @router.get(PREFIX + "/{thing_id}")
    def get_thing(thing_id: str, principal: Reader) -> Response:
        with uow_factory(principal.tenant) as uow:
            row = _session(uow).scalars(select(ThingRow).where(ThingRow.id == thing_id)).first()
            if row is None:
                raise NotFound("thing", thing_id)
            return JSONResponse(_dump(row), headers={"ETag": etag_for(row.id, row.version)})

    @router.patch(PREFIX + "/{thing_id}")
    def update_thing(
        thing_id: str,
        body: ThingPatch,
        request: Request,
        principal: Writer,
        if_match: Annotated[str | None, Header()] = None,
    ) -> Response:
        ctx = call_context(request, principal)
        with uow_factory(principal.tenant) as uow:
            row = _session(uow).scalars(select(ThingRow).where(ThingRow.id == thing_id)).first()
            if row is None:
                raise NotFound("thing", thing_id)
            check_if_match(if_match, etag_for(row.id, row.version))
            before = {"name": row.name}
            if body.name is not None:
                row.name = body.name
            row.version += 1
            audit.record(
                uow,
                ctx,
                action="thing.updated",
                resource_type="thing",
                resource_id=row.id,
                before=before,
                after={"name": row.name},
            )
            uow.commit()
            return JSONResponse(_dump(row), headers={"ETag": etag_for(row.id, row.version)})

    @router.post(PREFIX + "/explode")
    def explode(body: ThingIn, request: Request, principal: Writer) -> None:
        ctx = call_context(request, principal)
        with uow_factory(principal.tenant) as uow:
            row = ThingRow(id=new_id("cus"), name=body.name, version=1, created_at=utc_now())
            _session(uow).add(row)
            _session(uow).flush()
            audit.record(
                uow,
                ctx,
                action="thing.created",
                resource_type="thing",
                resource_id=row.id,
                before=None,
                after={"name": row.name},
            )
            raise RuntimeError("boom: secret internal detail")

    return router
