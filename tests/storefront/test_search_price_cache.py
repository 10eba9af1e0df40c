"""With the page cache on, a search with a price range is kept per range currency (its address) and
per visitor currency (the key's market): nobody is served another currency's page, a shared
address keeps its meaning, and a new rate re-filters on the next request (storefront.price_filter)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from marketplace.markets.services import set_rate
from marketplace.money import Money
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.login import logged_in_as
from tests.storefront.test_search_price_currency import _form, _listed


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_ENABLED": True}


@pytest.fixture
def priced(session, world) -> dict[str, int]:
    """Two products either side of $10.00 at Rp 16.300 a dollar, and the rate."""
    set_rate(session, currency="USD", rate=Decimal("16300"), effective_date=utcnow().date())
    products = {
        name: make_product(session, seller=world.seller, cluster=world.cluster, price_minor=price).id
        for name, price in (("cheap", 150_000), ("dear", 170_000))  # $9.20 and $10.43
    }
    session.commit()
    return products


LINK = "/search?price_currency=USD&max_price=10&lang=en"


def test_a_range_in_dollars_is_kept_apart_for_each_visitor_currency(app, priced):
    dollars = app.test_client()
    dollars.set_cookie("currency", "USD")
    first = dollars.get(LINK)
    assert first.headers.get("X-Cache") == "MISS" and _listed(first) == {priced["cheap"]}
    assert "<legend>Price (USD)</legend>" in _form(first)
    assert dollars.get(LINK).headers.get("X-Cache") == "HIT"

    # The same address for a visitor who sees rupiah: the same products, on a page of its own...
    rupiah = app.test_client()
    rupiah.set_cookie("lang", "en")
    for expected in ("MISS", "HIT"):
        response = rupiah.get(LINK)
        assert response.headers.get("X-Cache") == expected and _listed(response) == {priced["cheap"]}
        assert "<legend>Price (Rp)</legend>" in _form(response)
        assert Money(150_000, "IDR").format("en") in response.get_data(as_text=True)
    # ...which a visitor without cookies gets too (`price_currency` chooses nothing for them).
    cookieless = app.test_client().get(LINK)
    assert cookieless.headers.get("X-Cache") == "HIT" and "<legend>Price (Rp)</legend>" in _form(cookieless)
    assert not any(h.startswith("currency=") for h in cookieless.headers.getlist("Set-Cookie"))

    # And the dollar visitor still gets the dollar page.
    again = dollars.get(LINK)
    assert again.headers.get("X-Cache") == "HIT" and "<legend>Price (USD)</legend>" in _form(again)


def test_a_rupiah_range_stored_for_one_visitor_is_not_served_abroad(app, priced):
    link = "/search?max_price=160000"
    plain = app.test_client().get(link)  # no cookies: stored by the WSGI fast path's key
    assert _listed(plain) == {priced["cheap"]} and "<legend>Price (Rp)</legend>" in _form(plain)
    assert app.test_client().get(link).headers.get("X-Cache") == "HIT"
    american = app.test_client().get(link, headers={"Accept-Language": "en-US"})
    assert american.headers.get("X-Cache") != "HIT"
    assert "<legend>Price (USD)</legend>" in _form(american) and _listed(american) == {priced["cheap"]}


def test_currency_in_a_search_address_switches_the_visitor_and_keys_the_page(app, priced):
    link = "/search?max_price=160000&lang=en"
    for expected in ("MISS", "HIT"):  # each a new visitor: the link's `currency` chooses dollars
        response = app.test_client().get(f"{link}&currency=USD")
        assert response.headers.get("X-Cache") == expected and _listed(response) == {priced["cheap"]}
        assert "<legend>Price (USD)</legend>" in _form(response)
        assert any(h.startswith("currency=USD;") for h in response.headers.getlist("Set-Cookie"))
    # The same search without it is another page, in rupiah.
    plain = app.test_client().get(link)
    assert plain.headers.get("X-Cache") == "MISS" and "<legend>Price (Rp)</legend>" in _form(plain)


def test_a_new_rate_filters_again_on_the_next_request(app, session, priced):
    dollars = app.test_client()
    dollars.set_cookie("currency", "USD")
    assert _listed(dollars.get(LINK)) == {priced["cheap"]}
    set_rate(session, currency="USD", rate=Decimal("17500"), effective_date=utcnow().date())
    session.commit()
    assert _listed(dollars.get(LINK)) == {priced["cheap"], priced["dear"]}  # $8.57 and $9.71


def test_a_logged_in_buyer_gets_their_own_currency(app, session, priced):
    buyer = make_user(session, currency="USD")
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    response = client.get("/search?max_price=160000")
    assert "<legend>Price (USD)</legend>" in _form(response) and _listed(response) == {priced["cheap"]}
    assert "price range was set in IDR" in response.get_data(as_text=True)
