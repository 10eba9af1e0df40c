"""The page cache keeps one copy per negotiated language: a browser never gets another's language,
through Flask (`serve_cached_page`) or before it (`CookielessHits`), and every hit says
`Vary: Accept-Language`."""

from __future__ import annotations

import re

import pytest

from tests.factories import make_product

#: Both name no market but Indonesia's (plain "en" names none; id-ID names ID): the two copies
#: differ by language alone, which is what the key must tell apart.
ENGLISH = {"Accept-Language": "en"}
INDONESIAN = {"Accept-Language": "id-ID,id;q=0.9,en;q=0.8"}


@pytest.fixture
def app_overrides():
    # The production default language, so that English is what the header, not the default, chose.
    return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": None, "BABEL_DEFAULT_LOCALE": "id"}


@pytest.fixture
def path(session) -> str:
    product = make_product(session, title_id="Kopi Robusta Gayo", title_en="Gayo robusta coffee")
    session.commit()
    return f"/products/{product.id}-{product.slug}"


def _language(response) -> str:
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    lang = re.search(r'<html lang="([^"]+)"', html).group(1)
    # The whole page is in that language, not just the attribute.
    assert ("Gayo robusta coffee" if lang == "en" else "Kopi Robusta Gayo") in html
    return lang


def test_each_browser_gets_its_own_language_through_flask(app, path):
    # A neutral cookie (it changes nothing on the page) keeps these requests on Flask's path.
    english, indonesian = app.test_client(), app.test_client()
    for client in (english, indonesian):
        client.set_cookie("currency", "IDR")

    first = english.get(path, headers=ENGLISH)
    assert first.headers["X-Cache"] == "MISS" and _language(first) == "en"
    other = indonesian.get(path, headers=INDONESIAN)
    assert other.headers["X-Cache"] == "MISS" and _language(other) == "id"

    for client, headers, expected in ((english, ENGLISH, "en"), (indonesian, INDONESIAN, "id")):
        hit = client.get(path, headers=headers)
        assert hit.headers["X-Cache"] == "HIT" and _language(hit) == expected
        assert "Accept-Language" in hit.vary


def test_each_browser_gets_its_own_language_before_flask(app, path):
    stored = app.test_client().get(path, headers=ENGLISH)
    assert stored.headers["X-Cache"] == "MISS" and _language(stored) == "en"
    other = app.test_client().get(path, headers=INDONESIAN)
    assert other.headers["X-Cache"] == "MISS" and _language(other) == "id"

    # Without any cookie: answered by the WSGI middleware, each from its own copy.
    for headers, expected in ((ENGLISH, "en"), (INDONESIAN, "id"), ({"Accept-Language": "jv"}, "id")):
        hit = app.test_client().get(path, headers=headers)
        assert hit.headers["X-Cache"] == "HIT" and _language(hit) == expected, headers
        # Nothing remembered (only a session for the form's CSRF token): the browser decides again.
        assert not any(c.startswith("lang=") for c in hit.headers.getlist("Set-Cookie"))
        assert hit.headers["Vary"] == "Accept-Encoding, Accept-Language, Cookie"
    # No header at all: the default language's copy (the Indonesian one stored above).
    plain = app.test_client().get(path)
    assert plain.headers["X-Cache"] == "HIT" and _language(plain) == "id"


def test_a_cookieless_english_copy_is_not_served_to_an_indonesian_browser(app, path):
    # Stored through Flask for an English browser, then asked for without cookies by both.
    english = app.test_client()
    english.set_cookie("currency", "IDR")
    assert _language(english.get(path, headers=ENGLISH)) == "en"

    indonesian = app.test_client().get(path, headers=INDONESIAN)
    assert indonesian.headers["X-Cache"] == "MISS" and _language(indonesian) == "id"
    again = app.test_client().get(path, headers=ENGLISH)
    assert again.headers["X-Cache"] == "HIT" and _language(again) == "en"


def test_the_language_cookie_still_beats_the_browser_on_a_hit(app, path):
    app.test_client().get(path, headers=ENGLISH)  # the English copy is stored
    client = app.test_client()
    client.set_cookie("lang", "id")
    assert _language(client.get(path, headers=ENGLISH)) == "id"
    hit = client.get(path, headers=ENGLISH)
    assert hit.headers["X-Cache"] == "HIT" and _language(hit) == "id"
