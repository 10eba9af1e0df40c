"""The seller's parcel page names the buyer's country as the buyer's own order page does."""

from __future__ import annotations

from marketplace.shipping.services import ensure_default_shipping_rates
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as_email
from tests.orders.helpers import address, make_cart, place


def test_seller_order_page_names_the_country_in_the_pages_language(app, session):
    ensure_default_shipping_rates(session)
    owner = make_user(session, email="ani@example.test")
    shop = make_seller(session, user_id=owner.id, name="Batik Ani")
    batik = make_product(session, seller=shop, exportable=True, hs_code="5208.52", stock=5)
    amsterdam = address(
        name="Anna de Vries", street="Prinsengracht 263", district="", city="Amsterdam", province="",
        postal_code="1016 GV", country="NL",
    )  # fmt: skip
    order = place(
        session, make_cart(session, {batik: 1}), address=amsterdam, payment_method="stripe", lang="en"
    )
    session.commit()
    parcel = order.fulfilments[0]

    for lang, name in (("en", "Netherlands"), ("id", "Belanda")):
        seller = logged_in_as_email(app.test_client(), "ani@example.test", lang=lang)
        page = seller.get(f"/seller/orders/{parcel.id}").get_data(as_text=True)
        ship_to = page.split("<address>", 1)[1].split("</address>", 1)[0]
        assert f"{name}<br>" in ship_to and "NL<br>" not in ship_to
