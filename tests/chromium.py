"""The one Chromium of a test session (per pytest-xdist worker), driven by Playwright.

Session-scoped, and defined once here (tests/conftest.py imports it) so that tests/browser and
tests/seller/browser share the same browser: a second Playwright could not start while the first
runs. It starts on the first test that asks for it; each test then opens a context of its own
(tests/browser/conftest.py).
"""

from __future__ import annotations

import os

import pytest
from playwright.sync_api import sync_playwright

#: Debian's build of Chromium's headless shell (package chromium-headless-shell, built from the same
#: chromium source as the browser): the same Blink, V8 and network stack without the desktop
#: browser's window and compositor machinery, which is how Playwright itself runs Chromium headless.
#: The whole suite took 395 s of pytest with /usr/bin/chromium and 321 s with it (2026-12-06, all
#: 3,597 tests passed on both; Chromium was a fifth of the run's CPU). `CHROMIUM_PATH=/usr/bin/chromium`
#: runs the tests in the full browser, which the benches, Lighthouse and `make screenshots` use.
CHROMIUM_PATH = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium-headless-shell")
#: The full browser, for what runs headed or is measured as a person's browser (bench/).
BROWSER_PATH = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session")
def playwright_instance():
    if not os.path.exists(CHROMIUM_PATH):
        message = f"Chromium not found at {CHROMIUM_PATH} (make test installs it from Debian)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    playwright = sync_playwright().start()
    try:
        yield playwright
    finally:
        playwright.stop()


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(
        executable_path=CHROMIUM_PATH, headless=True, args=CHROMIUM_ARGS
    )
    try:
        yield browser
    finally:
        browser.close()
