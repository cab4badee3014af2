"""The generated routers plug into the pipeline: their routes equal the contract's operations."""

from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from generated.server import ROUTER_FACTORIES, Authorizer
from generator.loading import load_document
from server_impl.app import AppContext, create_app
from server_impl.settings import Settings
from server_impl.web.contract import app_operations, spec_operations

SPEC = Path(__file__).parents[2] / "spec" / "openapi.yaml"


def _not_wired() -> Any:
    raise NotImplementedError("handlers come in the next step")


def _routers(context: AppContext) -> list[APIRouter]:
    authorizer: Authorizer = context.authorizer  # mypy proves the pipeline satisfies the generated port
    return [factory(_not_wired, authorizer) for factory in ROUTER_FACTORIES]


def test_generated_routes_equal_the_contract_operations(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url), routers=_routers)
    spec = load_document(SPEC).data
    assert app_operations(app) == spec_operations(spec)
    assert len(spec_operations(spec)) > 50


def test_generated_routes_run_the_pipeline_first(sqlite_url: str) -> None:
    app = create_app(Settings(database_url=sqlite_url), routers=_routers)
    assert isinstance(app, FastAPI)
    with TestClient(app) as client:
        missing_org = client.get("/api/public/v1/customers")
        assert missing_org.status_code == 400
        assert missing_org.json()["code"] == "organization_required"
        no_key = client.get("/api/public/v1/customers", headers={"x-organization-id": "org_01HWRSWVK182VYZ04SXWF6E996"})
        assert no_key.status_code == 401
