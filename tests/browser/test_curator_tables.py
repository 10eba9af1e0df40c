"""Curator tables never cut text off: prose (captions) wraps inside the box, a table wider than its
box scrolls inside it with a shadow on the side with more to see, the page never scrolls sideways
at 360 px, and the payouts table fits a 1280 px screen with its Mark-paid column in view."""

from __future__ import annotations

import pytest

from tests.browser.conftest import MOBILE_WIDTH, assert_no_browser_errors
from tests.browser.test_phone_tables import _log_in, books  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.browser

#: Per page: its width, and per scroll box its table's and caption's widths and whether it scrolls
#: with the edge shadows (background images of the box).
BOXES_JS = """() => ({
    width: document.scrollingElement.scrollWidth,
    boxes: [...document.querySelectorAll("main .table-scroll, main .chart-wrap")]
        .filter(box => box.offsetParent !== null)
        .map(box => {
            const caption = box.querySelector("caption");
            const style = getComputedStyle(box);
            return {
                box: box.clientWidth, content: box.scrollWidth,
                caption: caption ? caption.getBoundingClientRect().width : 0,
                scrolls: style.overflowX === "auto",
                shadows: (style.backgroundImage.match(/gradient/g) || []).length,
            };
        }),
})"""


@pytest.mark.spread_over_databases("lang", ["id", "en"])
def test_curator_tables_fit_or_scroll_inside_their_box(mobile_page, live_server, books, lang):  # noqa: F811
    page = mobile_page
    _log_in(page, live_server, books.curator_email, lang)
    for path in (
        "/curator/mentoring", "/curator/naik-kelas", "/curator/facilitators",
        "/curator/payouts", "/curator/monitoring", "/curator/shipping", "/curator/jobs",
    ):  # fmt: skip
        assert page.goto(live_server.url(path)).status == 200, path
        found = page.evaluate(BOXES_JS)
        assert found["width"] <= MOBILE_WIDTH, (path, found["width"])
        for box in found["boxes"]:
            assert box["caption"] <= box["box"] + 1, (path, box)  # the caption wraps in view
            assert box["scrolls"] and box["shadows"] == 4, (path, box)
        # Three-column tables are as wide as their words need, not a fixed 34rem (544 px).
        assert all(box["content"] < 544 for box in found["boxes"] if box["caption"]), (path, found)

    # The shipping tiers: one closed list per zone, so the page is a screen or two, not dozens.
    page.goto(live_server.url("/curator/shipping"))
    assert page.evaluate("document.scrollingElement.scrollHeight") < 6000

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(live_server.url("/curator/payouts"))
    found = page.evaluate(BOXES_JS)
    [table] = [box for box in found["boxes"] if box["caption"]]
    assert table["content"] <= table["box"], table
    header = page.locator("main table.payouts thead th").nth(2)
    box = page.locator("main .table-scroll").first.bounding_box()
    assert header.bounding_box()["x"] + header.bounding_box()["width"] <= box["x"] + box["width"]
    assert_no_browser_errors(page)
