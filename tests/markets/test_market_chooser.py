"""The market chooser: a GET with ?currency=&country= changes only what it shows (and this
browser's cookies); the account's saved market is written only by the chooser's POST, with CSRF."""

from __future__ import annotations

import re
from html import unescape

import pytest
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.money import Money
from tests.factories import TEST_PASSWORD, make_user
from tests.markets.conftest import product_path

USD_PRICE = Money(767, "USD").format("en")  # Rp 125.000 at 16.300
GBP_PRICE = Money(610, "GBP").format("en")


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


@pytest.fixture
def buyer(session):
    user = make_user(session, email="buyer@example.test", locale="en", country="ID", currency="IDR")
    session.commit()
    return user


def _saved_market(session, email: str = "buyer@example.test") -> tuple[str | None, str | None]:
    session.expire_all()
    return tuple(session.execute(sa.select(User.country, User.currency).where(User.email == email)).one())


def _token(html: str) -> str:
    return unescape(re.search(r'name="csrf_token" value="([^"]+)"', html).group(1))


def _log_in(client) -> None:
    page = client.get("/account/login").get_data(as_text=True)
    response = client.post(
        "/account/login",
        data={"email": "buyer@example.test", "password": TEST_PASSWORD, "csrf_token": _token(page)},
    )
    assert response.status_code == 302, response.status_code


def _chooser(html: str) -> dict:
    """The header chooser as a browser without JavaScript sees it: method, action, hidden fields."""
    form = re.search(r'<form class="market-switch"([^>]*)>(.*?)</form>', html, re.S)
    assert form, "no market chooser on the page"
    attrs, body = form.group(1), form.group(2)
    hidden = {
        name: unescape(value)
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body)
    }
    return {
        "method": re.search(r'method="([^"]+)"', attrs).group(1),
        "action": unescape(re.search(r'action="([^"]+)"', attrs).group(1)),
        "hidden": hidden,
        "selects": re.findall(r'<select[^>]* name="([^"]+)"', body),
    }


def test_a_logged_in_get_with_market_parameters_leaves_the_account_unchanged(
    client, session, rates, product, buyer
):
    _log_in(client)
    response = client.get("/?currency=USD&country=US")
    assert response.status_code == 200
    assert _saved_market(session) == ("ID", "IDR")
    # The link still works for the page it opens, and this browser remembers it in cookies.
    page = client.get(f"{product_path(product)}?currency=USD&country=US")
    assert USD_PRICE in page.get_data(as_text=True)
    assert client.get_cookie("currency").value == "USD" and client.get_cookie("country").value == "US"
    assert _saved_market(session) == ("ID", "IDR")


def test_the_chooser_posts_with_csrf_and_saves_the_account(app, client, session, rates, product, buyer):
    _log_in(client)
    form = _chooser(client.get("/search?q=kopi&page=1").get_data(as_text=True))
    assert form["method"] == "post" and form["action"] == "/market"
    assert form["hidden"]["next"] == "/search?q=kopi&page=1"
    assert form["hidden"]["csrf_token"] and form["selects"] == ["country", "currency"]

    # Without its CSRF token the POST is refused and nothing is saved.
    forged = client.post("/market", data={"country": "GB", "currency": "GBP", "next": "/"})
    assert forged.status_code == 400
    assert _saved_market(session) == ("ID", "IDR")

    # As a browser without JavaScript sends it: the hidden fields plus the two choices.
    response = client.post(form["action"], data={**form["hidden"], "country": "GB", "currency": "GBP"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/search?q=kopi&page=1"
    assert _saved_market(session) == ("GB", "GBP")
    assert GBP_PRICE in client.get(product_path(product)).get_data(as_text=True)

    # Another device, no cookies: the account's saved choice.
    other = app.test_client()
    _log_in(other)
    assert GBP_PRICE in other.get(product_path(product)).get_data(as_text=True)


def test_a_visitor_choice_is_kept_in_cookies_only(client, session, rates, product):
    form = _chooser(client.get(product_path(product)).get_data(as_text=True))
    users_before = session.scalar(sa.select(sa.func.count(User.id)))
    response = client.post("/market", data={**form["hidden"], "country": "US", "currency": "USD"})
    assert response.status_code == 303 and response.headers["Location"] == product_path(product)
    assert client.get_cookie("currency").value == "USD" and client.get_cookie("country").value == "US"
    assert USD_PRICE in client.get(product_path(product)).get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count(User.id))) == users_before


def test_a_refused_choice_is_explained_and_not_saved(client, session, product, buyer):
    # No exchange rates at all: a currency other than rupiah cannot be granted.
    _log_in(client)
    form = _chooser(client.get("/").get_data(as_text=True))
    response = client.post(
        "/market", data={**form["hidden"], "country": "NL", "currency": "EUR"}, follow_redirects=True
    )
    assert "Prices in EUR are not available right now" in response.get_data(as_text=True)
    assert _saved_market(session) == ("NL", "IDR")
    assert client.get_cookie("currency") is None
    bad = client.post(
        "/market", data={**form["hidden"], "country": "ZZ", "currency": "<b>"}, follow_redirects=True
    )
    html = bad.get_data(as_text=True)
    assert bad.status_code == 200 and "We do not ship to" in html and "<b>" not in html
    assert _saved_market(session) == ("NL", "IDR")
