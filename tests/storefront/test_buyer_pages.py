"""A logged-in visitor's page reads their account, with their cart count, saved products, shops and
"has any" flags (waiting questions, back-in-stock alerts), in one statement on the page cache's
reader, outside the request's session (web.load_user). Still on every request: ending a session
(disabled account, logout, changed password) takes effect on the next page, and each visitor's page
shows only their own parts, kept product pages included."""

from __future__ import annotations

import pytest

from marketplace.cart.models import Cart, CartLine
from marketplace.favourites.models import Favourite, StockAlert
from marketplace.questions.models import ProductQuestion
from tests.factories import TEST_PASSWORD, make_product, make_user
from tests.login import logged_in_as

LOGGED_IN = 'action="/account/logout"'


@pytest.fixture
def app_overrides() -> dict:
    # Product pages and listings kept per process: the visitor's parts are filled into kept frames.
    return {"PAGE_CACHE_ENABLED": True}


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _path(product) -> str:
    return f"/products/{product.id}-{product.slug}"


@pytest.mark.parametrize("page", ["listing", "product"])
def test_a_buyers_kept_page_costs_one_statement_as_a_guests_does(app, session, world, count_queries, page):
    buyer = make_user(session)
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    path = "/clusters/batik" if page == "listing" else _path(product)
    guest, client = app.test_client(), logged_in_as(app.test_client(), buyer)
    counts = {}
    for name, visitor in (("guest", guest), ("buyer", client)):
        visitor.get(path)  # warm up: the listing or the product page is kept
        with count_queries(reader=True) as counter:
            html = _html(visitor, path)
        counts[name] = counter.statements
        assert (LOGGED_IN in html) == (name == "buyer")
    # The guest's one statement reads the counters; the buyer's reads the account and the counters.
    assert len(counts["guest"]) == len(counts["buyer"]) == 1, counts
    assert "FROM users" in counts["buyer"][0] and "cache_generations" in counts["buyer"][0]


def test_a_disabled_account_is_logged_out_on_its_next_page(app, session, world):
    buyer = make_user(session)
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    client = logged_in_as(app.test_client(), buyer)
    for path in ("/", _path(product)):
        assert LOGGED_IN in _html(client, path)
    buyer.active = False
    session.commit()
    for path in ("/", "/clusters/batik", _path(product)):
        assert LOGGED_IN not in _html(client, path), path
    assert client.get("/account/").status_code == 302


def test_logout_and_a_password_change_end_the_copies_on_their_next_page(app, session, world):
    buyer = make_user(session)
    session.commit()
    phone, laptop = logged_in_as(app.test_client(), buyer), app.test_client()
    laptop.set_cookie("session", phone.get_cookie("session").value)
    assert LOGGED_IN in _html(laptop, "/")
    response = phone.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": "new password 2026",
            "confirm": "new password 2026",
        },
    )
    assert response.status_code == 302
    assert LOGGED_IN in _html(phone, "/")  # the device that changed it stays logged in
    assert LOGGED_IN not in _html(laptop, "/")
    stolen = phone.get_cookie("session").value
    assert phone.post("/account/logout").status_code == 302
    copy = app.test_client()
    copy.set_cookie("session", stolen)
    assert LOGGED_IN not in _html(copy, "/clusters/batik")


def test_each_buyer_sees_only_their_own_parts_of_a_kept_page(app, session, world):
    asker, other = make_user(session, locale="en"), make_user(session, locale="en")
    shown = make_product(session, seller=world.seller, cluster=world.cluster)
    sold_out = make_product(session, seller=world.seller, cluster=world.cluster, stock=0)
    elsewhere = make_product(session, seller=world.other_seller, cluster=world.cluster)
    session.flush()
    session.add_all(
        [
            ProductQuestion(
                product_id=shown.id, seller_id=world.seller.id, asker_id=asker.id, lang="en",
                body="Is the dye natural indigo?",
            ),
            # The other buyer waits for answers too, on another product: their flag is set.
            ProductQuestion(
                product_id=elsewhere.id, seller_id=world.other_seller.id, asker_id=other.id, lang="en",
                body="Does it ship to Jember?",
            ),
            StockAlert(product_id=sold_out.id, user_id=asker.id, email=asker.email, lang="en"),
            Favourite(user_id=asker.id, product_id=shown.id),
        ]
    )  # fmt: skip
    cart = Cart(user_id=asker.id)
    session.add(cart)
    session.flush()
    session.add(CartLine(cart_id=cart.id, product_id=elsewhere.id, quantity=3, variant_id=None))
    session.commit()
    clients = {
        "asker": logged_in_as(app.test_client(), asker),
        "other": logged_in_as(app.test_client(), other),
    }
    for _round in range(3):  # the first renders the pages, the next ones fill kept frames
        for name, client in clients.items():
            mine = name == "asker"
            page = _html(client, _path(shown))
            assert ("Is the dye natural indigo?" in page) == mine, (name, _round)
            assert "Does it ship to Jember?" not in page
            assert ('class="heart saved"' in page) == mine, (name, _round)
            assert ('<span class="cart-count">3</span>' in page) == mine, (name, _round)
            page = _html(client, _path(sold_out))
            assert ("We will email you once when it is back in stock." in page) == mine, (name, _round)
            assert ("Tell me when it is back" in page) != mine, (name, _round)
            page = _html(client, _path(elsewhere))
            assert ("Does it ship to Jember?" in page) == (not mine), (name, _round)
            assert "Is the dye natural indigo?" not in page
