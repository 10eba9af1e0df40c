"""The header's cart count: right for each visitor, cheap, and never shared through the page cache."""

from __future__ import annotations

import re

import pytest

from marketplace.cart.header import count_cart_items, header_cart_count
from marketplace.cart.services import CART_COOKIE
from tests.cart.conftest import log_in
from tests.factories import make_product, make_user


@pytest.fixture
def app_overrides() -> dict:
    # Public pages are cached for anonymous visitors, as in production.
    return {"PAGE_CACHE_ENABLED": True}


@pytest.fixture
def products(session):
    bag = make_product(session, slug="tas-anyaman", title_en="Woven bag", stock=10)
    coffee = make_product(session, slug="kopi", title_en="Robusta coffee", stock=10)
    session.commit()
    return bag, coffee


def _path(product) -> str:
    return f"/products/{product.id}-{product.slug}"


def _cart_link(html: str) -> tuple[str, str | None]:
    """(the cart link's accessible name, the number on its badge or None)."""
    link = re.search(r'<a class="cart-link" href="/cart" aria-label="([^"]+)">(.*?)</a>', html, re.S)
    assert link, "no cart link in the header"
    badge = re.search(r'<span class="cart-count">(\d+)</span>', link.group(2))
    return link.group(1), badge.group(1) if badge else None


def test_the_header_counts_the_units_in_the_guest_cart(client, products):
    bag, coffee = products
    assert _cart_link(client.get("/").get_data(as_text=True)) == ("Cart, 0 items", None)
    client.post("/cart/add", data={"product_id": bag.id, "quantity": "2"})
    assert _cart_link(client.get(_path(coffee)).get_data(as_text=True)) == ("Cart, 2 items", "2")
    client.post("/cart/add", data={"product_id": coffee.id, "quantity": "1"})
    for path in ("/", "/cart", "/search?q=bag", _path(bag)):
        assert _cart_link(client.get(path).get_data(as_text=True)) == ("Cart, 3 items", "3"), path


def test_the_header_counts_the_account_cart_after_login(client, session, products):
    bag, _coffee = products
    user = make_user(session, email="sari@example.test", locale="en")
    session.commit()
    client.post("/cart/add", data={"product_id": bag.id, "quantity": "1"})
    log_in(client, "sari@example.test")
    assert client.get_cookie(CART_COOKIE) is None  # merged into the account's cart at login
    assert _cart_link(client.get("/").get_data(as_text=True)) == ("Cart, 1 item", "1")
    assert count_cart_items(session, user=user) == 1


def test_a_cached_page_never_shows_another_visitors_count(app, products):
    bag, _coffee = products
    path = _path(bag)
    shopper = app.test_client()
    shopper.post("/cart/add", data={"product_id": bag.id, "quantity": "4"})

    # The shopper's page is rendered for them alone (their cart cookie bypasses the cache) ...
    page = shopper.get(path)
    assert page.headers.get("X-Cache") is None
    assert _cart_link(page.get_data(as_text=True)) == ("Cart, 4 items", "4")
    # ... so the next visitors get a page stored without any count, and share it.
    for expected_cache in ("MISS", "HIT"):
        visitor = app.test_client().get(path)
        assert visitor.headers.get("X-Cache") == expected_cache
        assert _cart_link(visitor.get_data(as_text=True)) == ("Cart, 0 items", None)
    # A stored page never reaches a visitor with a cart either.
    page = shopper.get(path)
    assert page.headers.get("X-Cache") is None
    assert _cart_link(page.get_data(as_text=True)) == ("Cart, 4 items", "4")


def test_anonymous_visitors_cost_no_query_and_a_cart_one(app, session, products, count_queries):
    bag, _coffee = products
    with app.test_request_context("/"), count_queries() as counter:
        assert header_cart_count() == 0
    assert counter.count == 0

    client = app.test_client()
    client.post("/cart/add", data={"product_id": bag.id, "quantity": "2"})
    token = client.get_cookie(CART_COOKIE).value
    with (
        app.test_request_context("/", headers={"Cookie": f"{CART_COOKIE}={token}"}),
        count_queries() as counter,
    ):
        assert header_cart_count() == 2
        assert header_cart_count() == 2  # read once per request
    assert counter.count == 1

    # A cookie naming no cart (expired, forged) counts nothing and breaks nothing.
    with app.test_request_context("/", headers={"Cookie": f"{CART_COOKIE}={'x' * 40}"}):
        assert header_cart_count() == 0
    assert count_cart_items(session, token="short") == 0
