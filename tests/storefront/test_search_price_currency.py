"""The search's price range in the currency the visitor sees (storefront.price_filter).

A product is in the range when the price a buyer of the range's currency sees on its card is: the
bounds become whole-rupiah bounds in Python, exact at the cent, on both databases. The address
states the range's currency; a link means the same products for whoever opens it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marketplace.markets.price_bounds import cheapest_idr_price_shown_from, dearest_idr_price_shown_up_to
from marketplace.markets.services import convert_from_idr, load_rate_table
from marketplace.money import Money, amount_arg, amount_field_text, parse_typed_amount
from marketplace.storefront import search
from marketplace.storefront.price_filter import price_search
from marketplace.storefront.search_params import SearchParams, parse_search_params
from marketplace.types import utcnow
from tests.factories import make_product
from tests.markets.conftest import make_rate

#: Rupiah per dollar: a cent is Rp 163.
USD_RATE = "16300"
#: The rupiah prices around $12.34: the dearest shown as $12.33, the cheapest and the dearest shown
#: as $12.34 (12.335 × 16300 = 201060.5; 12.345 × 16300 = 201223.5), the cheapest shown as $12.35.
SHOWN_1233, FIRST_1234, LAST_1234, SHOWN_1235 = 201_060, 201_061, 201_223, 201_224

_FORM = re.compile(r'<details class="filters".*?</details>', re.S)
_CARD_LINK = re.compile(r'href="/products/(\d+)-')


@pytest.fixture
def usd(session):
    make_rate(session, "USD", USD_RATE)
    make_rate(session, "EUR", "17300")
    make_rate(session, "JPY", "105")
    session.commit()


@pytest.fixture
def around_1234(session, world, usd) -> dict[int, int]:
    """{rupiah price: product id} of the four products around $12.34."""
    products = {}
    for price in (SHOWN_1233, FIRST_1234, LAST_1234, SHOWN_1235):
        product = make_product(session, seller=world.seller, cluster=world.cluster, price_minor=price)
        products[price] = product.id
    session.commit()
    return products


def _listed(response) -> set[int]:
    assert response.status_code == 200
    return {int(found) for found in _CARD_LINK.findall(response.get_data(as_text=True))}


def _form(response) -> str:
    found = _FORM.search(response.get_data(as_text=True))
    assert found
    return found.group(0)


def _visitor(app, currency: str | None = None):
    client = app.test_client()
    if currency:
        client.set_cookie("currency", currency)
    return client


# ---- the arithmetic -------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(
    shown=st.integers(min_value=0, max_value=10**9),
    rate=st.decimals(min_value=Decimal("0.0001"), max_value=Decimal("999999"), places=8, allow_nan=False),
    currency=st.sampled_from(["USD", "EUR", "JPY", "GBP"]),
)
def test_rupiah_bounds_hold_exactly_the_prices_shown_within(shown, rate, currency):
    def shown_as(idr: int) -> int:
        return convert_from_idr(idr, rate, currency).minor

    bound = Money(shown, currency)
    highest = dearest_idr_price_shown_up_to(bound, rate)
    assert shown_as(highest) <= shown < shown_as(highest + 1)
    lowest = cheapest_idr_price_shown_from(bound, rate)
    assert shown_as(lowest) >= shown
    assert lowest == 0 or shown_as(lowest - 1) < shown


def test_the_bounds_around_a_cent():
    rate = Decimal(USD_RATE)
    assert dearest_idr_price_shown_up_to(Money(1234, "USD"), rate) == LAST_1234
    assert dearest_idr_price_shown_up_to(Money(1233, "USD"), rate) == SHOWN_1233
    assert cheapest_idr_price_shown_from(Money(1234, "USD"), rate) == FIRST_1234
    assert cheapest_idr_price_shown_from(Money(1235, "USD"), rate) == SHOWN_1235
    assert cheapest_idr_price_shown_from(Money(0, "USD"), rate) == 0
    assert dearest_idr_price_shown_up_to(Money(50_000, "IDR"), rate) == 50_000  # rupiah: as typed


# ---- reading what people type ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "currency", "minor"),
    [
        ("20", "USD", 2000),
        ("20.50", "USD", 2050),
        ("20,50", "USD", 2050),  # Indonesian
        ("20.5", "EUR", 2050),
        ("1,234.50", "USD", 123_450),  # English
        ("1.234,50", "USD", 123_450),  # Indonesian
        ("1.234", "USD", 123_400),  # no currency offered has three decimals: thousands
        ("1,234", "USD", 123_400),
        ("1 234,50", "EUR", 123_450),
        ("$20", "USD", 2000),
        ("US$ 12,34", "USD", 1234),
        ("20 €", "EUR", 2000),
        ("usd 20", "USD", 2000),
        ("0,99", "USD", 99),
        ("1,200", "JPY", 1200),
        ("¥1.200", "JPY", 1200),
    ],
)
def test_amounts_typed_in_major_units(typed, currency, minor):
    assert parse_typed_amount(typed, currency) == minor


@pytest.mark.parametrize(
    ("typed", "currency"),
    [
        ("12.5", "JPY"),  # yen have no cents
        ("12.3456", "USD"),
        ("1,234,56", "USD"),
        ("1.2.3", "USD"),
        ("20.", "USD"),
        ("-5", "USD"),
        ("1e5", "USD"),
        ("NaN", "USD"),
        ("٣", "USD"),
        ("€20", "USD"),  # another currency's symbol
        ("9" * 16, "USD"),
        ("", "USD"),
    ],
)
def test_amounts_that_cannot_be_read_without_guessing(typed, currency):
    assert parse_typed_amount(typed, currency) is None


def test_amounts_as_an_address_and_a_field_state_them():
    assert [amount_arg(minor, "USD") for minor in (2000, 2050, 5, 123_450)] == [
        "20",
        "20.50",
        "0.05",
        "1234.50",
    ]
    assert amount_arg(1200, "JPY") == "1200" and amount_arg(50_000, "IDR") == "50000"
    assert amount_field_text(2050, "USD", "id") == "20,50" and amount_field_text(2050, "USD", "en") == "20.50"
    assert amount_field_text(2000, "EUR", "id") == "20"
    for minor in (0, 5, 99, 2050, 123_450):
        assert parse_typed_amount(amount_arg(minor, "USD"), "USD") == minor
        assert parse_typed_amount(amount_field_text(minor, "USD", "id"), "USD") == minor


def test_the_address_states_the_range_currency():
    params = parse_search_params({"price_currency": "usd", "min_price": "20,50", "max_price": "1,234.50"})
    assert (params.price_currency, params.min_price, params.max_price, params.ignored) == (
        "USD",
        2050,
        123_450,
        (),
    )
    assert params.to_args() == {"price_currency": "USD", "min_price": "20.50", "max_price": "1234.50"}
    assert parse_search_params(params.to_args()) == params
    # Without a range the currency says nothing: addresses stay as they were.
    assert parse_search_params({"q": "kopi", "price_currency": "USD"}).to_args() == {"q": "kopi"}
    # Without a currency, rupiah exactly as before.
    rupiah = parse_search_params({"min_price": "Rp 50.000", "max_price": "1,5"})
    assert (rupiah.price_currency, rupiah.min_price, rupiah.max_price) == (None, 15, 50_000)
    assert rupiah.to_args() == {"min_price": "15", "max_price": "50000"}


def test_an_unknown_currency_is_ignored_with_its_range():
    params = parse_search_params({"price_currency": "XYZ", "min_price": "20", "max_price": "30", "q": "kopi"})
    assert (params.price_currency, params.min_price, params.max_price) == (None, None, None)
    assert params.ignored == ("price_currency", "min_price", "max_price")
    assert params.to_args() == {"q": "kopi"}
    assert parse_search_params({"price_currency": "<script>"}).ignored == ("price_currency",)


def test_the_query_refuses_a_range_left_in_another_currency(session, world):
    with pytest.raises(ValueError, match="converted to rupiah"):
        search.search_products(session, SearchParams(price_currency="USD", max_price=1234))


# ---- the boundary, on both databases ----------------------------------------------------------


def _found(session, shown_currency: str = "USD", **args) -> set[int]:
    rates = load_rate_table(session, today=utcnow().date())
    priced = price_search(parse_search_params(args), shown_currency=shown_currency, rates=rates)
    return {p.id for p in search.search_products(session, priced.in_rupiah).items}


def test_a_product_is_in_the_range_when_its_shown_price_is(session, around_1234):
    ids = around_1234
    assert _found(session, price_currency="USD", max_price="12.34") == {
        ids[SHOWN_1233],
        ids[FIRST_1234],
        ids[LAST_1234],
    }
    assert _found(session, price_currency="USD", max_price="12.33") == {ids[SHOWN_1233]}
    assert _found(session, price_currency="USD", min_price="12.34") == {
        ids[FIRST_1234],
        ids[LAST_1234],
        ids[SHOWN_1235],
    }
    assert _found(session, price_currency="USD", min_price="12.35") == {ids[SHOWN_1235]}
    assert _found(session, price_currency="USD", min_price="12,34", max_price="12,34") == {
        ids[FIRST_1234],
        ids[LAST_1234],
    }
    # Rupiah bounds compare rupiah, as they always did.
    assert _found(session, max_price=str(FIRST_1234)) == {ids[SHOWN_1233], ids[FIRST_1234]}
    # The largest amounts the filter reads fit both databases' comparisons.
    assert _found(session, price_currency="JPY", max_price="1" + "0" * 12) == set(ids.values())
    assert _found(session, price_currency="JPY", min_price="1" + "0" * 12) == set()


def test_the_page_lists_what_its_cards_show_within_the_range(app, around_1234):
    ids = around_1234
    dollars = _visitor(app, "USD")
    response = dollars.get("/search?price_currency=USD&min_price=12.34&max_price=12.34")
    assert _listed(response) == {ids[FIRST_1234], ids[LAST_1234]}
    html = response.get_data(as_text=True)
    cards = html[html.index('<ul class="grid"') :]  # past the filter's chip, which shows it too
    assert cards.count(Money(1234, "USD").format("en")) == 2  # each card shows $12.34
    assert _listed(dollars.get("/search?price_currency=USD&max_price=12.33")) == {ids[SHOWN_1233]}
    assert _listed(dollars.get("/search?price_currency=USD&min_price=12.35")) == {ids[SHOWN_1235]}


# ---- the form, the links and a shared address ---------------------------------------------------


def test_the_form_is_in_the_visitors_currency(app, around_1234):
    form = _form(_visitor(app, "USD").get("/search?price_currency=USD&max_price=12.34&lang=id"))
    assert "<legend>Harga (USD)</legend>" in form
    assert '<input type="hidden" name="price_currency" value="USD">' in form
    assert form.count('inputmode="decimal"') == 2
    assert 'name="max_price" inputmode="decimal" value="12,34"' in form  # as Indonesians write it
    english = _form(_visitor(app, "USD").get("/search?price_currency=USD&max_price=12.34&lang=en"))
    assert "<legend>Price (USD)</legend>" in english and 'value="12.34"' in english
    yen = _form(_visitor(app, "JPY").get("/search?lang=en"))
    assert "<legend>Price (JPY)</legend>" in yen and 'inputmode="numeric"' in yen
    # Rupiah as before: "Rp", whole numbers, no currency in the address.
    rupiah = _form(_visitor(app).get("/search?max_price=50.000&lang=id"))
    assert "<legend>Harga (Rp)</legend>" in rupiah and 'name="price_currency"' not in rupiah
    assert 'name="max_price" inputmode="numeric" value="50000"' in rupiah


def test_a_dollar_link_opened_in_rupiah_filters_the_same_products(app, around_1234):
    ids = around_1234
    link = "/search?price_currency=USD&min_price=12.34&lang=en"
    in_dollars = _listed(_visitor(app, "USD").get(link))
    response = _visitor(app).get(link)
    assert _listed(response) == in_dollars == {ids[FIRST_1234], ids[LAST_1234], ids[SHOWN_1235]}
    html = response.get_data(as_text=True)
    # The visitor keeps seeing rupiah and keeps their currency: `price_currency` is only the range's.
    results = html[_FORM.search(html).end() :]
    assert Money(FIRST_1234, "IDR").format("en") in results and "$" not in results
    assert not any(h.startswith("currency=") for h in response.headers.getlist("Set-Cookie"))
    # Searches are not indexed: no canonical address could drop the range's currency.
    assert '<meta name="robots" content="noindex, follow">' in html and 'rel="canonical"' not in html
    # The form shows the range in rupiah, as that price would be shown, and says what the link asked;
    # the next search from it is in rupiah (no currency field).
    form = unescape(_form(response))
    assert "<legend>Price (Rp)</legend>" in form and 'name="price_currency"' not in form
    assert f'name="min_price" inputmode="numeric" value="{FIRST_1234}"' in form
    assert "price range was set in USD (from $12.34)" in form
    again = _visitor(app).get(f"/search?min_price={FIRST_1234}&lang=en")
    assert _listed(again) == in_dollars


def test_a_rupiah_link_opened_abroad_filters_in_rupiah(app, around_1234):
    ids = around_1234
    response = _visitor(app, "EUR").get(f"/search?max_price={FIRST_1234}&lang=en")
    assert _listed(response) == {ids[SHOWN_1233], ids[FIRST_1234]}
    form = unescape(_form(response))
    euros = convert_from_idr(FIRST_1234, Decimal("17300"), "EUR")
    assert "<legend>Price (EUR)</legend>" in form and 'name="price_currency" value="EUR"' in form
    assert f'name="max_price" inputmode="decimal" value="{amount_arg(euros.minor, "EUR")}"' in form
    assert f"set in IDR (up to {Money(FIRST_1234, 'IDR').format('en')})" in form


def test_links_from_the_page_keep_the_range_and_its_currency(app, session, world, usd):
    for _ in range(3):
        make_product(session, seller=world.seller, cluster=world.cluster, price_minor=100_000)
    session.commit()
    # A visitor without cookies whose link also chooses dollars for them (`currency`, as anywhere).
    response = _visitor(app).get("/search?max_price=20&price_currency=USD&currency=USD&per_page=2&lang=en")
    html = response.get_data(as_text=True)
    assert "<legend>Price (USD)</legend>" in html and "price range was set in" not in html
    assert "/search?max_price=20&amp;price_currency=USD&amp;page=2&amp;per_page=2" in html  # the next page
    assert "· 1 filter on</summary>" in html
    # Clearing the filters drops the range, and with it its currency.
    assert '<a href="/search">Clear filters</a>' in html
    # The market chooser comes back to the same search: the range and its currency, not the choice.
    assert (
        'name="next" value="/search?max_price=20&amp;price_currency=USD&amp;per_page=2&amp;lang=en"' in html
    )


def test_a_currency_without_a_rate_or_unknown_is_said_and_dropped_never_a_500(app, around_1234):
    for link in (
        "/search?price_currency=GBP&max_price=20&lang=en",
        "/search?price_currency=XYZ&max_price=20&lang=en",
    ):
        response = _visitor(app).get(link)
        assert _listed(response) == set(around_1234.values()), link  # no price filter
        html = unescape(response.get_data(as_text=True))
        assert (
            "were not valid and were ignored or shortened: Currency of the price range, Highest price."
            in html
        ), link
        assert "not a currency we offer" not in html and "not available right now" not in html, link
        assert 'name="max_price" inputmode="numeric" value=""' in html, link


@pytest.mark.parametrize(
    "value", ["9223372036854775808", "-1", "1e309", "NaN", "9" * 10_000, "%00", "²", "😀漢字", ""]
)
def test_odd_amounts_in_a_currency_never_break_the_page(app, usd, value):
    response = _visitor(app, "USD").get("/search", query_string={"price_currency": "USD", "min_price": value})
    assert response.status_code == 200


def test_the_json_api_keeps_rupiah_ranges(client, around_1234):
    ids = around_1234
    body = client.get(f"/api/v1/products?currency=USD&max_price={FIRST_1234}").get_json()
    assert {item["id"] for item in body["items"]} == {ids[SHOWN_1233], ids[FIRST_1234]}
    assert {item["price_converted"]["currency"] for item in body["items"]} == {"USD"}


def test_currency_is_the_visitors_choice_on_search_as_everywhere(app, around_1234):
    ids = around_1234
    for path in ("/clusters/batik?currency=USD&lang=en", "/search?q=produk&lang=en&currency=USD"):
        response = _visitor(app).get(path)
        html = response.get_data(as_text=True)
        assert html.count("$12.34") == 2 and "were not valid" not in html, path
        assert any(h.startswith("currency=USD;") for h in response.headers.getlist("Set-Cookie")), path
    # An old link with a rupiah range and a currency: prices and the form in dollars, the range in
    # rupiah as the address always meant.
    response = _visitor(app).get(f"/search?max_price={FIRST_1234}&currency=USD&lang=en")
    assert _listed(response) == {ids[SHOWN_1233], ids[FIRST_1234]}
    assert any(h.startswith("currency=USD;") for h in response.headers.getlist("Set-Cookie"))
    form = unescape(_form(response))
    assert "<legend>Price (USD)</legend>" in form and 'name="price_currency" value="USD"' in form
    assert 'name="max_price" inputmode="decimal" value="12.34"' in form
    assert f"set in IDR (up to {Money(FIRST_1234, 'IDR').format('en')})" in form
    # A currency we do not offer is said as on every page, not taken for the range's.
    html = unescape(_visitor(app).get("/search?currency=XYZ&max_price=50000&lang=en").get_data(as_text=True))
    assert "“XYZ” is not a currency we offer; showing IDR." in html and "were not valid" not in html
