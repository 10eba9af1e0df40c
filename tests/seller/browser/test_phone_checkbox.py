"""On a 360 px phone a checkbox with a long label keeps its box beside the words (the WhatsApp
contact page's "Show the button…" box sat alone on a line, its label below it)."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LAYOUT_ON_ONE_DATABASE
from tests.login import browser_logged_in_as, user_with_email

pytestmark = [pytest.mark.browser, LAYOUT_ON_ONE_DATABASE]


def test_a_long_checkbox_label_wraps_beside_its_box(mobile_page, live_server, world):
    page = mobile_page
    browser_logged_in_as(page, live_server, user_with_email("ani@example.test"), lang="id")
    page.goto(live_server.url(f"/seller/shops/{world.seller_a.id}/contact"))
    box = page.locator("input[type=checkbox][name=publish]").bounding_box()
    label = page.locator("label[for=publish]").bounding_box()
    hint = page.locator("#publish-hint").bounding_box()
    assert label["x"] > box["x"] + box["width"]  # beside the box …
    assert label["y"] < box["y"] + box["height"]  # … on the same line, not under it
    assert hint["y"] >= label["y"] + label["height"]  # the hint below both
