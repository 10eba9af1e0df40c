"""Seller and curator pages in axe-core on a 360 px phone, where charts scroll sideways (wide tables
are cards there: test_phone_tables.py), and on a tablet, where the widest tables scroll.

A box that scrolls must be reachable with the keyboard (axe: scrollable-region-focusable), and as a
named region it must say what it holds. Logged in as the role each page is for.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import LAYOUT_ON_ONE_DATABASE, assert_no_browser_errors, snap
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.factories import make_user
from tests.login import browser_logged_in_as, user_with_email
from tests.payouts.helpers import make_shop, paid_order

pytestmark = [pytest.mark.browser, LAYOUT_ON_ONE_DATABASE]

#: Every sideways-scrolling box of the page: its tag, whether it overflows now, and how it is named.
_SCROLL_BOXES = """
() => [...document.querySelectorAll('main *')]
  .filter(el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
  .map(el => ({
    html: el.outerHTML.slice(0, 120),
    overflows: el.scrollWidth > el.clientWidth,
    tabindex: el.getAttribute('tabindex'),
    role: el.getAttribute('role'),
    named: Boolean(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')),
  }))
"""


@pytest.fixture
def sales(session) -> dict:
    """A curator, and a shop owner whose shop sold something today (so every table has rows)."""
    curator = make_user(session, email="kurator@example.test", is_curator=True)
    owner = make_user(session, email="penjual@example.test")
    seller, product = make_shop(session, price=125_000, owner=owner, name="Batik Sekar Kepuh")
    paid_order(session, {product: 2})
    session.commit()
    return {"curator": curator.email, "owner": owner.email, "seller": seller}


def _log_in(page, live_server, email: str, next_path: str) -> None:
    """Log in through a session cookie (the login form is tested elsewhere), then open `next_path`."""
    page.context.clear_cookies()
    browser_logged_in_as(page, live_server, user_with_email(email))
    assert page.goto(live_server.url(next_path)).status == 200, next_path


def _check(page, path: str, problems: dict, *, scrolls: bool = True) -> None:
    snap(page, path)
    boxes = page.evaluate(_SCROLL_BOXES)
    if scrolls:
        assert any(box["overflows"] for box in boxes), f"{path}: nothing scrolls sideways"
    unreachable = [box["html"] for box in boxes if box["tabindex"] != "0" or box["role"] != "region"]
    unnamed = [box["html"] for box in boxes if not box["named"]]
    found = _axe_violations(page)
    if unreachable or unnamed or found:
        problems[path] = {"not focusable": unreachable, "no name": unnamed, "axe": found}


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (run npm ci)")
def test_scrolling_tables_and_charts_are_reachable_by_keyboard(mobile_page, live_server, sales):
    page = mobile_page
    problems: dict = {}
    _log_in(page, live_server, sales["owner"], "/seller/sales")
    _check(page, "/seller/sales", problems, scrolls=False)  # its tables are cards on a phone

    _log_in(page, live_server, sales["curator"], "/curator/payouts")
    _check(page, "/curator/payouts", problems, scrolls=False)
    assert page.goto(live_server.url("/curator/monitoring")).status == 200
    _check(page, "/curator/monitoring", problems)  # the charts scroll
    # On a tablet the eleven columns of the payouts table are a table again, wider than the screen.
    page.set_viewport_size({"width": 768, "height": 1024})
    assert page.goto(live_server.url("/curator/payouts")).status == 200
    _check(page, "/curator/payouts at 768 px", problems)
    assert problems == {}

    # Tab reaches a table that scrolls, and the arrow key then scrolls it.
    box = page.locator("main .table-scroll").first
    box.focus()
    expect(box).to_be_focused()
    page.keyboard.press("ArrowRight")
    # Polled from here: a string predicate would be eval'd in the page, which its CSP forbids.
    deadline = time.monotonic() + 5
    while page.evaluate("() => document.activeElement.scrollLeft") <= 0:
        assert time.monotonic() < deadline, "the arrow key did not scroll the focused table"
        page.wait_for_timeout(50)
    assert_no_browser_errors(page)
