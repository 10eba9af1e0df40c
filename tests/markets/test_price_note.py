"""The note under converted prices ("Prices converted from rupiah at 1 EUR = …") is on the pages that
show a visitor's currency, not on the seller dashboard or the curator console, whose amounts are
rupiah whatever market the browser chose."""

from __future__ import annotations

from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as
from tests.markets.conftest import make_rate

NOTE = "Prices converted from rupiah at 1 EUR"


def test_the_note_is_on_storefront_pages_and_not_in_the_dashboard_or_console(app, session):
    make_rate(session, "EUR", "17300")
    owner = make_user(session, email="owner@example.test")
    make_product(session, seller=make_seller(session, user_id=owner.id), title_en="Batik", title_id="Batik")
    curator = make_user(session, email="kurator@example.test", is_curator=True)
    session.commit()
    market = "currency=EUR&country=NL"

    seller = logged_in_as(app.test_client(), owner, lang="en")
    assert NOTE in seller.get(f"/?{market}").get_data(as_text=True)
    for path in ("/seller/", "/seller/orders", "/seller/products", "/account/", "/account/addresses"):
        response = seller.get(path)
        assert response.status_code == 200 and NOTE not in response.get_data(as_text=True), path

    guest = app.test_client()
    guest.get(f"/?{market}")
    for path in ("/account/login", "/account/register", "/account/password/reset"):
        response = guest.get(path)
        assert response.status_code == 200 and NOTE not in response.get_data(as_text=True), path

    console = logged_in_as(app.test_client(), curator, lang="en")
    console.get(f"/?{market}")
    for path in ("/curator/", "/curator/transfers"):
        response = console.get(path)
        assert response.status_code == 200 and NOTE not in response.get_data(as_text=True), path
    # The home page's preview shows its cards in the curator's currency, as visitors see them.
    assert NOTE in console.get("/curator/featured/preview").get_data(as_text=True)
