"""Converting rupiah into every currency: exact integers, half-up at each currency's exponent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest

from marketplace.markets.context import HOME_MARKET, Market, choose_market, market_from_accept_language
from marketplace.markets.services import (
    Rate,
    RateTable,
    convert_from_idr,
    convert_order,
    display_price,
    price_for_jsonld,
)
from marketplace.money import Money
from marketplace.orders.models import Order, OrderLine
from marketplace.payments.services import checkout_line_items, minimum_charge, stripe_minimum


def table(**rates: str) -> RateTable:
    return RateTable(
        rates={
            code: Rate(
                id=i,
                currency=code,
                rate=Decimal(r),
                effective_date=date(2026, 11, 27),
                source="",
                version=f"{code}:{i}:{r}",
            )
            for i, (code, r) in enumerate(rates.items(), start=1)
        },
        today=date(2026, 11, 28),
    )


@pytest.mark.parametrize(
    ("currency", "rate", "idr", "minor"),
    [
        ("IDR", "1", 125_000, 125_000),  # the reference: unchanged, no decimals
        ("EUR", "17300", 125_000, 723),  # 7.2254… → €7.23
        ("USD", "16300", 125_000, 767),  # 7.6687… → $7.67
        ("SGD", "12300", 125_000, 1_016),  # 10.1626… → S$10.16
        ("MYR", "3600", 125_000, 3_472),  # 34.7222… → RM34.72
        ("AUD", "10400", 125_000, 1_202),  # 12.0192… → A$12.02
        ("GBP", "20500", 125_000, 610),  # 6.0975… → £6.10
        ("JPY", "105", 125_000, 1_190),  # 1190.476… → ¥1190: no decimals
        ("EUR", "17300", 999, 6),
        ("JPY", "105", 999, 10),  # 9.514… → ¥10
        ("USD", "16300", 48_900, 300),  # exactly $3.00
        ("EUR", "17300.2", 86_501, 500),  # 4.99999… → €5.00
        ("EUR", "17300", 0, 0),
    ],
)
def test_every_currency_converts_to_exact_minor_units(currency, rate, idr, minor):
    assert convert_from_idr(idr, Decimal(rate), currency) == Money(minor, currency)


@pytest.mark.parametrize(
    ("currency", "rate", "idr", "minor"),
    [
        ("EUR", "17000", 17_085, 101),  # exactly €1.005 → up to €1.01
        ("EUR", "17000", 17_084, 100),  # €1.004941… → €1.00
        ("JPY", "100", 1_250, 13),  # exactly ¥12.5 → ¥13
        ("JPY", "100", 1_249, 12),  # ¥12.49 → ¥12
        ("GBP", "20000", 100, 1),  # exactly £0.005 → 1p
        ("GBP", "20000", 99, 0),  # £0.00495 → 0p
        ("USD", "16000", 8_000, 50),  # exactly $0.50: no rounding at all
        ("SGD", "12345.678", 6_172_839, 50_000),  # 499.99998… → S$500.00
    ],
)
def test_half_way_amounts_round_half_up(currency, rate, idr, minor):
    assert convert_from_idr(idr, Decimal(rate), currency).minor == minor


def test_rates_must_be_decimal_and_positive():
    with pytest.raises(TypeError):
        convert_from_idr(1000, 17300.0, "EUR")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        convert_from_idr(1000, Decimal(0), "EUR")


def test_display_price_is_rupiah_without_a_rate():
    rates = table(EUR="17300")
    assert display_price(125_000, "EUR", rates) == Money(723, "EUR")
    assert display_price(125_000, "GBP", rates) == Money(125_000, "IDR")  # never a guessed rate
    assert display_price(125_000, "IDR", rates) == Money(125_000, "IDR")
    assert display_price(125_000, "JPY", table(JPY="105")).format("en") == "¥1,190"
    assert Money(125_000, "IDR").format("en") == "Rp\u00a0125,000"


def test_orders_convert_per_unit_then_multiply_and_sum():
    rate = table(EUR="17000").get("EUR")
    converted = convert_order(
        currency="EUR", rate=rate, lines_idr=[(17_085, 3), (17_084, 1)], shipping_idr=[34_000, 8_500]
    )
    assert converted.unit_prices == [101, 100]
    assert converted.line_totals == [303, 100]  # not round(3 × 1.005) = 302
    assert converted.shipping == [200, 50]
    assert (converted.subtotal, converted.shipping_total, converted.total) == (403, 250, 653)
    assert converted.exchange_rate == Decimal("17000")
    idr = convert_order(currency="IDR", rate=None, lines_idr=[(17_085, 3)], shipping_idr=[1])
    assert (idr.total, idr.exchange_rate) == (51_256, None)


def test_an_order_without_a_rate_is_refused():
    from marketplace.errors import ValidationError

    with pytest.raises(ValidationError):
        convert_order(currency="EUR", rate=None, lines_idr=[(1_000, 1)], shipping_idr=[])


@dataclass
class _Product:
    price_minor: int


@pytest.mark.parametrize(
    ("currency", "expected"),
    [
        ("EUR", ("7.23", "EUR")),
        ("JPY", ("1190", "JPY")),
        ("IDR", ("125000", "IDR")),
        ("GBP", ("125000", "IDR")),
    ],
)
def test_json_ld_price_in_the_buyers_currency(currency, expected):
    assert price_for_jsonld(_Product(125_000), currency, table(EUR="17300", JPY="105")) == expected


# -- Stripe amounts per currency ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("money", "stripe_amount"),
    [
        (Money(723, "EUR"), 723),  # cents
        (Money(1_190, "JPY"), 1_190),  # zero-decimal: yen
        (Money(125_000, "IDR"), 12_500_000),  # Stripe counts IDR with two decimals
        (Money(3_472, "MYR"), 3_472),
        (Money(610, "GBP"), 610),
    ],
)
def test_stripe_amounts_per_currency(money, stripe_amount):
    assert money.to_stripe_amount() == stripe_amount


@pytest.mark.parametrize(
    ("currency", "minimum"),
    [
        ("EUR", Money(50, "EUR")),
        ("JPY", Money(50, "JPY")),
        ("IDR", Money(10_000, "IDR")),
        ("GBP", Money(30, "GBP")),
    ],
)
def test_stripe_minimums(currency, minimum):
    assert stripe_minimum(currency) == minimum


def test_minimum_for_a_currency_stripe_does_not_list_uses_the_frozen_rate():
    # Rp 10.000 at 11.76 rupiah per won = 850.34… → ₩851 (rounded up: never below Stripe's floor).
    assert minimum_charge(Order(currency="KRW", exchange_rate=Decimal("11.76"))) == Money(851, "KRW")


def test_stripe_line_items_of_an_eur_order_add_up_to_the_total():
    converted = convert_order(
        currency="EUR", rate=table(EUR="17300").get("EUR"), lines_idr=[(125_000, 2)], shipping_idr=[45_000]
    )
    order = Order(
        number="PD-261128-TEST",
        lang="en",
        currency="EUR",
        exchange_rate=converted.exchange_rate,
        subtotal_minor=converted.subtotal,
        shipping_minor=converted.shipping_total,
        unique_code_minor=0,
        total_minor=converted.total,
    )
    order.lines = [
        OrderLine(
            title_id="Kopi",
            title_en="Coffee",
            unit_price_minor=converted.unit_prices[0],
            quantity=2,
            line_total_minor=converted.line_totals[0],
        )
    ]
    items = checkout_line_items(order)
    assert [(i["price_data"]["currency"], i["price_data"]["unit_amount"], i["quantity"]) for i in items] == [
        ("eur", 723, 2),
        ("eur", 260, 1),  # 45.000 / 17.300 = 2.601… → €2.60
    ]
    assert sum(i["price_data"]["unit_amount"] * i["quantity"] for i in items) == converted.total == 1_706


# -- choosing the market (pure part) -----------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-SG,en;q=0.9", ("SG", "SGD")),
        ("ja", ("JP", "JPY")),
        ("ja-JP,ja;q=0.9,en;q=0.8", ("JP", "JPY")),
        ("nl-NL", ("NL", "EUR")),
        ("nl", ("NL", "EUR")),
        ("en-GB", ("GB", "GBP")),
        ("en-US,en;q=0.5", ("US", "USD")),
        ("en-AU", ("AU", "AUD")),
        ("ms-MY", ("MY", "MYR")),
        ("id-ID,id;q=0.9,en;q=0.8", ("ID", "IDR")),
        ("en", None),  # English alone names no country: the home market
        ("en;q=0.9,de;q=0.8", ("DE", "EUR")),
        ("de;q=0.1,ja;q=0.9", ("JP", "JPY")),  # by weight, not by position
        ("xx-YY,zz", None),
        ("", None),
        (";q=abc,,,", None),
    ],
)
def test_accept_language_names_a_market(header, expected):
    assert market_from_accept_language(header) == expected


def test_a_visitor_who_chose_indonesian_is_not_placed_by_english_entries():
    assert choose_market(accept_language="en-US,en;q=0.9", language="id") == HOME_MARKET
    assert choose_market(accept_language="en-US,en;q=0.9", language="en") == Market("US", "USD")
    assert choose_market(accept_language="en-GB,de;q=0.5", language="id") == Market("DE", "EUR")
    assert market_from_accept_language("en-US", skip_english=True) is None


def test_link_beats_cookie_beats_account_beats_browser():
    browser = "ja-JP"
    assert choose_market(accept_language=browser) == Market("JP", "JPY")
    assert choose_market(account=("SG", "SGD"), accept_language=browser) == Market("SG", "SGD")
    assert choose_market(cookies={"currency": "eur", "country": "nl"}, account=("SG", "SGD")) == Market(
        "NL", "EUR"
    )
    assert choose_market(query={"currency": "USD"}, cookies={"currency": "EUR", "country": "NL"}) == Market(
        "NL", "USD"
    )
    # A country alone brings its currency; unknown values are ignored.
    assert choose_market(query={"country": "AU"}) == Market("AU", "AUD")
    assert choose_market(query={"currency": "XYZ", "country": "ZZ"}) == HOME_MARKET
    assert choose_market() == HOME_MARKET
