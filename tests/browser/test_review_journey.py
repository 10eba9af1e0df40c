"""Variants and reviews in a real Chromium, on a phone: a buyer picks a size of a batik shirt (the
price follows the choice), checks out by bank transfer, the curator confirms the payment and the
shop ships, the buyer says the parcel arrived, writes a review with a photo, sees it on the product
page, and the stars on the product's card.

The curator's confirmation and the shop's shipping are service calls (their pages have journeys of
their own: test_after_the_order_journey.py). Fields are found by their `name` and links by their
address, so the journey reads the same in both languages; the buyer logs in by session cookie."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from marketplace.orders import services as orders
from marketplace.orders.fulfilment import mark_fulfilment_shipped
from marketplace.orders.models import Order
from marketplace.reviews.models import Review
from marketplace.shipping.couriers import ensure_default_couriers
from marketplace.types import utcnow
from tests.browser.conftest import assert_no_browser_errors, snap
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.factories import make_user
from tests.login import browser_logged_in_as
from tests.orders.test_variant_checkout import shirt_with_sizes

pytestmark = pytest.mark.browser

TEXT = {"id": "Kainnya halus dan warnanya cantik.", "en": "Soft cloth, beautiful colours."}


def _photo(tmp_path) -> str:
    path = tmp_path / "kain.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (150, 60, 30)).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


def _check_out_by_bank_transfer(page, main) -> None:
    checkout = main.locator("form.checkout")
    checkout.locator("#ship-courier").check()
    checkout.locator("input[name=name]").fill("Sari Wulandari")
    checkout.locator("input[name=phone]").fill("0812 3456 7890")
    checkout.locator("input[name=street]").fill("Jl. Raya Kabat 280")
    checkout.locator("input[name=district]").fill("Kabat")
    checkout.locator("input[name=city]").fill("Kabupaten Banyuwangi")
    checkout.locator("select[name=province]").select_option("Jawa Timur")
    checkout.locator("input[name=postal_code]").fill("68461")
    checkout.locator("#pay-bank").check()
    checkout.locator("button[name=action][value=place]").click()
    expect(page).to_have_url(re.compile(r"/orders/[^/?]+$"))


@pytest.mark.spread_over_databases("lang", ["id", "en"])
def test_buyer_picks_a_size_pays_and_reviews_with_a_photo(mobile_page, live_server, session, tmp_path, lang):
    page = mobile_page
    main = page.locator("main")
    ensure_default_couriers(session)
    _owner, product, sizes = shirt_with_sizes(session)
    buyer = make_user(session, email="siti@example.test", name="Siti")
    product_path, seller_path = f"/products/{product.id}-{product.slug}", f"/sellers/{product.seller.slug}"
    session.commit()
    browser_logged_in_as(page, live_server, buyer, lang=lang)

    # The size picker: XL costs more, and the page's price follows the choice (variant-picker.js).
    assert page.goto(live_server.url(product_path)).status == 200
    add = main.locator("form[action$='/cart/add']")
    expect(add.locator(f"#variant-{sizes['L'].id}")).to_be_disabled()  # sold out, still listed
    expect(main.locator(".buy .price").first).to_have_text(re.compile(r"250[.,]000"))
    add.locator(f"label[for=variant-{sizes['XL'].id}]").click()
    expect(main.locator(".buy .price").first).to_have_text(re.compile(r"275[.,]000"))
    snap(page, "size-picked")
    add.locator("button[type=submit]").click()
    expect(page.locator("[role=status]").first).to_be_visible()

    # Checkout by bank transfer; the order keeps the size.
    assert page.goto(live_server.url("/checkout")).status == 200
    expect(main.locator("section.summary")).to_contain_text("XL")
    _check_out_by_bank_transfer(page, main)
    session.rollback()  # see what the server committed
    order = session.scalars(sa.select(Order)).one()
    (line,) = order.lines
    assert (line.variant_id, line.sku, line.unit_price_idr) == (sizes["XL"].id, "GO-XL", 275_000)

    # The curator confirms the transfer and the shop ships (their own journeys click through these).
    now = utcnow()
    assert orders.mark_order_paid(session, order, actor_label="curator", now=now)
    fulfilment = order.fulfilments[0]
    assert mark_fulfilment_shipped(
        session, fulfilment, courier="JNE", courier_code="jne", tracking_number="JX0012345678",
        actor_label="seller", now=now,
    )  # fmt: skip
    session.commit()

    # The buyer says it arrived, then reviews the shirt with five stars and a photo.
    assert page.goto(live_server.url(f"/orders/{order.number}")).status == 200
    main.locator(f"form[action*='/parts/{fulfilment.id}/received'] button[type=submit]").click()
    review_link = main.locator(f"a[href$='/orders/lines/{line.id}/review']")
    review_link.click()
    form = main.locator("form.review-form")
    form.locator("input[name=rating][value='5']").check()
    form.locator("textarea[name=body]").fill(TEXT[lang])
    form.locator("input[name=photos]").set_input_files(_photo(tmp_path))
    snap(page, "review-form")
    if AXE.exists():
        assert _axe_violations(page) == []
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}$"))
    expect(review_link).to_have_count(0)
    session.rollback()
    review = session.scalars(sa.select(Review)).one()
    assert (review.rating, review.lang, review.photo_count) == (5, lang, 1)

    # The review on the product page, with its photo; the stars on the shop's card.
    assert page.goto(live_server.url(product_path)).status == 200
    section = main.locator("section.reviews")
    expect(section.locator("article.review")).to_contain_text(TEXT[lang])
    photo = section.locator(".review-photos img")
    expect(photo).to_have_count(1)
    photo.scroll_into_view_if_needed()  # loading="lazy": fetched when it comes near the screen
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=photo.element_handle())
    expect(main.locator(".rating-line .stars")).to_have_text("★★★★★")
    snap(page, "product-with-review")
    if AXE.exists():
        assert _axe_violations(page) == []

    assert page.goto(live_server.url(seller_path)).status == 200
    card = main.locator(f"li.card:has(a[href*='/products/{product.id}-'])")
    expect(card.locator(".card-rating")).to_contain_text("5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_browser_errors(page)
