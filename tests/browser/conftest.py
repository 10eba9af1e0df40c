"""Fixtures for real-browser tests: the app on a real socket, Debian's Chromium driven by Playwright.

`live_server` serves the test's `app` (SQLite or PostgreSQL, like every DB test) from a background
thread with CSRF on, as in production. Tests seed through factories or services, commit, then browse.
`page` is a clean page (no cookies, no cache, about:blank); `page_nojs` the same with JavaScript
disabled; `mobile_page` a phone screen.

Chromium starts once per test session (per pytest-xdist worker), on the first browser test (the
`browser` fixture, in tests/chromium.py). Pages are reused from test to test, made clean in
between (`PagePool`): a new context per test cost half a second of Chromium's CPU. Playwright's
sync API keeps its own asyncio loop "running" on the main thread while it is started, so a test
that calls `asyncio.run()` on the main thread would fail after the first browser test: none does
(servers with an event loop run it in a thread of their own).
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
#: For tests whose subject is the page as Chromium lays it out (fit, landmarks, axe): the HTML is the
#: same whatever the database, and the other tests render every page on both.
LAYOUT_ON_ONE_DATABASE = pytest.mark.one_database(
    "the subject is the page's layout and accessibility in Chromium"
)
#: Context options of a 360 × 740 phone: a 2× screen, touch.
PHONE = {
    "viewport": {"width": MOBILE_WIDTH, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


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
    """What a page did in one test: console errors, uncaught exceptions and the steps it took."""

    shots_dir: Path
    errors: list[str] = field(default_factory=list)
    #: (name, url, html) of each `snap`, written to `shots_dir` only when the test fails.
    steps: list[tuple[str, str, str]] = field(default_factory=list)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    # Keep each phase's report on the item so fixtures can tell, at teardown, whether the test failed.
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


def _record_console(page, message) -> None:
    # Chromium asks for /favicon.ico on its own; a missing one is not an error of the page under test.
    if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
        page.browser_record.errors.append(f"console: {message.text} ({message.location.get('url', '')})")


def _shots_dir(request) -> Path:
    # Not tmp_path: pytest keeps only the last three runs' temp dirs, and parallel runs rotate them away.
    root = Path(os.environ.get("BROWSER_ARTIFACTS_DIR") or Path(tempfile.gettempdir()) / "pasar-desa-browser")
    directory = root / re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
    shutil.rmtree(directory, ignore_errors=True)
    return directory


#: Set to 1 to keep a screenshot of every `snap` step as well (each costs Chromium ~0.15 s of CPU).
STEP_SCREENSHOTS = os.environ.get("BROWSER_STEP_SCREENSHOTS", "") == "1"


class PagePool:
    """One open page per set of context options, reused by the tests of a worker.

    A new context and page cost Chromium about half a second of CPU (a renderer process, a V8
    isolate, a cold cache): most of a short browser test. Between tests the page is made new again:
    cookies, permissions and the HTTP cache cleared, storage of the last origin emptied, the
    viewport and timeout put back, and the page left on about:blank. A test that failed, or left
    its page closed, gives its context up: the next one starts in a new one.
    """

    def __init__(self, browser) -> None:
        self._browser = browser
        self._pages: dict[tuple, object] = {}

    def take(self, options: dict):
        key = tuple(sorted((name, repr(value)) for name, value in options.items()))
        page = self._pages.pop(key, None)
        if page is None or page.is_closed():
            context = self._browser.new_context(**options)
            page = context.new_page()
            page.on("pageerror", lambda error: page.browser_record.errors.append(f"uncaught: {error}"))
            page.on("console", lambda message: _record_console(page, message))
            page.pool_key = key
            page.cdp = context.new_cdp_session(page)
            page.initial_viewport = options.get("viewport", DEFAULT_VIEWPORT)
        page.context.set_default_timeout(TIMEOUT_MS)
        page.browser_record = BrowserRecord(shots_dir=Path(tempfile.gettempdir()))
        return page

    def give_back(self, page, *, reusable: bool) -> None:
        if not reusable or page.is_closed():
            with contextlib.suppress(PlaywrightError):
                page.context.close()
            return
        try:
            if page.url.startswith("http"):
                page.evaluate("() => { localStorage.clear(); sessionStorage.clear(); }")
            page.goto("about:blank")
            page.cdp.send("Network.clearBrowserCache")
            page.context.clear_cookies()
            page.context.clear_permissions()
            page.set_viewport_size(page.initial_viewport)
        except PlaywrightError:
            with contextlib.suppress(PlaywrightError):
                page.context.close()
            return
        self._pages[page.pool_key] = page

    def close(self) -> None:
        for page in self._pages.values():
            with contextlib.suppress(PlaywrightError):
                page.context.close()
        self._pages.clear()


@pytest.fixture(scope="session")
def page_pool(browser):
    pool = PagePool(browser)
    yield pool
    pool.close()


def _new_page(request, page_pool, live_server, **context_options):
    # The browser asks for the language the test reads (the app's default): Accept-Language picks
    # the page's language on a first visit. Plain "en" names no market, like "id-ID": the home one.
    locale = "id-ID" if live_server.app.config["BABEL_DEFAULT_LOCALE"] == "id" else "en"
    options = {"locale": locale, "timezone_id": "Asia/Jakarta", **context_options}
    page = page_pool.take(options)
    record = BrowserRecord(shots_dir=_shots_dir(request))
    page.browser_record = record
    yield page
    failed = getattr(request.node, "rep_call", None) is None or request.node.rep_call.failed
    if failed:
        print(f"\nbrowser: the failing page and the HTML of each step are in {record.shots_dir}")
        _keep_failure(page, record)
    else:
        shutil.rmtree(record.shots_dir, ignore_errors=True)
    page_pool.give_back(page, reusable=not failed)


def _keep_failure(page, record: BrowserRecord) -> None:
    record.shots_dir.mkdir(parents=True, exist_ok=True)
    for number, (name, url, html) in enumerate(record.steps, start=1):
        (record.shots_dir / f"{number:02d}-{name}.html").write_text(
            f"<!-- {url} -->\n{html}", encoding="utf-8"
        )
    # A crashed or closed page cannot be captured; the test's own error matters more.
    with contextlib.suppress(PlaywrightError):
        page.screenshot(path=str(record.shots_dir / "failure.png"), full_page=True)
        (record.shots_dir / "failure.html").write_text(page.content(), encoding="utf-8")


#: Playwright's own default: what a test that resized a desktop page gets back.
DEFAULT_VIEWPORT = {"width": 1280, "height": 720}

# Each page fixture depends on live_server so that pytest closes the page (leaves the test's
# origin) before it stops the server: no request is still in flight (holding a database
# connection) when the app goes away.


@pytest.fixture
def page(request, page_pool, live_server):
    """A clean Chromium page (no cookies, no cache), JavaScript on."""
    yield from _new_page(request, page_pool, live_server)


@pytest.fixture
def page_nojs(request, page_pool, live_server):
    """A clean Chromium page with JavaScript disabled: every flow must still work."""
    yield from _new_page(request, page_pool, live_server, java_script_enabled=False)


@pytest.fixture
def mobile_page(request, page_pool, live_server):
    """A 360 × 740 CSS-pixel phone screen (the narrowest common Android width), touch, JavaScript on."""
    yield from _new_page(request, page_pool, live_server, **PHONE)


def snap(page, name: str) -> None:
    """Record the page as one named step of the journey: its HTML is kept if the test fails (and a
    screenshot too with BROWSER_STEP_SCREENSHOTS=1; the failing page always gets one)."""
    record: BrowserRecord = page.browser_record
    safe = re.sub(r"[^A-Za-z0-9_-]+", "-", name)
    record.steps.append((safe, page.url, page.content()))
    if STEP_SCREENSHOTS:
        record.shots_dir.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(record.shots_dir / f"{len(record.steps):02d}-{safe}.png"), full_page=True)


def assert_no_browser_errors(page) -> None:
    """No uncaught script errors and nothing the console reports as an error (CSP blocks, 404 assets)."""
    assert page.browser_record.errors == []


_HEADER_FIT_JS = """parts => {
    // On screen as Playwright's toBeInViewport decides it (some of the box inside the viewport,
    // after clipping by scrolling or overflow-hidden ancestors), for every part in one round trip.
    // Geometry rather than an IntersectionObserver: its callback never runs with JavaScript off.
    const onScreen = element => {
        const box = element.getBoundingClientRect();
        let [left, top, right, bottom] = [box.left, box.top, box.right, box.bottom];
        for (let parent = element.parentElement; parent; parent = parent.parentElement) {
            const style = getComputedStyle(parent);
            if (style.overflowX === "visible" && style.overflowY === "visible") continue;
            const clip = parent.getBoundingClientRect();
            [left, top] = [Math.max(left, clip.left), Math.max(top, clip.top)];
            [right, bottom] = [Math.min(right, clip.right), Math.min(bottom, clip.bottom)];
        }
        [left, top] = [Math.max(left, 0), Math.max(top, 0)];
        [right, bottom] = [Math.min(right, window.innerWidth), Math.min(bottom, window.innerHeight)];
        return right > left && bottom > top;
    };
    const header = document.querySelector("header.site-header");
    return {
        height: header.getBoundingClientRect().height,
        width: document.scrollingElement.scrollWidth,
        outside: parts.filter(part => {
            const element = document.querySelector("header " + part);
            return !(element && onScreen(element));
        }),
    };
}"""


def assert_header_fits(page, what: str, *, max_height: float, parts: tuple[str, ...]) -> None:
    """The site header is at most `max_height` px tall, the page no wider than a phone, and each of
    `parts` (selectors inside the header) on screen: one round trip per page (the walks check dozens)."""
    # After a click that navigates, the new URL shows before the stylesheet has loaded: unstyled,
    # the page is wider than the phone. A page that finished loading returns at once.
    page.wait_for_load_state("load")
    fit = page.evaluate(_HEADER_FIT_JS, list(parts))
    assert fit["height"] <= max_height, f"{what}: the header is {fit['height']:.0f}px tall"
    assert fit["width"] <= MOBILE_WIDTH, f"{what}: the page is {fit['width']}px wide"
    assert fit["outside"] == [], f"{what}: not on screen: {fit['outside']}"
