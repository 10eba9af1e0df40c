"""The browser's Accept-Language picks the language of a first visit; ?lang=, the cookie and the
account's choice beat it, and responses that depend on it say so in `Vary`."""

from __future__ import annotations

import re

import pytest

from marketplace.i18n import negotiate_language
from tests.factories import TEST_PASSWORD, make_product, make_user

LANGUAGES = ("id", "en")


@pytest.fixture
def app_overrides():
    return {"BABEL_DEFAULT_LOCALE": "id"}  # the production default, which a first visit falls back to


def _page_language(response) -> str:
    assert response.status_code == 200, response.status_code
    return re.search(r'<html lang="([^"]+)"', response.get_data(as_text=True)).group(1)


def _product_path(product) -> str:
    return f"/products/{product.id}-{product.slug}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("en", "en"),
        ("nl-NL,nl;q=0.9", "en"),  # a language we do not speak: English, not the local default
        ("de-DE,de;q=0.9", "en"),
        ("ja", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("id", "id"),
        ("in-ID", "id"),  # Indonesian's old ISO code (older Android)
        ("ms", "id"),
        ("ms-MY,ms;q=0.9,en;q=0.8", "id"),
        ("jv-ID", "id"),
        ("su", "id"),
        ("*", "id"),
        ("", "id"),
        (None, "id"),
        # q-values decide, not the order of entries
        ("en;q=0.3, id;q=0.9", "id"),
        ("id;q=0.2, en-GB", "en"),
        ("nl, en;q=0.5, id;q=0.3", "en"),
        ("fr, id;q=0.5", "id"),  # the one language we speak that the browser names
        ("en;q=0, id;q=0.1", "id"),
        ("en;q=0, nl", "id"),  # English refused: the default rather than a refused language
        ("nl, *;q=0.5", "en"),
        ("*, en;q=0.5", "id"),
        ("en_US", "en"),
        ("EN-us", "en"),
        ("en;q=abc, ms", "id"),  # a malformed weight drops that entry only
        ("x" * 300 + ", en", "en"),  # longer than the memo takes: parsed all the same
    ],
)
def test_negotiation(header, expected):
    assert negotiate_language(header, languages=LANGUAGES, default="id") == expected


def test_negotiation_falls_back_to_the_configured_default():
    assert negotiate_language(None, languages=LANGUAGES, default="en") == "en"
    assert negotiate_language("*", languages=LANGUAGES, default="en") == "en"
    assert negotiate_language("ms", languages=LANGUAGES, default="en") == "id"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9", "en"),
        ("nl-NL,nl;q=0.9", "en"),
        ("id-ID,id;q=0.9,en;q=0.8", "id"),
        ("ms", "id"),
        ("*", "id"),
        (None, "id"),
    ],
)
def test_first_visit_follows_the_browser(app, session, header, expected):
    product = make_product(session, title_id="Kopi Robusta Gayo", title_en="Gayo robusta coffee")
    session.commit()
    headers = {"Accept-Language": header} if header is not None else {}
    response = app.test_client().get(_product_path(product), headers=headers)
    assert _page_language(response) == expected
    html = response.get_data(as_text=True)
    title = "Gayo robusta coffee" if expected == "en" else "Kopi Robusta Gayo"
    assert title in html
    # Negotiating remembers nothing: the next visit asks the browser again.
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_the_language_cookie_beats_the_browser(app, session):
    client = app.test_client()
    client.set_cookie("lang", "id")
    assert _page_language(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "id"
    client.set_cookie("lang", "en")
    assert _page_language(client.get("/", headers={"Accept-Language": "id-ID,id"})) == "en"


def test_the_switch_beats_the_browser_and_is_remembered(app, session):
    client = app.test_client()
    switched = client.get("/?lang=id", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert _page_language(switched) == "id"
    assert any(c.startswith("lang=id;") for c in switched.headers.getlist("Set-Cookie"))
    assert _page_language(client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})) == "id"


def test_the_account_beats_the_browser(app, session):
    make_user(session, email="reader@example.test", locale="en")
    session.commit()
    client = app.test_client()
    logged_in = client.post(
        "/account/login",
        data={"email": "reader@example.test", "password": TEST_PASSWORD},
        headers={"Accept-Language": "id-ID,id;q=0.9"},
    )
    assert logged_in.status_code == 302
    assert _page_language(client.get("/", headers={"Accept-Language": "id-ID,id;q=0.9"})) == "en"


def test_html_pages_vary_by_accept_language(app, session):
    product = make_product(session)
    session.commit()
    client = app.test_client()
    for path in ("/", _product_path(product), "/search?q=kopi", "/no-such-page"):
        response = client.get(path, headers={"Accept-Language": "en"})
        assert "Accept-Language" in response.vary, path
    # A ?lang= choice is remembered in a cookie: that response varies by both.
    switched = client.get("/?lang=en")
    assert {"Accept-Language", "Cookie"} <= set(switched.vary)


def test_the_json_api_ignores_the_browser(app, session):
    product = make_product(session, title_id="Kopi Robusta Gayo", title_en="Gayo robusta coffee")
    session.commit()
    client = app.test_client()
    response = client.get(f"/api/v1/products/{product.id}", headers={"Accept-Language": "en-US,en"})
    assert response.status_code == 200
    assert response.get_json()["title"] == "Kopi Robusta Gayo"
    assert "Accept-Language" not in response.vary
    missing = client.get("/api/v1/products/999999", headers={"Accept-Language": "en-US,en"})
    assert missing.status_code == 404 and "Accept-Language" not in missing.vary
