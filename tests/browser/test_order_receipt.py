"""The buyer's printable receipt on a 360 px phone: it fits, passes axe, and its Print button
appears with JavaScript and asks the browser to print."""

from __future__ import annotations

import pytest

from marketplace.orders import services as orders
from tests.browser.conftest import LAYOUT_ON_ONE_DATABASE, assert_no_browser_errors, snap
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.factories import make_product, make_seller, make_village
from tests.orders.helpers import make_cart, place

pytestmark = [pytest.mark.browser, LAYOUT_ON_ONE_DATABASE]


@pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (run npm ci)")
def test_receipt_fits_a_phone_and_passes_axe(app, session, mobile_page, live_server):
    page = mobile_page
    village = make_village(session, name="Pakistaji", slug="pakistaji")
    seller = make_seller(session, name="Sanggar Batik Sekar Kepuh", village=village)
    shirt = make_product(
        session,
        seller=seller,
        title_id="Kemeja Batik Gajah Oling Pria Lengan Panjang",
        title_en="Men's long-sleeved Gajah Oling batik shirt",
        price_minor=275_000,
        stock=5,
    )
    order = place(session, make_cart(session, {shirt: 2}), note="Ukuran L dan XL,\nterima kasih", lang="en")
    session.commit()
    token = orders.guest_order_token(order, secret_key=app.config["SECRET_KEY"])

    assert page.goto(live_server.url(f"/orders/{order.number}/receipt?token={token}")).status == 200
    snap(page, "receipt")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    button = page.locator("button[data-print]")
    assert button.is_visible()
    page.evaluate("window.print = () => { window.printed = true; }")
    button.click()
    assert page.evaluate("window.printed === true")
    page.emulate_media(media="print")
    assert not page.locator("header.site-header").is_visible() and not button.is_visible()
    page.emulate_media(media="screen")
    assert _axe_violations(page) == []
    assert_no_browser_errors(page)
