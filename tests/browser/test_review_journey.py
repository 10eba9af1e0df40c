"""Reviews in a real Chromium, on a phone: a buyer whose parcel arrived opens her order, writes a
review with a photo, sees it on the product page, and the stars on the product's card.

Fields are found by their `name` and links by their address, so the journey reads the same in both
languages; the buyer logs in by session cookie (`browser_logged_in_as`)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect

from marketplace.catalogue.models import Product
from marketplace.reviews.models import Review
from tests.browser.conftest import assert_no_browser_errors, snap
from tests.browser.test_page_basics import AXE, _axe_violations
from tests.login import browser_logged_in_as
from tests.reviews.helpers import delivered_order

pytestmark = pytest.mark.browser

TEXT = {"id": "Kainnya halus dan warnanya cantik.", "en": "Soft cloth, beautiful colours."}


def _photo(tmp_path) -> str:
    path = tmp_path / "kain.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (150, 60, 30)).save(buffer, "JPEG", quality=85)
    path.write_bytes(buffer.getvalue())
    return str(path)


@pytest.mark.spread_over_databases("lang", ["id", "en"])
def test_buyer_reviews_with_a_photo_and_sees_the_stars(mobile_page, live_server, session, tmp_path, lang):
    page = mobile_page
    main = page.locator("main")
    buyer, _owner, order, line = delivered_order(session, units=1)
    product = session.get(Product, line.product_id)
    product_path, seller_path = f"/products/{product.id}-{product.slug}", f"/sellers/{product.seller.slug}"
    session.commit()

    browser_logged_in_as(page, live_server, buyer, lang=lang)
    assert page.goto(live_server.url(f"/orders/{order.number}")).status == 200
    main.locator(f"a[href$='/orders/lines/{line.id}/review']").click()
    form = main.locator("form.review-form")
    form.locator("input[name=rating][value='5']").check()
    form.locator("textarea[name=body]").fill(TEXT[lang])
    form.locator("input[name=photos]").set_input_files(_photo(tmp_path))
    snap(page, "review-form")
    if AXE.exists():
        assert _axe_violations(page) == []
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/orders/{order.number}$"))
    expect(main.locator(f"a[href$='/orders/lines/{line.id}/review']")).to_have_count(0)
    session.rollback()
    review = session.scalars(sa.select(Review)).one()
    assert (review.rating, review.lang, review.photo_count) == (5, lang, 1)

    assert page.goto(live_server.url(product_path)).status == 200
    section = main.locator("section.reviews")
    expect(section.locator("article.review")).to_contain_text(TEXT[lang])
    photo = section.locator(".review-photos img")
    expect(photo).to_have_count(1)
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0")
    expect(main.locator(".rating-line .stars")).to_have_text("★★★★★")
    snap(page, "product-with-review")
    if AXE.exists():
        assert _axe_violations(page) == []

    assert page.goto(live_server.url(seller_path)).status == 200
    card = main.locator(f"li.card:has(a[href*='/products/{product.id}-'])")
    expect(card.locator(".card-rating")).to_contain_text("5")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert_no_browser_errors(page)
