"""/docs and /redoc work without internet: their assets are served by the API itself, and
headless Chromium with every host but 127.0.0.1 unresolvable shows the operations."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from interfaces.api import create_api

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.fixture(scope="module")
def world(database) -> Iterator[object]:
    """An empty store is enough: the documentation lists every operation regardless."""
    import uuid

    from application.app import PolicyTrail
    from application.settings import load_settings

    tag = uuid.uuid4().hex[:10]
    settings = load_settings(
        database_url=database.url, events_schema=f"d{tag}_events", read_schema=f"d{tag}_read"
    )
    app = PolicyTrail(settings=settings, database=database)
    yield app
    app.close()


def test_the_pages_reference_only_local_assets(world):
    c = TestClient(create_api(world))
    for page in ("/docs", "/redoc"):
        html = c.get(page).text
        assert "cdn.jsdelivr.net" not in html and "fonts.googleapis" not in html, page
        for asset in (
            ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css")
            if page == "/docs"
            else ("/docs-assets/redoc.standalone.js",)
        ):
            assert asset in html
            r = c.get(asset)
            assert r.status_code == 200 and len(r.content) > 10_000, asset


def offline_dom(url: str) -> str:
    """The DOM after Chromium ran ``url``'s scripts with no name but 127.0.0.1 resolvable."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--no-first-run", f"--user-data-dir={profile}",
             "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # the network is blocked
             "--virtual-time-budget=20000", "--dump-dom", url],
            capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@pytest.mark.timeout(300)
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (CI installs Debian's chromium)")
def test_swagger_ui_lists_the_operations_with_the_network_blocked(served):
    dom = offline_dom(f"{served}/docs")
    assert 'class="swagger-ui' in dom and "opblock-summary-path" in dom, dom[:2000]
    assert dom.count("opblock-summary-path") >= 50  # every command and read, not a blank page
    assert "/policies/{policy_number}/receipt-signature" in dom


@pytest.mark.timeout(300)
@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (CI installs Debian's chromium)")
def test_redoc_renders_with_the_network_blocked(served):
    dom = offline_dom(f"{served}/redoc")
    assert "PolicyTrail API" in dom and "receipt-signature" in dom, dom[:2000]
