"""Cache hits for visitors without cookies, answered before Flask (marketplace.cache.CookielessHits)."""

from __future__ import annotations

import re

import pytest

from marketplace.catalogue.models import Product
from marketplace.extensions import db
from tests.factories import make_product


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": None, "WTF_CSRF_ENABLED": True}


def _product_path(product: Product) -> str:
    return f"/products/{product.id}-{product.slug}"


def _token(response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True)).group(1)


def test_cookieless_hit_matches_the_hit_flask_serves(app, session):
    product = make_product(session, price_minor=25_000, stock=4)
    session.commit()
    path = _product_path(product)
    assert app.test_client().get(path).headers["X-Cache"] == "MISS"

    fast = app.test_client().get(path)  # no cookie: answered by the middleware
    with_cookie = app.test_client()
    with_cookie.set_cookie("lang", app.config["BABEL_DEFAULT_LOCALE"])  # same page, through Flask
    slow = with_cookie.get(path)

    assert fast.status_code == slow.status_code == 200
    assert fast.headers["X-Cache"] == slow.headers["X-Cache"] == "HIT"
    ignore = {"Set-Cookie"}
    assert {k: v for k, v in fast.headers.items() if k not in ignore} == {
        k: v for k, v in slow.headers.items() if k not in ignore
    }
    assert "pd-csrf" not in fast.get_data(as_text=True)
    assert fast.headers["Content-Security-Policy"]
    assert fast.headers["Vary"] == "Accept-Encoding, Accept-Language, Cookie"


def test_change_is_visible_on_the_next_cookieless_request(app, session):
    product = make_product(session, price_minor=25_000, stock=4)
    session.commit()
    path = _product_path(product)
    client = app.test_client()
    client.get(path)
    before = app.test_client().get(path)
    assert before.headers["X-Cache"] == "HIT"
    assert "25.000" in before.get_data(as_text=True) or "25,000" in before.get_data(as_text=True)

    db.session.get(Product, product.id).price_minor = 31_000
    session.commit()

    after = app.test_client().get(path)
    assert after.headers["X-Cache"] == "MISS"
    html = after.get_data(as_text=True)
    assert ("31.000" in html or "31,000" in html) and "25.000" not in html and "25,000" not in html


def test_fresh_visitor_token_from_a_cookieless_hit_adds_to_cart(app, session):
    product = make_product(session, stock=5)
    session.commit()
    path = _product_path(product)
    app.test_client().get(path)  # stored

    visitor = app.test_client()
    page = visitor.get(path)
    assert page.headers["X-Cache"] == "HIT"
    assert page.headers["Set-Cookie"].startswith(app.config.get("SESSION_COOKIE_NAME", "session") + "=")
    token = _token(page)
    added = visitor.post(
        "/cart/add", data={"csrf_token": token, "product_id": product.id, "quantity": "1", "next": path}
    )
    assert added.status_code in (302, 303)

    stranger = app.test_client()
    stranger.get("/")  # a session of their own, without this token
    refused = stranger.post(
        "/cart/add", data={"csrf_token": token, "product_id": product.id, "quantity": "1"}
    )
    assert refused.status_code == 400


def test_lang_in_the_query_goes_through_flask_and_is_remembered(app, session):
    product = make_product(session)
    session.commit()
    path = _product_path(product)
    other = "id" if app.config["BABEL_DEFAULT_LOCALE"] == "en" else "en"
    app.test_client().get(f"{path}?lang={other}")
    response = app.test_client().get(f"{path}?lang={other}")
    assert response.headers["X-Cache"] == "HIT"
    assert f"lang={other}" in " ".join(response.headers.getlist("Set-Cookie"))
    assert f'<html lang="{other}">' in response.get_data(as_text=True)
