"""The seller's and curator's area menu: by keyboard without JavaScript, with axe, on a desktop."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.area_headers.conftest import PHONE_HEIGHT, assert_compact, log_in
from tests.browser.conftest import MOBILE_WIDTH, assert_no_browser_errors
from tests.browser.test_page_basics import AXE, _axe_violations

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("area", ["seller", "curator"])
def test_area_menu_opens_by_keyboard_without_javascript(page_nojs, live_server, areas, area):
    page = page_nojs
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": PHONE_HEIGHT})
    email, start, target = (
        (areas.seller_email, "/seller/", "/seller/orders")
        if area == "seller"
        else (areas.curator_email, "/curator/", "/curator/applications")
    )
    log_in(page, live_server, email, "id")
    assert page.goto(live_server.url(start)).status == 200
    header = page.locator("header.site-header")
    summary = header.locator("details.area-menu > summary")
    panel = header.locator(".area-panel")
    # By keyboard: Tab from the header's menu reaches the area's menu, with a visible focus ring.
    header.locator("details.menu > summary").focus()
    page.keyboard.press("Tab")
    assert summary.evaluate("el => el === document.activeElement && el.matches(':focus-visible')")
    assert summary.evaluate("el => getComputedStyle(el).outlineStyle") == "solid"
    page.keyboard.press("Enter")
    expect(panel).to_be_visible()
    page.keyboard.press("Tab")
    expect(panel.locator("a").first).to_be_focused()
    # A tap on an entry goes there, and that entry is then the current page.
    panel.locator(f"a[href$='{target}']").click()
    expect(page).to_have_url(re.compile(re.escape(target) + "$"))
    expect(panel).to_be_hidden()
    expect(panel.locator(f"a[href$='{target}']")).to_have_attribute("aria-current", "page")
    assert panel.locator("[aria-current]").count() == 1
    assert_compact(page, target)
    # The count of what waits is the menu's, beside the menu's name; on a phone the page's name
    # (its heading is right below) gives way to it rather than ending in "· …".
    if summary.locator(".area-total").count():
        expect(summary.locator(".area-current")).to_be_hidden()
        assert summary.evaluate(
            "el => el.querySelector('.area-name').nextElementSibling.matches('.area-total')"
        )
    assert summary.evaluate("el => el.scrollWidth <= el.clientWidth")
    assert_no_browser_errors(page)


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (run npm ci)")
@pytest.mark.spread_over_databases("lang", ["id", "en"])
def test_area_menus_pass_axe_open_and_closed(mobile_page, live_server, areas, lang):
    page = mobile_page
    problems = {}
    for email, paths in (
        (areas.seller_email, ["/seller/", f"/seller/products/{areas.product_id}"]),
        (areas.curator_email, ["/curator/", f"/curator/products/{areas.pending_product_id}"]),
    ):
        log_in(page, live_server, email, lang)
        for path in paths:
            assert page.goto(live_server.url(path)).status == 200, path
            problems[path] = _axe_violations(page)
            page.locator("header details.area-menu > summary").click()
            expect(page.locator("header .area-panel")).to_be_visible()
            problems[path + " (menu open)"] = _axe_violations(page)
        page.context.clear_cookies()
    assert {path: found for path, found in problems.items() if found} == {}


@pytest.mark.parametrize("area", ["seller", "curator"])
def test_area_menu_is_a_tidy_dropdown_on_a_desktop(page, live_server, areas, area):
    page.set_viewport_size({"width": 1280, "height": 900})
    email, start = (
        (areas.seller_email, "/seller/") if area == "seller" else (areas.curator_email, "/curator/")
    )
    log_in(page, live_server, email, "en")
    assert page.goto(live_server.url(start)).status == 200
    header = page.locator("header.site-header")
    assert header.bounding_box()["height"] <= 130  # the bar's one row and the menu's
    expect(header.locator("#site-q")).to_be_visible()  # on a wide screen the search is back
    tops = [
        header.locator(part).bounding_box()["y"]
        for part in (".brand", "#site-q", ".cart-link", "details.menu > summary")
    ]
    assert max(tops) - min(tops) < 20, tops
    header.locator("details.area-menu > summary").click()
    panel = header.locator(".area-panel")
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    # One column per group, side by side.
    groups = panel.locator(".area-group")
    assert groups.count() == (3 if area == "seller" else 5)
    group_tops = {round(groups.nth(n).bounding_box()["y"]) for n in range(groups.count())}
    assert len(group_tops) == 1, group_tops
    assert_no_browser_errors(page)
