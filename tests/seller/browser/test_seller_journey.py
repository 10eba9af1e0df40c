"""Issue 4 in a real Chromium on a 360-px phone: a seller logs in, adds a product with a photo,
adjusts its stock and ships a paid order with a tracking number. Fields are found by name, not by
their (translatable) text."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.catalogue.models import Product, ProductImage, ProductStatus
from marketplace.email.models import OutboundEmail
from marketplace.orders.models import FulfilmentStatus
from marketplace.shipping.couriers import ensure_default_couriers
from tests.browser.conftest import MOBILE_WIDTH, assert_no_browser_errors, snap
from tests.factories import TEST_PASSWORD
from tests.media import samples

pytestmark = pytest.mark.browser


def _assert_fits(page, what: str) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    assert width <= MOBILE_WIDTH, f"{what} is {width}px wide on a {MOBILE_WIDTH}px screen"


@pytest.fixture
def phone_page(request, page_pool, live_server, javascript):
    """A 360 px phone screen, with JavaScript on or off."""
    from tests.browser.conftest import PHONE, _new_page

    yield from _new_page(request, page_pool, live_server, **PHONE, java_script_enabled=javascript == "js")


@pytest.mark.spread_over_databases("javascript", ["js", "nojs"])
def test_seller_journey_on_a_phone(phone_page, live_server, session, world):
    ensure_default_couriers(session)  # as the migration seeds them
    session.commit()
    _journey(phone_page, live_server, session, world)


def _journey(page, live_server, session, world):
    main = page.locator("main")
    page.goto(live_server.url("/account/login?next=/seller/"))
    login = main.locator("form[action*='/account/login']")
    login.locator("input[name=email]").fill(world.user_a.email)
    login.locator("input[name=password]").fill(TEST_PASSWORD)
    login.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/seller/$"))
    snap(page, "dashboard")
    _assert_fits(page, "the dashboard")

    # A new product.
    main.locator("a[href$='/seller/products/new']").first.click()
    form = main.locator("form[action$='/seller/products/new']")
    form.locator("select[name=cluster_id]").select_option(str(world.cluster.id))
    form.locator("input[name=title_id]").fill("Tampah bambu anyaman")
    form.locator("textarea[name=description_id]").fill(
        "Tampah bambu anyaman tangan dari Tambong, diameter 40 cm."
    )
    form.locator("input[name=price]").fill("45.000")
    form.locator("input[name=stock]").fill("6")
    form.locator("input[name=weight_grams]").fill("600")
    snap(page, "new-product")
    _assert_fits(page, "the new-product form")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/seller/products/\d+$"))
    product = session.scalars(sa.select(Product).where(Product.title_id == "Tampah bambu anyaman")).one()
    assert product.status == ProductStatus.PENDING_REVIEW and product.price_minor == 45_000

    # A photo, uploaded with a plain form.
    upload = main.locator("form[action$='/photos']")
    upload.locator("input[type=file]").set_input_files(
        {"name": "tampah.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg(900, 700)}
    )
    upload.locator("button[type=submit]").click()
    expect(main.locator("ol.photos img")).to_have_count(1)
    snap(page, "photo")
    _assert_fits(page, "the product page with a photo")
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).where(ProductImage.product_id == product.id)) == 1

    # Stock: four more from a new batch.
    main.locator(f"a[href$='/seller/products/{product.id}/stock']").first.click()
    adjust = main.locator("form:has(input[name=action][value=adjust])")
    adjust.locator("input[name=adjust-delta]").fill("4")
    adjust.locator("input[name=adjust-reason]").fill("anyaman baru")
    adjust.locator("button[type=submit]").click()
    expect(main.locator("table")).to_contain_text("anyaman baru")
    snap(page, "stock")
    _assert_fits(page, "the stock page")
    session.expire_all()
    assert product.stock == 10

    # Ship the paid order.
    page.goto(live_server.url("/seller/orders"))
    main.locator(f"a[href$='/seller/orders/{world.fulfilment_a.id}']").first.click()
    ship = main.locator("form[action$='/ship']")
    ship.locator("select[name=courier]").select_option("jne")
    ship.locator("input[name=tracking_number]").fill("JNE0099887766")
    snap(page, "ship")
    _assert_fits(page, "the order page")
    ship.locator("button[type=submit]").click()
    expect(main).to_contain_text("JNE0099887766")
    session.expire_all()
    assert world.fulfilment_a.status == FulfilmentStatus.SHIPPED
    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == "shipped")).one()
    assert "JNE0099887766" in email.body_text

    page.goto(live_server.url(f"/seller/orders/{world.fulfilment_a.id}/slip"))
    _assert_fits(page, "the packing slip")
    assert_no_browser_errors(page)
