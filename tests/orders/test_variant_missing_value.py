"""A variant left without a value when its seller names a new option ("Warna" after "Ukuran") is
not sold: the product page and the seller's preview leave it out, the cart refuses it, and a cart
line that already holds it blocks checkout and placing the order, naming it."""

from __future__ import annotations

import json
import re

import pytest
import sqlalchemy as sa

from marketplace.cart import services as cart_services
from marketplace.cart.models import CartLine
from marketplace.dashboard import variants as seller_variants
from marketplace.errors import ValidationError
from marketplace.orders.models import Order
from tests.factories import make_user
from tests.login import logged_in_as_email
from tests.orders.helpers import CHECKOUT_ADDRESS, make_cart, place, quoted_checkout_form
from tests.orders.test_variant_checkout import shirt_with_sizes
from tests.orders.test_views import checkout, setup_shop


def _name_colour(session, product):
    """The seller names a second option: every variant's colour is empty until filled in."""
    seller_variants.save_options(session, product=product, names=[("Ukuran", "Size"), ("Warna", "Colour")])
    session.commit()


def _page(client, product, lang="en") -> str:
    response = client.get(f"/products/{product.id}-{product.slug}?lang={lang}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def test_the_product_page_offers_only_variants_with_every_value(client, session):
    _owner, product, sizes = shirt_with_sizes(session)  # M (2), L (sold out), XL (3)
    _name_colour(session, product)
    sizes["XL"].value2 = "Merah"  # the seller filled in one of them
    session.commit()
    page = _page(client, product)
    assert "<legend>Size / Colour</legend>" in page
    assert f'id="variant-{sizes["XL"].id}"' in page and f'value="{sizes["XL"].id}" checked' in page
    for missing in ("M", "L"):
        assert f'id="variant-{sizes[missing].id}"' not in page
    assert "–" not in page.split("<legend>")[1].split("</fieldset>")[0]
    assert "In stock: 3 left" in page  # XL's units, not M's as well
    offers = _json_ld(page)["hasVariant"]
    assert [offer["sku"] for offer in offers] == ["GO-XL"]


def test_with_no_variant_left_the_product_is_unavailable_for_now(app, client, session):
    _owner, product, sizes = shirt_with_sizes(session)
    _name_colour(session, product)
    for lang, text in (("en", "Not available right now"), ("id", "Belum tersedia untuk saat ini")):
        page = _page(client, product, lang)
        assert text in page
        assert 'action="/cart/add"' not in page and 'name="variant_id"' not in page
        # Not sold out either: no "tell me when it is back" (its units are there, waiting).
        assert "back-in-stock" not in page and "/back-in-stock" not in page
    make_user(session, email="someone@example.test")
    session.commit()
    buyer = logged_in_as_email(app.test_client(), "someone@example.test", lang="en")
    assert "Not available right now" in _page(buyer, product)


def test_adding_a_variant_missing_a_value_is_refused(client, session):
    _owner, product, sizes = shirt_with_sizes(session)
    _name_colour(session, product)
    response = client.post(
        "/cart/add",
        data={"product_id": product.id, "quantity": "1", "variant_id": sizes["M"].id},
        follow_redirects=True,
        headers={"Accept-Language": "en"},
    )
    assert "This choice cannot be ordered yet: the seller has not filled in all its options." in (
        response.get_data(as_text=True)
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(CartLine)) == 0
    # The service itself, as any other way of adding would call it.
    cart = make_cart(session, {})
    with pytest.raises(ValidationError) as refused:
        cart_services.add_to_cart(
            session, cart=cart, product_id=product.id, quantity=1, variant_id=sizes["XL"].id
        )
    assert refused.value.field == "variant_id"
    session.rollback()


def test_a_plain_product_given_its_first_option_waits_for_its_value(client, session):
    _owner, product, _sizes = shirt_with_sizes(session)
    plain = setup_shop(session, seller=product.seller, title_id="Kopi Kabat", title_en="Kabat coffee")
    seller_variants.save_options(session, product=plain, names=[("Ukuran", "Size")])
    session.commit()
    response = client.post("/cart/add", data={"product_id": plain.id, "quantity": "1"}, follow_redirects=True)
    assert "This choice cannot be ordered yet" in response.get_data(as_text=True)
    assert "Belum tersedia untuk saat ini" in _page(client, plain, "id")


def test_a_cart_line_added_before_the_option_blocks_checkout(client, session):
    _owner, product, sizes = shirt_with_sizes(session)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1", "variant_id": sizes["M"].id})
    client.post("/cart/add", data={"product_id": product.id, "quantity": "1", "variant_id": sizes["XL"].id})
    # The buyer has the checkout page open, priced, when the seller names the colour.
    placing = quoted_checkout_form(
        client,
        {
            **CHECKOUT_ADDRESS,
            "email": "guest@example.test",
            "shipping_method": "courier",
            "payment_method": "bank_transfer",
        },
    )
    _name_colour(session, product)
    sizes["XL"].value2 = "Merah"
    session.commit()

    response = client.post("/checkout", data=placing)
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0
    cart = client.get("/cart?lang=en").get_data(as_text=True)
    assert "Size: M, Colour: –" in cart
    assert "Not for sale until the seller fills in its options: please remove it." in cart
    # Named in the list at the top, in the reader's language.
    assert "Gajah Oling batik shirt (Size: M, Colour: –): Not for sale" in cart
    assert 'href="/checkout"' not in cart
    page = client.get("/cart?lang=id").get_data(as_text=True)
    assert (
        "Kemeja batik Gajah Oling (Ukuran: M, Warna: –): Belum dijual sampai penjual melengkapi opsinya: "
        "silakan hapus dari keranjang."
    ) in page
    response = client.get("/checkout")
    assert response.status_code == 303 and response.headers["Location"].endswith("/cart")
    quote = client.get("/checkout/quote?ship_country=ID&province=Jawa+Timur&city=Banyuwangi")
    assert quote.status_code == 409

    # Removing it lets the rest go through.
    client.post("/cart/remove", data={"product_id": product.id, "variant_id": sizes["M"].id})
    response, _data = checkout(client)
    assert response.status_code == 303 and "/orders/" in response.headers["Location"]
    order = session.scalars(sa.select(Order)).one()
    assert [line.variant_label_en for line in order.lines] == ["Size: XL, Colour: Merah"]


def test_placing_an_order_refuses_such_a_line_and_names_it(session):
    _owner, product, sizes = shirt_with_sizes(session)
    cart = make_cart(session, {})
    session.add(CartLine(cart_id=cart.id, product_id=product.id, variant_id=sizes["M"].id, quantity=1))
    session.commit()
    _name_colour(session, product)
    with pytest.raises(ValidationError) as refused:
        place(session, cart)
    named = "“Kemeja batik Gajah Oling” (Ukuran: M, Warna: –) cannot be ordered"
    assert refused.value.message.startswith(named)
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Order)) == 0


def test_the_seller_is_told_buyers_cannot_see_it_and_the_preview_agrees(app, session):
    owner, product, sizes = shirt_with_sizes(session)
    _name_colour(session, product)
    sizes["XL"].value2 = "Merah"
    session.commit()
    seller = logged_in_as_email(app.test_client(), owner.email, lang="en")
    page = seller.get(f"/seller/products/{product.id}/variants").get_data(as_text=True)
    assert "2 variants have no value yet for an option, so buyers can neither see nor order them." in page
    assert "shows to buyers as" not in page and "show to buyers as" not in page
    preview = seller.get(f"/seller/products/{product.id}/preview").get_data(as_text=True)
    assert "2 variants are not shown: they have no value yet for an option." in preview
    assert "XL / Merah" in preview and "M / –" not in preview
