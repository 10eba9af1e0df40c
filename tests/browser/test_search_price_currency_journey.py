"""A buyer abroad filters search by price in the currency they see, on a phone, with and without
JavaScript: the market chooser, the filter form's dollar fields, the address it makes, the results
at the cent's boundary, and the same link opened by a visitor who sees rupiah."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import MOBILE_WIDTH, assert_no_browser_errors, snap
from tests.factories import make_cluster, make_product, make_seller
from tests.markets.conftest import make_rate

pytestmark = pytest.mark.browser


@pytest.fixture
def dollar_prices(session) -> dict[str, int]:
    """Products shown as $12.34 and $12.35 at Rp 16.300 a dollar (201.061 and 201.224 rupiah)."""
    make_rate(session, "USD", "16300")
    seller, cluster = make_seller(session), make_cluster(session)
    titles = {"Batik 1234": 201_061, "Batik 1235": 201_224}
    for title, price in titles.items():
        make_product(session, seller=seller, cluster=cluster, title_en=title, price_minor=price)
    session.commit()
    return titles


@pytest.mark.spread_over_databases("page_fixture", ["page", "page_nojs"])
def test_a_buyer_abroad_filters_by_dollars(request, page_fixture, live_server, dollar_prices):
    page = request.getfixturevalue(page_fixture)
    page.set_viewport_size({"width": MOBILE_WIDTH, "height": 740})
    page.goto(live_server.url("/search?lang=en"))
    footer_switch = page.locator("form.market-switch:has(#foot-market-currency)")
    footer_switch.locator("#foot-market-currency").select_option("USD")
    footer_switch.get_by_role("button").click()
    expect(page.locator(".card-price").first).to_contain_text("$12.3")

    page.locator("details.filters > summary").click()
    prices = page.get_by_role("group", name="Price (USD)")
    expect(prices.get_by_label("to")).to_have_attribute("inputmode", "decimal")
    prices.get_by_label("to").fill("12.34")
    snap(page, "dollar-range-typed")
    page.get_by_role("button", name="Show products").click()
    expect(page).to_have_url(re.compile(r"/search\?.*max_price=12\.34&price_currency=USD"))
    snap(page, "dollar-range-results")
    expect(page.locator(".card-price")).to_have_text(["$12.34"])
    shared = page.url

    # The same address for a visitor who sees rupiah: the same product, the range shown in rupiah.
    page.context.clear_cookies()
    page.goto(shared)
    expect(page.locator(".card-price")).to_have_text(["Rp 201,061"])
    page.locator("details.filters > summary").click()
    expect(page.get_by_role("group", name="Price (Rp)").get_by_label("to")).to_have_value("201223")
    expect(page.locator("fieldset.price-range")).to_contain_text("set in USD (up to $12.34)")
    snap(page, "dollar-link-in-rupiah")
    assert_no_browser_errors(page)
