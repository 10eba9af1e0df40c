"""Every redirect to a target taken from the request stays on the site (one check:
marketplace.accounts.redirects.safe_next_url), whatever the target hides."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import pytest

from marketplace.accounts.redirects import safe_next_url
from tests.accounts.conftest import log_in
from tests.accounts.test_addresses import HOME
from tests.factories import make_product

#: Targets a browser would follow off the site (or that break the response), in every disguise
#: found so far. Browsers drop tabs and newlines, read "\" as "/", and accept "https:evil".
NASTY_TARGETS = [
    "/\t/evil.test/phish",
    "/\n/evil.test/phish",
    "/\r\n/evil.test",
    "/\r\nSet-Cookie: session=x",
    "\t//evil.test",
    " //evil.test",
    "/ /evil.test",
    "/\u3000/evil.test",
    "/\u00a0/evil.test",
    "/\u200b/evil.test",
    "/\u2028/evil.test",
    "/\x00/evil.test",
    "/\x85/evil.test",
    "\\evil.test",
    "\\\\evil.test",
    "/\\evil.test",
    "\\/evil.test",
    "/\\/evil.test",
    "https:evil.test",
    "https:/evil.test",
    "https://evil.test",
    "HTTPS://evil.test",
    "//evil.test",
    "///evil.test",
    "/%2F%2Fevil.test",
    "/%2F/evil.test",
    "%2F%2Fevil.test",
    "/%5Cevil.test",
    "/%09/evil.test",
    "/%0A/evil.test",
    "/%0d%0aSet-Cookie:%20x=1",
    "/%252F%252Fevil.test",
    "javascript:alert(1)",
    " javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "java\tscript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "evil.test",
    "/" + "a" * 3000,
]
#: A real page of the site, with a query: kept as it is.
GOOD_TARGET = "/search?q=batik%20tulis&page=2"


def _stays_on_site(location: str) -> bool:
    """What a browser makes of the Location header: it drops tabs/newlines and reads "\\" as "/"."""
    as_browser = location.replace("\t", "").replace("\n", "").replace("\r", "").replace("\\", "/")
    resolved = urlsplit(urljoin("http://localhost/account/", as_browser))
    return resolved.scheme == "http" and resolved.netloc == "localhost"


@pytest.mark.parametrize("target", NASTY_TARGETS)
def test_safe_next_url_refuses_every_disguise(target):
    assert safe_next_url(target) is None


def test_safe_next_url_keeps_site_pages():
    assert safe_next_url(GOOD_TARGET) == GOOD_TARGET
    assert safe_next_url("/produk/kopi-ñ?q=a+b") == "/produk/kopi-ñ?q=a+b"


def _expect(response, fallback: str, target: str) -> None:
    if "\x00" in target and response.status_code == 400:
        # The app refuses a NUL in any parameter before the view (marketplace.params.refuse_nul).
        assert "Location" not in response.headers
        return
    assert response.status_code in (302, 303), (target, response.status_code)
    location = response.headers["Location"]
    assert _stays_on_site(location), (target, location)
    assert location == (GOOD_TARGET if target == GOOD_TARGET else fallback), (target, location)


def test_login_register_and_addresses_stay_on_the_site(client, session, user):
    for target in [*NASTY_TARGETS, GOOD_TARGET]:
        _expect(log_in(client, user.email, next=target), "/account/", target)
        # Already logged in: the login page bounces at once, to the same checked target.
        _expect(client.get("/account/login", query_string={"next": target}), "/account/", target)
        _expect(
            client.post("/account/addresses/new", query_string={"next": target}, data=HOME),
            "/account/addresses",
            target,
        )
        client.post("/account/logout")
    for number, target in enumerate([*NASTY_TARGETS, GOOD_TARGET]):
        response = client.post(
            "/account/register",
            data={
                "name": "Budi",
                "email": f"budi{number}@example.test",
                "password": "gajah oling 2026",
                "confirm": "gajah oling 2026",
                "locale": "en",
                "next": target,
            },
        )
        _expect(response, "/account/", target)
        client.post("/account/logout")


def test_cart_forms_stay_on_the_site(client, session):
    product = make_product(session, stock=50)
    session.commit()
    for target in [*NASTY_TARGETS, GOOD_TARGET]:
        for path in ("/cart/add", "/cart/update", "/cart/remove"):
            response = client.post(path, data={"product_id": product.id, "quantity": "1", "next": target})
            _expect(response, "/cart", target)
        # A refused add (an unknown product) goes back the same way.
        response = client.post("/cart/add", data={"product_id": "0", "quantity": "1", "next": target})
        _expect(response, "/cart", target)


def test_market_chooser_stays_on_the_site(client, session):
    for target in [*NASTY_TARGETS, GOOD_TARGET]:
        response = client.post("/market", data={"country": "ID", "currency": "IDR", "next": target})
        _expect(response, "/", target)
