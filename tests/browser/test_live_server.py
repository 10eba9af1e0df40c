"""The browser harness itself: the app really serves over HTTP to a real Chromium, CSRF on."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.browser


def test_chromium_reaches_the_live_app(live_server, page, page_nojs):
    assert live_server.app.config["WTF_CSRF_ENABLED"] is True
    for browser_page in (page, page_nojs):
        response = browser_page.goto(live_server.url("/healthz"))
        assert response.status == 200
        health = json.loads(browser_page.inner_text("body"))
        assert health["status"] == "ok" and health["database"] == "ok"
        assert health["pools"]["app"]["checked_out"] >= 1  # this request's own connection


def test_javascript_off_really_runs_no_scripts(browser):
    html = "<title>before</title><script>document.title = 'after'</script>"
    titles = []
    for javascript in (True, False):
        context = browser.new_context(java_script_enabled=javascript)
        try:
            page = context.new_page()
            page.set_content(html)
            titles.append(page.title())
        finally:
            context.close()
    assert titles == ["after", "before"]


def test_unknown_page_is_the_404_page(live_server, page):
    response = page.goto(live_server.url("/no-such-page-here"))
    assert response.status == 404
    assert page.locator("main").count() == 1
    assert page.locator("h1").count() == 1
