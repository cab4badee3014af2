"""The portal in real headless Chromium (Debian's package, driven by Playwright), served over loopback.

When the server package is importable, the portal is mounted at ``/docs`` of the real API application
(with ``docs_base_url`` pointing at it), and the problem ``type`` URLs the API answers with are followed
in the browser. Screenshots land in ``build/test-artifacts/docs/`` (or ``$ASTERI_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.docs.conftest import ROOT

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "Chromium is not installed at /usr/bin/chromium (run scripts/install-browser)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (run scripts/install-browser)"
    return None


@pytest.fixture(scope="module", autouse=True)
def _browser_available() -> None:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"browser tests are required in CI: {reason}")
        pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _app(site_dir: Path, base: str, tmp: Path) -> tuple[Any, bool]:
    """The real API app with the portal mounted at /docs, or a static app when the server is absent."""
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    static = StaticFiles(directory=site_dir, html=True)
    try:
        from server_impl.adapters.sqlalchemy.migrate import upgrade
        from server_impl.app import create_app
        from server_impl.settings import Settings
    except ImportError:
        return Starlette(routes=[Mount("/docs", static)]), False
    url = f"sqlite:///{tmp / 'portal.db'}"
    upgrade(url)
    app = create_app(Settings(database_url=url, docs_base_url=f"{base}/docs"))
    # The server mounts the committed portal at /docs itself; serve the site under test in its place.
    app.router.routes[:] = [r for r in app.router.routes if getattr(r, "path", None) != "/docs"]
    app.mount("/docs", static)
    return app, True


@pytest.fixture(scope="module")
def server(site_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, bool]]:
    import uvicorn

    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    app, is_api = _app(site_dir, base, tmp_path_factory.mktemp("portal"))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", ws="none", lifespan="on" if is_api else "off"
    )
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(200):
        if srv.started:
            break
        time.sleep(0.05)
    assert srv.started, "the loopback server did not start"
    yield base, is_api
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda msg: errors.append(f"console {msg.type}: {msg.text}") if msg.type == "error" else None)
    tab.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))
    tab.on("requestfailed", lambda req: errors.append(f"request failed: {req.url}"))
    tab.console_errors = errors
    yield tab
    context.close()
    assert not errors, errors


def _artifacts() -> Path:
    folder = Path(os.environ.get("ASTERI_TEST_ARTIFACTS", ROOT / "build" / "test-artifacts")) / "docs"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_portal_loads_from_the_server_and_screenshots(server, page):
    base, _ = server
    response = page.goto(f"{base}/docs/")
    assert response is not None
    assert response.status == 200
    assert page.locator("h1").first.inner_text() == "Asteri Public API"
    assert page.locator(".side a").count() > 15
    landing = _artifacts() / "landing.png"
    page.screenshot(path=str(landing), full_page=False)
    response = page.goto(f"{base}/docs/reference/payments/#createPaymentRefund")
    assert response is not None
    assert response.status == 200
    assert page.locator("#createPaymentRefund h2").inner_text() == "Refund a payment"
    reference = _artifacts() / "reference-payments.png"
    page.screenshot(path=str(reference), full_page=False)
    assert landing.stat().st_size > 10_000
    assert reference.stat().st_size > 10_000


def test_typing_refund_lists_the_refund_operation_first_and_enter_opens_it(server, page):
    base, _ = server
    page.goto(f"{base}/docs/guides/getting-started/")
    page.keyboard.press("/")
    page.keyboard.type("refund")
    options = page.locator("#search-results li[role=option]")
    options.first.wait_for()
    first = options.first
    assert first.locator(".k").inner_text().lower() == "operation"
    assert first.locator(".t").inner_text() == "Refund a payment"
    assert first.get_attribute("data-url").endswith("reference/payments/#createPaymentRefund")
    assert options.count() > 3
    page.screenshot(path=str(_artifacts() / "search-refund.png"))
    page.keyboard.press("ArrowDown")
    assert options.nth(1).get_attribute("aria-selected") == "true"
    page.keyboard.press("ArrowUp")
    assert first.get_attribute("aria-selected") == "true"
    page.keyboard.press("Enter")
    page.wait_for_url("**/docs/reference/payments/#createPaymentRefund")
    assert page.locator("#createPaymentRefund").is_visible()


def test_search_finds_schemas_fields_scopes_and_error_codes(server, page):
    base, _ = server
    page.goto(f"{base}/docs/")
    box = page.locator("#search-input")
    for query, kind, title in (
        ("missing_scope", "error", "missing_scope"),
        ("RefundCreate", "schema", "RefundCreate"),
        ("write:estimates", "scope", "write:estimates"),
        ("invoice.paid", "event", "invoice.paid"),
    ):
        box.fill(query)
        first = page.locator("#search-results li[role=option]").first
        first.wait_for()
        assert first.locator(".t").inner_text() == title, query
        assert first.locator(".k").inner_text().lower() == kind, query


def _problem_types(base: str) -> set[str]:
    """``type`` URLs the running API answers with, for requests an integrator gets wrong."""
    api = f"{base}/api/public/v1"
    attempts: list[tuple[str, str, dict[str, str], bytes | None]] = [
        ("GET", f"{api}/customers", {}, None),
        ("GET", f"{api}/customers", {"x-organization-id": "org_01HWM9S346Q3D25VT4F5V37E3S"}, None),
        (
            "GET",
            f"{api}/customers",
            {"x-organization-id": "org_01HWM9S346Q3D25VT4F5V37E3S", "x-api-key": "ast_test_nope"},
            None,
        ),
        (
            "GET",
            f"{api}/customers",
            {
                "x-organization-id": "org_01HWM9S346Q3D25VT4F5V37E3S",
                "x-api-key": "ast_test_nope",
                "authorization": "Bearer x",
            },
            None,
        ),
        ("GET", f"{api}/no-such-thing", {}, None),
        ("PUT", f"{api}/customers", {}, b"{}"),
        ("POST", f"{api}/customers", {"content-type": "application/json"}, b"{not json"),
    ]
    found: set[str] = set()
    for method, url, headers, body in attempts:
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                payload = response.read()
        except urllib.error.HTTPError as exc:
            payload = exc.read()
        try:
            problem = json.loads(payload)
        except ValueError:
            continue
        if isinstance(problem, dict) and isinstance(problem.get("type"), str):
            found.add(problem["type"])
    return found


def test_every_error_type_url_resolves_to_its_page(server, page, spec_data):
    base, is_api = server
    codes = set(spec_data["components"]["schemas"]["ProblemCode"]["enum"])
    try:
        from server_impl.web.problems import TITLES
    except ImportError:
        TITLES = {}
    codes |= set(TITLES)
    urls = {f"{base}/docs/errors/{code}" for code in codes}
    if is_api:
        returned = _problem_types(base)
        assert returned, "the API answered no problem document"
        assert all(url.startswith(f"{base}/docs/errors/") for url in returned), returned
        urls |= returned
    for url in sorted(urls):
        response = page.goto(url)
        assert response is not None
        assert response.status == 200, url
        code = url.rsplit("/", 1)[1]
        assert page.locator("h1").inner_text() == code
        assert page.locator("#fix").is_visible(), url
