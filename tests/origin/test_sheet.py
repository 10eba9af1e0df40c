"""The seller's sheet of hang-tags: only the product's shop, only for a product on sale, both
languages on every tag, and a QR code that encodes the public verification page."""

from __future__ import annotations

import re

import segno

from marketplace.catalogue.models import ProductStatus
from marketplace.types import utcnow
from tests.origin.conftest import audit, give_tag, log_in, tags


def _svg_path(svg: str) -> str:
    return re.search(r'<path[^>]* d="([^"]+)"', svg).group(1)


def test_the_first_print_makes_one_tag_whose_qr_opens_the_public_page(app, session, world):
    seller = log_in(app.test_client(), world.owner)
    url = f"/seller/products/{world.product.id}/tags"
    before = seller.get(url).get_data(as_text=True)
    assert "Make the tags" in before and "hang-tag" not in before and tags(session) == []

    assert seller.post(url).status_code == 303
    assert seller.post(url).status_code == 303  # a double click: still one tag
    [tag] = tags(session)
    assert re.fullmatch(r"[A-Za-z0-9_-]{12}", tag.code)
    [entry] = audit(session, "origin_tag.create")
    assert entry.actor_id == world.owner.id and entry.seller_id == world.seller.id

    page = seller.get(url).get_data(as_text=True)
    assert page.count('<article class="hang-tag">') == 8
    # Both languages on each tag, whatever the page's language.
    for text in (
        "Kain batik tulis Gajah Oling", "Gajah Oling hand-drawn batik cloth", "Dibuat oleh", "Made by",
        "Sanggar Sekar Kepuh", "Pakistaji, Kabat", "Batik", "Pindai untuk cek asal-usulnya",
        "Scan to check where it comes from", "SNI batik", "SNI-8302-0457",
    ):  # fmt: skip
        assert text in page, text
    assert "BMI-0312-OLD" not in page  # expired yesterday
    assert "HM-REQUESTED" not in page  # never verified
    assert "data-print hidden" in page and "browser's Print command" in page  # JS button, plain hint

    # The QR encodes exactly the absolute public address (segno cannot decode: compare the symbol
    # drawn here from the address with the one on the page).
    public = f"http://localhost/t/{tag.code}"
    assert public in page
    expected = segno.make(public, error="m", micro=False).svg_inline(border=4, omitsize=True)
    elsewhere = segno.make("http://localhost/t/AAAAAAAAAAAA", error="m", micro=False).svg_inline(border=4)
    assert _svg_path(page[page.index('class="qr-code"') :]) == _svg_path(expected) != _svg_path(elsewhere)
    assert seller.get(f"/t/{tag.code}").status_code == 200


def test_only_the_products_shop_reaches_its_tags(app, session, world):
    url = f"/seller/products/{world.product.id}/tags"
    assert app.test_client().get(url).status_code == 302  # to the login page
    stranger = log_in(app.test_client(), world.other_owner)
    assert stranger.get(url).status_code == 404
    assert stranger.post(url).status_code == 404
    assert tags(session) == []
    # The product page links its tags.
    seller = log_in(app.test_client(), world.owner)
    assert url in seller.get(f"/seller/products/{world.product.id}").get_data(as_text=True)


def test_no_tags_for_a_product_not_on_sale(app, session, world):
    world.product.status = ProductStatus.PENDING_REVIEW
    session.commit()
    seller = log_in(app.test_client(), world.owner)
    url = f"/seller/products/{world.product.id}/tags"
    assert "only for a product that is on sale" in seller.get(url).get_data(as_text=True)
    response = seller.post(url)
    assert response.status_code == 409
    assert "hang-tag" not in response.get_data(as_text=True)
    assert tags(session) == []


def test_a_revoked_tag_is_not_printed_and_the_seller_reads_why(app, session, world):
    give_tag(session, world.product, revoked_at=utcnow(), revoke_reason="Tags found on machine-printed cloth")
    seller = log_in(app.test_client(), world.owner)
    page = seller.get(f"/seller/products/{world.product.id}/tags").get_data(as_text=True)
    assert "Tags found on machine-printed cloth" in page
    assert "hang-tag" not in page and "Make the tags" not in page
