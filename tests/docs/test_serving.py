"""The built site served the way the server mounts it: Starlette StaticFiles(html=True) at /docs."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient


@pytest.fixture(scope="module")
def client(site_dir):
    app = Starlette(routes=[Mount("/docs", StaticFiles(directory=site_dir, html=True))])
    with TestClient(app) as client:
        yield client


def test_every_problem_type_url_resolves(client, spec_data):
    for code in spec_data["components"]["schemas"]["ProblemCode"]["enum"]:
        response = client.get(f"/docs/errors/{code}")  # the server's type URL: no trailing slash
        assert response.status_code == 200, code
        assert str(response.url).endswith(f"/docs/errors/{code}/")
        assert f"<code>{code}</code>" in response.text


def test_pages_and_assets_have_the_right_types(client):
    assert client.get("/docs/").headers["content-type"].startswith("text/html")
    assert "css" in client.get("/docs/assets/style.css").headers["content-type"]
    assert "javascript" in client.get("/docs/assets/search-index.js").headers["content-type"]
    assert "xml" in client.get("/docs/changelog/feed.xml").headers["content-type"]


def test_unknown_page_is_a_404_page(client):
    response = client.get("/docs/errors/no_such_code")
    assert response.status_code == 404
    assert "Page not found" in response.text
