"""The heart (plain form and script), the guest cookie merged at login, /account/favourites,
"tell me when it is back", more from the maker and the desa, recently viewed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from marketplace.favourites.models import Favourite, StockAlert
from marketplace.favourites.services import FAVOURITES_COOKIE
from marketplace.markets.models import ExchangeRate
from tests.factories import TEST_PASSWORD, make_product, make_seller, make_user
from tests.login import logged_in_as

#: A heart drawn saved (the unsaved one is class="heart").
SAVED = 'class="heart saved"'


def _page(client, product, **kwargs) -> str:
    response = client.get(f"/products/{product.id}-{product.slug}", **kwargs)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _heart(client, product, action="add", next_url="/", json=False):
    headers = {"Accept": "application/json"} if json else {}
    return client.post(
        "/account/favourites",
        data={"product_id": product.id, "action": action, "next": next_url},
        headers=headers,
    )


def test_heart_without_javascript_returns_to_the_page_and_with_it_answers_json(app, session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_en="Gajah Oling shirt")
    buyer = make_user(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    path = f"/products/{product.id}-{product.slug}"
    assert SAVED not in _page(client, product)

    response = _heart(client, product, next_url=path)
    assert response.status_code == 303 and response.headers["Location"].endswith(path)
    html = client.get(path).get_data(as_text=True)
    assert "Saved to your favourites." in html and SAVED in html
    assert session.scalar(sa.select(sa.func.count(Favourite.id))) == 1

    # The script's request: JSON, no redirect; an unsafe `next` never leaves the site.
    response = _heart(client, product, action="remove", next_url="https://evil.example/", json=True)
    assert response.status_code == 200 and response.get_json()["saved"] is False
    assert session.scalar(sa.select(sa.func.count(Favourite.id))) == 0
    assert (
        _heart(client, product, next_url="https://evil.example/")
        .headers["Location"]
        .endswith("/account/favourites")
    )
    missing = client.post(
        "/account/favourites",
        data={"product_id": "999999", "action": "add"},
        headers={"Accept": "application/json"},
    )
    assert missing.status_code == 404 and missing.get_json()["error"]["message"]


def test_guest_favourites_live_in_a_cookie_and_join_the_account_at_login(app, session, world):
    first = make_product(session, seller=world.seller, cluster=world.cluster, title_en="Kalimba")
    second = make_product(session, seller=world.seller, cluster=world.cluster, title_en="Rattan tray")
    buyer = make_user(session, email="pembeli@example.test")
    session.commit()
    client = app.test_client()
    client.set_cookie("lang", "en")
    _heart(client, first)
    _heart(client, second, json=True)
    cookie = client.get_cookie(FAVOURITES_COOKIE)
    assert cookie is not None and cookie.value == f"{second.id}.{first.id}" and cookie.http_only
    assert SAVED in _page(client, first)
    listing = client.get("/account/favourites").get_data(as_text=True)
    assert "Kalimba" in listing and "Rattan tray" in listing and "Log in to keep them" in listing
    assert session.scalar(sa.select(sa.func.count(Favourite.id))) == 0  # nothing stored for a guest

    response = client.post("/account/login", data={"email": buyer.email, "password": TEST_PASSWORD})
    assert response.status_code in (302, 303)
    assert client.get_cookie(FAVOURITES_COOKIE) is None
    saved = set(session.scalars(sa.select(Favourite.product_id).where(Favourite.user_id == buyer.id)))
    assert saved == {first.id, second.id}


def test_favourites_page_shows_todays_price_in_the_buyers_currency_and_stock(app, session, world):
    on_sale = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        title_en="Batik scarf",
        price_minor=170_000,
        stock=4,
    )
    sold_out = make_product(session, seller=world.seller, cluster=world.cluster, title_en="Coffee", stock=0)
    session.add(
        ExchangeRate(currency="EUR", rate=Decimal("17000"), effective_date=date.today(), source="test")
    )
    buyer = make_user(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    _heart(client, on_sale)
    _heart(client, sold_out)
    client.get("/?currency=EUR&country=NL")
    html = client.get("/account/favourites").get_data(as_text=True)
    assert "€10.00" in html and "In stock: 4" in html and "Out of stock" in html
    assert client.get("/account/favourites").headers["Cache-Control"] == "private, no-store"

    response = client.post(
        "/account/favourites",
        data={"product_id": on_sale.id, "action": "remove", "next": "/account/favourites"},
    )
    assert response.headers["Location"].endswith("/account/favourites")
    html = client.get("/account/favourites").get_data(as_text=True)
    assert "Batik scarf" not in html and "Coffee" in html


def test_favourites_count_only_units_a_buyer_can_order(app, session, world):
    """Sizes left without a value when the seller named a new option cannot be bought (the
    product page refuses them): the favourites page does not count their units either."""
    from marketplace.dashboard import variants as seller_variants
    from tests.factories import make_sized_product

    shirt = make_sized_product(
        session, {"M": 2, "L": 3}, seller=world.seller, cluster=world.cluster, title_en="Batik shirt"
    )
    buyer = make_user(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    _heart(client, shirt)
    assert "In stock: 5" in client.get("/account/favourites").get_data(as_text=True)

    seller_variants.save_options(session, product=shirt, names=[("Ukuran", "Size"), ("Warna", "Colour")])
    large = next(v for v in shirt.variants if v.value1 == "L")
    large.value2 = "Merah"  # only L has a colour now: its 3 units can be ordered
    session.commit()
    html = client.get("/account/favourites").get_data(as_text=True)
    assert "In stock: 3" in html and "In stock: 5" not in html


def test_tell_me_when_it_is_back(app, session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, stock=0, title_en="Sagon")
    in_stock = make_product(session, seller=world.seller, cluster=world.cluster, stock=2)
    session.commit()
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert "Tell me when it is back" in _page(client, product)
    assert "Tell me when it is back" not in _page(client, in_stock)

    bad = client.post(f"/products/{product.id}/notify", data={"email": "nope"})
    assert bad.status_code == 400 and "Enter a valid email address." in bad.get_data(as_text=True)
    good = client.post(f"/products/{product.id}/notify", data={"email": "tamu@example.test"})
    assert good.status_code == 303 and good.headers["Location"].endswith(
        f"/products/{product.id}-{product.slug}"
    )
    assert session.scalar(sa.select(StockAlert.lang).where(StockAlert.email == "tamu@example.test")) == "en"
    refused = client.post(f"/products/{in_stock.id}/notify", data={"email": "tamu@example.test"})
    assert refused.status_code == 400 and "in stock now" in refused.get_data(as_text=True)

    buyer = make_user(session)
    session.commit()
    member = logged_in_as(app.test_client(), buyer, lang="en")
    assert 'name="email"' not in _page(member, product)  # the account's address is used
    assert member.post(f"/products/{product.id}/notify").status_code == 303
    assert "We will email you once when it is back in stock." in _page(member, product)


def test_more_from_the_maker_and_the_desa(app, session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_en="Main batik")
    for i in range(6):
        make_product(session, seller=world.seller, cluster=world.cluster, title_en=f"Maker item {i}")
    neighbour = make_seller(session, village=world.village, name="Tenun Pakistaji")
    make_product(session, seller=neighbour, cluster=world.cluster, title_en="Neighbour item")
    make_product(session, seller=world.other_seller, cluster=world.cluster, title_en="Far away item")
    session.commit()
    client = app.test_client()
    client.set_cookie("lang", "en")
    html = _page(client, product)
    assert "More from KUB Sekar Kepuh" in html and "More from Desa Pakistaji" in html
    assert html.count('class="card-title">Maker item') == 4  # the four newest
    assert "Maker item 5" in html and "Neighbour item" in html
    assert "Far away item" not in html
    assert html.count("Main batik") >= 1 and 'aria-label="More from KUB Sekar Kepuh"' in html


def test_recently_viewed_lists_earlier_products_newest_first(app, session, world):
    products = [
        make_product(session, seller=world.other_seller, cluster=world.cluster, title_en=f"Viewed {i}")
        for i in range(12)
    ]
    session.commit()
    client = app.test_client()
    client.set_cookie("lang", "en")
    assert "Recently viewed" not in _page(client, products[0])
    _page(client, products[1])
    html = _page(client, products[2])
    section = html.split('id="recent-h"', 1)[1]
    assert "Viewed 2" not in section  # not the product being looked at
    assert section.index("Viewed 1") < section.index("Viewed 0")
    own = client.get(f"/products/{products[2].id}-{products[2].slug}")
    assert own.headers["Cache-Control"] == "private, no-store"  # this visitor's own page

    # Ten are kept, newest first; a tampered cookie is read as far as it makes sense.
    client.set_cookie("recently_viewed", ".".join(str(p.id) for p in reversed(products[:11])) + ".x.0")
    html = _page(client, products[11])
    assert "Viewed 10" in html and "Viewed 1" in html and "Viewed 0" not in html
    cookie = client.get_cookie("recently_viewed").value.split(".")
    assert cookie[0] == str(products[11].id) and len(cookie) == 10
