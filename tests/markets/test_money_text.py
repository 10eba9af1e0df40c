"""Money as text: the fast paths give exactly what Babel's `format_currency` gives."""

from __future__ import annotations

import re

import pytest
from babel.numbers import format_currency

from marketplace.money import Money, money_text

AMOUNTS = (0, 1, 999, 1_000, 75_000, 1_234_567, 10**12 + 7, -1, -75_000, -1_234_567)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_rupiah_read_as_babel_writes_them_with_rp_and_no_decimals(lang):
    for minor in AMOUNTS:
        expected = format_currency(minor, "IDR", locale=lang, format="¤\u00a0#,##0", currency_digits=False)
        assert money_text(minor, "IDR", lang) == expected.replace("IDR", "Rp"), minor
    assert money_text(125_000, "IDR", "id") == "Rp\u00a0125.000"
    assert money_text(125_000, "IDR", "en") == "Rp\u00a0125,000"


@pytest.mark.parametrize("lang", ["id", "en", "nl", "ja"])
@pytest.mark.parametrize("currency", ["EUR", "USD", "JPY", "SGD", "AUD", "GBP", "MYR", "KWD"])
def test_other_currencies_read_as_babel_writes_them(lang, currency):
    """Babel's text, with the space CLDR's currency spacing puts between a code and its digits."""
    for minor in AMOUNTS:
        money = Money(minor, currency)
        expected = format_currency(money.as_decimal(), currency, locale=lang)
        expected = re.sub(r"(?<=[A-Z])(?=\d)|(?<=\d)(?=[A-Z])", "\u00a0", expected)
        assert money.format(lang) == expected, (minor, currency)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_currency_code_is_never_glued_to_its_digits(lang):
    """A buyer in Singapore or Malaysia reads "SGD 21.55", not "SGD21.55"; a sign stays close."""
    assert money_text(2155, "SGD", lang) == ("SGD\u00a021,55" if lang == "id" else "SGD\u00a021.55")
    assert money_text(-5000, "MYR", lang).endswith("MYR\u00a050,00" if lang == "id" else "MYR\u00a050.00")
    assert money_text(867, "EUR", lang) == ("€8,67" if lang == "id" else "€8.67")
    assert money_text(1234, "JPY", lang) == ("JP¥1.234" if lang == "id" else "¥1,234")
