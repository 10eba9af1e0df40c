"""One checkout page, one currency: a market changed in another tab (or guessed from another
Accept-Language) never mixes two currencies on the page, and placing the order says what changed."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from marketplace.markets.services import set_rate
from marketplace.orders.models import Order
from marketplace.types import utcnow
from tests.checkout.conftest import ADDRESS_NL, review, summary
from tests.markets.conftest import make_rate
from tests.orders.helpers import fill_cart, hidden_field


def euro_guest_in_the_netherlands(client, session, shop):
    for code, rate in (("EUR", "17300"), ("USD", "16000"), ("GBP", "20500")):
        make_rate(session, code, rate)
    session.commit()
    client.get("/?currency=EUR&country=NL")
    fill_cart(client, shop[0])
    response, html, data = review(client, ADDRESS_NL)
    assert response.status_code == 200 and data["currency"] == "EUR" and data["quote"].startswith("EUR:")
    return html, data


def order_count(session) -> int:
    return session.scalar(sa.select(sa.func.count(Order.id)))


def test_the_quote_stays_in_the_pages_currency_after_another_tab_changes_the_market(client, session, shop):
    _html, data = euro_guest_in_the_netherlands(client, session, shop)
    client.get("/?currency=USD&country=US")  # the second tab: the market cookies now say USD

    # The page's background quote, as static/js/checkout.js asks it (the postal code edited).
    params = {"ship_country": "NL", "city": "Amsterdam", "postal_code": "1016 AB", "charge_currency": "EUR"}
    answer = client.get("/checkout/quote", query_string=params).get_json()
    assert answer["currency"] == "EUR" and answer["quote"].startswith("EUR:")
    for key in ("subtotal", "shipping", "total"):
        assert answer[key].startswith("€"), (key, answer[key])
    assert "$" not in answer["line"] and all("$" not in text for text in answer["parcels"].values())
    # …and it says plainly that the rest of the site moved on, offering to follow.
    assert "prices are now shown in USD" in answer["currency_notice"]
    assert "stays in EUR" in answer["currency_notice"]
    assert answer["currency_switch"] == "Show this checkout in USD"

    # In the page's own currency nothing is to be said.
    client.get("/?currency=EUR&country=NL")
    again = client.get("/checkout/quote", query_string=params).get_json()
    assert (again["currency_notice"], again["currency_switch"]) == ("", "")


def test_a_quote_without_the_pages_currency_follows_accept_language_but_with_it_does_not(
    client, session, shop
):
    """The logged-in buyer's case: the page in GBP, the background request with another language."""
    make_rate(session, "GBP", "20500")
    session.commit()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB"
    fill_cart(client, shop[0])
    page = client.get("/checkout").get_data(as_text=True)
    assert hidden_field(page, "currency") == "GBP" and "Charged by card in GBP" in page

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "id-ID"
    params = {"ship_country": "GB", "city": "London"}
    assert client.get("/checkout/quote", query_string=params).get_json()["currency"] == "IDR"
    answer = client.get("/checkout/quote", query_string={**params, "charge_currency": "GBP"}).get_json()
    assert answer["currency"] == "GBP" and answer["total"].startswith("£")


def test_the_order_is_placed_in_the_currency_the_page_showed(client, session, shop, stripe_server):  # noqa: F811
    html, data = euro_guest_in_the_netherlands(client, session, shop)
    client.get("/?currency=USD&country=US")

    placed = client.post("/checkout", data=data)
    assert placed.status_code == 303, placed.get_data(as_text=True)[:500]
    order = session.scalars(sa.select(Order)).one()
    assert order.currency == "EUR"
    assert data["quote"] == f"EUR:{order.shipping_minor}:{order.total_minor}"


def test_switching_the_checkout_to_the_new_currency_keeps_everything_typed(client, session, shop):
    _html, data = euro_guest_in_the_netherlands(client, session, shop)
    client.get("/?currency=USD&country=US")
    page = client.post("/checkout", data={**data, "note": "Gift wrap, please", "action": "quote"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "prices are now shown in USD" in html
    assert 'value="currency"' in html and "Show this checkout in USD" in html

    response = client.post("/checkout", data={**data, "note": "Gift wrap, please", "action": "currency"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "This checkout now shows everything in USD. Check the total, then place your order." in html
    assert hidden_field(html, "currency") == "USD" and hidden_field(html, "quote").startswith("USD:")
    money = summary(html)
    assert "€" not in money and "Total: <strong>$" in money and "Charged by card in USD" in money
    assert "Show this checkout in" not in money.split("data-currency-notice-text>")[1].split("</p>")[0]
    for value in ("Anna de Vries", "Keizersgracht 12", "1015 CX", "buyer@example.test"):
        assert f'value="{value}"' in html
    assert "Gift wrap, please</textarea>" in html


def test_a_page_from_before_the_switch_is_refused_naming_the_currency_not_the_rate(client, session, shop):
    """A form that does not carry its currency (an older page) is placed in the market's: the
    buyer is told the currency changed, and shown everything again in it, nothing lost."""
    _html, data = euro_guest_in_the_netherlands(client, session, shop)
    client.get("/?currency=USD&country=US")
    del data["currency"]

    response = client.post("/checkout", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Your currency is now USD instead of EUR" in html
    assert "exchange rate changed" not in html
    money = summary(html)
    assert "€" not in money and "Total: <strong>$" in money and "Charged by card in USD" in money
    assert 'value="Keizersgracht 12"' in html and order_count(session) == 0

    # Placed again from that page: in USD, at the total it showed.
    shown = ("rate_version", "currency", "quote", "quoted_for")
    again = {**data, **{n: hidden_field(html, n) for n in shown}}
    assert client.post("/checkout", data=again).status_code == 303
    assert session.scalars(sa.select(Order)).one().currency == "USD"


def test_a_real_rate_change_is_still_called_one(client, session, shop):
    _html, data = euro_guest_in_the_netherlands(client, session, shop)
    set_rate(session, currency="EUR", rate=Decimal("16000"), effective_date=utcnow().date(), source="test")
    session.commit()

    response = client.post("/checkout", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "The exchange rate changed since you reviewed your order" in html
    assert "Your currency is now" not in html
    assert hidden_field(html, "currency") == "EUR" and "$" not in summary(html)
    assert hidden_field(html, "rate_version") != data["rate_version"] and order_count(session) == 0


def test_the_quote_refuses_a_currency_it_cannot_charge_rather_than_mixing_in_rupiah(client, session, shop):
    fill_cart(client, shop[0])
    params = {"ship_country": "NL", "charge_currency": "JPY"}  # JPY: no rate in this test
    response = client.get("/checkout/quote", query_string=params)
    assert response.status_code == 409 and response.get_json()["error"]["field"] == "charge_currency"
    bad = client.get("/checkout/quote", query_string={**params, "charge_currency": "XXX"})
    assert bad.status_code == 400 and bad.get_json()["error"]["field"] == "charge_currency"
