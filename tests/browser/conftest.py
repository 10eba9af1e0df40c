"""Fixtures for real-browser tests: the app on a real socket, Debian's Chromium driven by Playwright.

`live_server` serves the test's `app` (SQLite or PostgreSQL, like every DB test) from a background
thread with CSRF on, as in production. Tests seed through factories or services, commit, then browse.
`page` is a fresh browser context per test; `page_nojs` the same with JavaScript disabled.

Chromium starts once per test session (per pytest-xdist worker), on the first browser test (the
`browser` fixture, in tests/chromium.py), and each test gets a fresh context. Playwright's sync API
keeps its own asyncio loop "running" on the main thread while it is started, so a test that calls
`asyncio.run()` on the main thread would fail after the first browser test: none does (servers with
an event loop run it in a thread of their own).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Error as PlaywrightError
from werkzeug.serving import make_server

from tests.servers import POLL_SECONDS

#: Milliseconds Playwright waits for an element or a navigation before the test fails.
TIMEOUT_MS = 10_000
#: CSS pixels: the narrowest phone screens still common among buyers.
MOBILE_WIDTH = 360


@pytest.fixture
def app_overrides() -> dict:
    # CSRF on like production: the browser must carry real tokens through every form.
    return {"WTF_CSRF_ENABLED": True}


@dataclass
class LiveServer:
    """The running app: `live_server.url("/cart")` → "http://127.0.0.1:<port>/cart"."""

    base_url: str
    app: Flask

    def url(self, path: str = "/") -> str:
        return self.base_url + path


@pytest.fixture
def live_server(app) -> LiveServer:
    """Serve `app` on 127.0.0.1 (a free port) in a thread for the duration of one test."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": POLL_SECONDS}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{server.server_port}", app)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@dataclass
class BrowserRecord:
    """What a page did: console errors and uncaught exceptions, and where its screenshots went."""

    shots_dir: Path
    errors: list[str] = field(default_factory=list)
    steps: int = 0


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so fixtures can tell, at teardown, whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _record_console(record: BrowserRecord, message) -> None:
    # Chromium asks for /favicon.ico on its own; a missing one is not an error of the page under test.
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        record.errors.append(f"console: {message.text} ({message.location.get('url', '')})")


def _shots_dir(request) -> Path:
    # Not tmp_path: pytest keeps only the last three runs' temp dirs, and parallel runs rotate them away.
    root = Path(os.environ.get("BROWSER_ARTIFACTS_DIR") or Path(tempfile.gettempdir()) / "pasar-desa-browser")
    directory = root / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    shutil.rmtree(directory, ignore_errors=True)
    return directory


def _new_page(request, browser, live_server, **context_options):
    # The browser asks for the language the test reads (the app's default): Accept-Language picks
    # the page's language on a first visit. Plain "en" names no market, like "id-ID": the home one.
    locale = "id-ID" if live_server.app.config["BABEL_DEFAULT_LOCALE"] == "id" else "en"
    context = browser.new_context(locale=locale, timezone_id="Asia/Jakarta", **context_options)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    record = BrowserRecord(shots_dir=_shots_dir(request))
    page.on("pageerror", lambda error: record.errors.append(f"uncaught: {error}"))
    page.on("console", lambda message: _record_console(record, message))
    page.browser_record = record
    yield page
    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    try:
        if failed:
            print(f"\nbrowser: screenshots of each step and the failing page are in {record.shots_dir}")
            # A crashed or closed page cannot be captured; the test's own error matters more.
            with contextlib.suppress(PlaywrightError):
                snap(page, "failure")
                (record.shots_dir / "failure.html").write_text(page.content(), encoding="utf-8")
        else:
            shutil.rmtree(record.shots_dir, ignore_errors=True)
    finally:
        context.close()


# Each page fixture depends on live_server so that pytest closes the browser context before it stops
# the server: no request is still in flight (holding a database connection) when the app goes away.


@pytest.fixture
def page(request, browser, live_server):
    """A fresh Chromium context (no cookies) and page, JavaScript on."""
    yield from _new_page(request, browser, live_server)


@pytest.fixture
def page_nojs(request, browser, live_server):
    """A fresh Chromium context and page with JavaScript disabled: every flow must still work."""
    yield from _new_page(request, browser, live_server, java_script_enabled=False)


@pytest.fixture
def mobile_page(request, browser, live_server):
    """A 360 × 740 CSS-pixel phone screen (the narrowest common Android width), touch, JavaScript on."""
    yield from _new_page(
        request, browser, live_server, viewport={"width": MOBILE_WIDTH, "height": 740}, device_scale_factor=2,
        is_mobile=True, has_touch=True,
    )  # fmt: skip


def snap(page, name: str) -> None:
    """Screenshot the page as one numbered step of the journey (kept only when the test fails)."""
    record: BrowserRecord = page.browser_record
    record.steps += 1
    record.shots_dir.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name)
    page.screenshot(path=str(record.shots_dir / f"{record.steps:02d}-{safe}.png"), full_page=True)


def assert_no_browser_errors(page) -> None:
    """No uncaught script errors and nothing the console reports as an error (CSP blocks, 404 assets)."""
    assert page.browser_record.errors == []
