"""Choosing the market: links, cookies, the account, Accept-Language, and bad values."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.money import Money
from tests.factories import make_user
from tests.markets.conftest import log_in, product_path

EUR_PRICE = Money(723, "EUR").format("en")  # Rp 125.000 at 17.300
IDR_PRICE = Money(125_000, "IDR").format("en")


def _cookies(response) -> dict[str, str]:
    found = {}
    for header in response.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        found[name] = header
    return found


def test_link_sets_currency_and_country_and_remembers_them(client, rates, product):
    response = client.get(f"{product_path(product)}?currency=eur&country=nl")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert EUR_PRICE in html and IDR_PRICE not in html
    cookies = _cookies(response)
    for name, value in (("currency", "EUR"), ("country", "NL")):
        assert cookies[name].startswith(f"{name}={value};")
        assert (
            "Max-Age=31536000" in cookies[name]
            and "HttpOnly" in cookies[name]
            and "SameSite=Lax" in cookies[name]
        )
    # Remembered: the next page, without the link's arguments, is still in euros, and the cart too.
    assert EUR_PRICE in client.get("/search").get_data(as_text=True)
    client.post("/cart/add", data={"product_id": product.id, "quantity": "2"})
    cart = client.get("/cart").get_data(as_text=True)
    assert Money(1_446, "EUR").format("en") in cart  # €7.23 × 2
    # The switcher shows the choice, comes back to this page, and offers only currencies with a rate.
    page = client.get("/search?q=kopi").get_data(as_text=True)
    assert 'name="next" value="/search?q=kopi"' in page
    assert '<option value="NL" selected>' in page and "<option selected>EUR</option>" in page
    assert "rate of" in page  # the note on converted prices, its date written as a day
    assert re.search(r"rate of \d{1,2} [A-Z][a-z]+ 20\d\d\)", page)


def test_only_currencies_with_a_rate_are_offered(client, session, product):
    from tests.markets.conftest import make_rate

    make_rate(session, "EUR", "17300")
    session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "<option>EUR</option>" in page and "<option>IDR</option>" not in page  # IDR is selected
    assert "JPY" not in page
    # Asking for a currency without a rate: rupiah, with a message, and no cookie for it.
    response = client.get(f"{product_path(product)}?currency=JPY")
    html = response.get_data(as_text=True)
    assert "Prices in JPY are not available right now" in html and IDR_PRICE in html
    assert "currency" not in _cookies(response)


def test_unknown_values_fall_back_with_a_message_never_a_500(client, rates, product):
    for query, fragment in (
        ("currency=XYZ", "not a currency we offer"),
        ("currency=%3Cscript%3E", "not a currency we offer"),
        ("country=ZZ", "We do not ship to"),
        ("currency=" + "E" * 500, "not a currency we offer"),
    ):
        response = client.get(f"{product_path(product)}?{query}")
        html = response.get_data(as_text=True)
        assert response.status_code == 200, query
        assert fragment in html and IDR_PRICE in html, query
        assert "<script>" not in html
        assert not {"currency", "country"} & set(_cookies(response)), query
    # A bad cookie is ignored quietly.
    client.set_cookie("currency", "XYZ")
    assert client.get(product_path(product)).status_code == 200


def test_accept_language_gives_the_default(app, rates, product):
    for header, expected, lang in (
        ("en-SG,en;q=0.9", Money(1_016, "SGD"), "en"),
        ("ja", Money(1_190, "JPY"), "en"),
        ("nl-NL,nl", Money(723, "EUR"), "en"),
        ("en", Money(125_000, "IDR"), "en"),  # English alone names no country: the home market
        ("id-ID", Money(125_000, "IDR"), "id"),  # the header picks the page's language too
    ):
        html = (
            app.test_client()
            .get(product_path(product), headers={"Accept-Language": header})
            .get_data(as_text=True)
        )
        assert expected.format(lang) in html, header
    # An explicit choice beats the browser.
    client = app.test_client()
    client.set_cookie("currency", "EUR")
    html = client.get(product_path(product), headers={"Accept-Language": "ja"}).get_data(as_text=True)
    assert EUR_PRICE in html


def test_choosing_indonesian_in_an_english_browser_shows_rupiah_and_keeps_them(app, rates, product):
    """Phones in Indonesia often run in en-US: choosing Indonesian outweighs the browser's "US"."""
    us_browser = {"Accept-Language": "en-US,en;q=0.9"}
    client = app.test_client()
    sgd = app.test_client().get(product_path(product), headers={"Accept-Language": "en-SG,en;q=0.9"})
    assert Money(1_016, "SGD").format("en") in sgd.get_data(as_text=True)  # a region still names a market
    chosen = client.get(f"{product_path(product)}?lang=id", headers={"Accept-Language": "en-SG,en;q=0.9"})
    assert Money(125_000, "IDR").format("id") in chosen.get_data(as_text=True)
    assert _cookies(chosen)["country"].startswith("country=ID;")
    # Remembered: switching to English later keeps rupiah, on this page and the next.
    english = client.get(f"{product_path(product)}?lang=en", headers=us_browser).get_data(as_text=True)
    assert IDR_PRICE in english
    assert IDR_PRICE in client.get(product_path(product), headers=us_browser).get_data(as_text=True)
    # A browser in another language still names its country: a Dutch browser reading Indonesian
    # (someone from Indonesia living in the Netherlands) ships to the Netherlands.
    dutch = app.test_client().get(f"{product_path(product)}?lang=id", headers={"Accept-Language": "nl-NL,en"})
    assert Money(723, "EUR").format("id") in dutch.get_data(as_text=True)
    # A country already chosen in this browser is not touched.
    chose_nl = app.test_client()
    chose_nl.set_cookie("country", "NL")
    response = chose_nl.get(f"{product_path(product)}?lang=id", headers=us_browser)
    assert Money(723, "EUR").format("id") in response.get_data(as_text=True)
    assert "country" not in _cookies(response)


def test_choosing_indonesian_in_singapore_offers_singapore_back_in_one_link(app, rates, product):
    """Someone from Indonesia living in Singapore (an en-SG phone) who picks Indonesian is told the
    prices are now rupiah for Indonesia, with a link back to Singapore in dollars; the link keeps
    the language and moves the market, and the offer is made once."""
    singapore = {"Accept-Language": "en-SG,en;q=0.9"}
    client = app.test_client()
    chosen = client.get(f"{product_path(product)}?lang=id", headers=singapore).get_data(as_text=True)
    assert Money(125_000, "IDR").format("id") in chosen
    assert "Harga dalam rupiah, untuk pengiriman di Indonesia." in chosen
    link = re.search(r'<a href="([^"]+)">Mengirim ke Singapura\? Tampilkan harga dalam SGD</a>', chosen)
    assert link, "no link back to Singapore"
    assert link.group(1) == f"{product_path(product)}?country=SG&amp;currency=SGD"
    back = client.get(link.group(1).replace("&amp;", "&"), headers=singapore).get_data(as_text=True)
    assert Money(1_016, "SGD").format("id") in back and 'lang="id"' in back
    assert "Tampilkan harga dalam SGD" not in back
    # Nothing to offer: a browser naming no country abroad, or one that already chose a country.
    plain = app.test_client().get(f"{product_path(product)}?lang=id", headers={"Accept-Language": "en"})
    assert "Harga dalam rupiah" not in plain.get_data(as_text=True)
    chose_id = app.test_client()
    chose_id.set_cookie("country", "ID")
    again = chose_id.get(f"{product_path(product)}?lang=id", headers=singapore).get_data(as_text=True)
    assert "Harga dalam rupiah" not in again


def test_an_account_reading_indonesian_in_an_english_browser_is_priced_in_rupiah(
    app, session, rates, product
):
    """The account's language is a choice, as `?lang=id` is: the page is in Indonesian, so an en-GB
    browser does not price it in pounds (a curator or buyer in Banyuwangi on an English phone)."""
    make_user(session, email="dewi@example.test", locale="id")
    make_user(session, email="sanne@example.test", locale="en")
    session.commit()
    british_browser = {"Accept-Language": "en-GB,en;q=0.9"}
    indonesian = app.test_client()
    log_in(indonesian, "dewi@example.test")
    assert Money(125_000, "IDR").format("id") in indonesian.get(
        product_path(product), headers=british_browser
    ).get_data(as_text=True)
    english = app.test_client()
    log_in(english, "sanne@example.test")
    assert Money(610, "GBP").format("en") in english.get(
        product_path(product), headers=british_browser
    ).get_data(as_text=True)


def test_the_account_remembers_the_market_chosen_in_the_header(app, session, rates, product):
    make_user(session, email="buyer@example.test", locale="en")
    session.commit()
    first = app.test_client()
    log_in(first, "buyer@example.test")
    first.get("/?currency=EUR&country=NL")  # a link: this browser only (test_market_chooser.py)
    first.post("/market", data={"country": "GB", "currency": "GBP", "next": "/"})
    user = session.scalars(sa.select(User).where(User.email == "buyer@example.test")).one()
    session.refresh(user)
    assert (user.country, user.currency) == ("GB", "GBP")
    # Another device, no cookies: the account's choice.
    second = app.test_client()
    log_in(second, "buyer@example.test")
    html = second.get(product_path(product)).get_data(as_text=True)
    assert Money(610, "GBP").format("en") in html


def test_prices_on_pages_use_one_rate_query(client, rates, product, count_queries):
    path = f"{product_path(product)}"
    client.set_cookie("currency", "EUR")
    client.get(path)
    with count_queries() as counter:
        assert EUR_PRICE in client.get(path).get_data(as_text=True)
    assert sum("exchange_rates" in statement for statement in counter.statements) == 1


def test_product_json_ld_uses_the_buyers_currency(client, rates, product):
    import json
    import re

    client.set_cookie("currency", "EUR")
    html = client.get(product_path(product)).get_data(as_text=True)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert (data["offers"]["price"], data["offers"]["priceCurrency"]) == ("7.23", "EUR")


def test_api_converts_only_when_asked(client, rates, product):
    plain = client.get(f"/api/v1/products/{product.id}").get_json()
    assert plain["price"] == 125_000 and plain["currency"] == "IDR" and "price_converted" not in plain
    euro = client.get(f"/api/v1/products/{product.id}?currency=EUR&lang=en").get_json()
    assert euro["price"] == 125_000  # the reference price is unchanged
    assert euro["price_converted"] == {
        "amount": 723, "currency": "EUR", "display": "€7.23", "rate_idr_per_unit": "17300",
        "rate_date": rates["EUR"].effective_date.isoformat(),
    }  # fmt: skip
    listing = client.get("/api/v1/products?currency=JPY").get_json()
    assert [item["price_converted"]["amount"] for item in listing["items"]] == [1_190]
    response = client.get(f"/api/v1/products/{product.id}?currency=XYZ")
    assert response.status_code == 400 and "currency" in response.get_json()["error"]["message"]
    assert not response.headers.getlist("Set-Cookie") or all(
        not h.startswith(("currency=", "country=")) for h in response.headers.getlist("Set-Cookie")
    )
