"""The search page in Chromium on a phone, without JavaScript: a very long query fits the screen,
each filter's chip removes it, and going back shows the form its own results follow."""

from __future__ import annotations

import pytest

from tests.browser.conftest import LAYOUT_ON_ONE_DATABASE, MOBILE_WIDTH
from tests.factories import make_product

pytestmark = [pytest.mark.browser]


@pytest.fixture
def batik(session, world):
    for n in range(3):
        make_product(session, seller=world.seller, cluster=world.cluster, title_id=f"Kain Batik {n}", stock=n)
    make_product(session, seller=world.other_seller, cluster=world.other_cluster, title_id="Kopi Batik")
    session.commit()


@LAYOUT_ON_ONE_DATABASE
def test_a_very_long_query_fits_a_phone(mobile_page, live_server, batik):
    page = mobile_page
    assert page.goto(live_server.url("/search?q=" + "a" * 200)).status == 200
    page.wait_for_load_state()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= MOBILE_WIDTH


def test_a_chip_removes_its_filter_and_back_shows_the_form_of_its_page(page_nojs, live_server, batik):
    page = page_nojs
    page.goto(live_server.url("/search?q=batik&lang=en"))
    assert page.locator(".result-summary").inner_text() == "4 products"
    page.click("details.filters summary")
    page.select_option("#f-cluster", "batik")
    page.check("#f-stock")
    page.click("text=Show products")
    assert page.locator(".result-summary").inner_text() == "2 products"
    chips = [" ".join(text.split()) for text in page.locator(".active-filters a").all_text_contents()]
    assert chips == [
        "Remove filter: Cluster: Batik ×",
        "Remove filter: In stock only ×",
        "Clear all filters",
    ]
    page.click("text=Cluster: Batik")  # the chip
    assert "cluster=" not in page.url and "in_stock=1" in page.url
    assert page.locator(".result-summary").inner_text() == "3 products"
    assert page.input_value("#f-cluster") == ""
    page.go_back()
    page.go_back()
    # The first page's results are unfiltered: so is its form, whatever was chosen on it after.
    assert page.locator(".result-summary").inner_text() == "4 products"
    assert page.input_value("#f-cluster") == "" and not page.is_checked("#f-stock")
