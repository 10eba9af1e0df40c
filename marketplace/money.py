"""Money as integer minor units beside an ISO 4217 currency; never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision, get_currency_symbol

# Rupiah has had no coins below Rp 1 in use for decades; prices are whole rupiah everywhere.
OWN_EXPONENTS = {"IDR": 0}


def currency_exponent(currency: str) -> int:
    """Digits after the decimal point for a currency, from the CLDR data that Babel ships."""
    code = currency.upper()
    return OWN_EXPONENTS.get(code, get_currency_precision(code))


# Stripe's own rules differ from ISO 4217 for a few currencies: IDR is charged with two decimals
# (Rp 1 = 100) although ISO says none, and these are zero-decimal at Stripe.
STRIPE_ZERO_DECIMAL = frozenset("BIF CLP DJF GNF JPY KMF KRW MGA PYG RWF UGX VND VUV XAF XOF XPF".split())
STRIPE_TWO_DECIMAL_OVERRIDES = frozenset({"IDR"})


def stripe_exponent(currency: str) -> int:
    code = currency.upper()
    if code in STRIPE_ZERO_DECIMAL:
        return 0
    if code in STRIPE_TWO_DECIMAL_OVERRIDES:
        return 2
    return currency_exponent(code)


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in the currency's minor units (ISO 4217 exponent)."""

    minor: int
    currency: str

    def __post_init__(self):
        if not isinstance(self.minor, int) or isinstance(self.minor, bool):
            raise TypeError("Money.minor must be an int")
        if len(self.currency) != 3:
            raise ValueError("currency must be an ISO 4217 code")

    @classmethod
    def zero(cls, currency: str) -> Money:
        return cls(0, currency)

    def __add__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor + other.minor, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._check(other)
        return Money(self.minor - other.minor, self.currency)

    def __mul__(self, quantity: int) -> Money:
        if not isinstance(quantity, int):
            raise TypeError("Money can only be multiplied by an int")
        return Money(self.minor * quantity, self.currency)

    __rmul__ = __mul__

    def _check(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} and {other.currency}")

    def as_decimal(self) -> Decimal:
        return Decimal(self.minor).scaleb(-currency_exponent(self.currency))

    def to_stripe_amount(self) -> int:
        """The integer Stripe expects in `unit_amount`/`amount` for this currency."""
        shift = stripe_exponent(self.currency) - currency_exponent(self.currency)
        if shift >= 0:
            return self.minor * 10**shift
        # Stripe has fewer decimals than ISO: round half up to what Stripe can charge.
        value = Decimal(self.minor).scaleb(shift).quantize(Decimal(1), rounding=ROUND_HALF_UP)
        return int(value)

    def format(self, locale: str = "id") -> str:
        """Human text: 'Rp 125.000' (IDR without decimals), '€12,50', '¥1,200'."""
        if self.currency == "IDR":
            minus, group = _rupiah_symbols(locale)
            return f"{minus if self.minor < 0 else ''}Rp\u00a0{abs(self.minor):,}".replace(",", group)
        pattern, babel_locale, symbol = _currency_pattern(self.currency, locale)
        text = pattern.apply(self.as_decimal(), babel_locale, currency=self.currency)
        return _currency_spacing(text, symbol)

    def __str__(self) -> str:
        return self.format()


@lru_cache(maxsize=64)  # one entry per language
def _rupiah_symbols(locale: str) -> tuple[str, str]:
    """The minus sign and digit group separator of `locale`'s numbers ("-" and "." in Indonesian).

    Rupiah, whole, as people write them: "Rp 125.000". Most prices on a page are rupiah; Babel's
    pattern machinery cost 42 µs for each, this 2 µs (tests/test_money.py compares the two).
    """
    symbols = Locale.parse(locale).number_symbols["latn"]
    return symbols["minusSign"], symbols["group"]


@lru_cache(maxsize=256)  # currencies shown × languages: a few dozen
def _currency_pattern(currency: str, locale: str) -> tuple[NumberPattern, Locale, str]:
    """The parsed pattern and locale `babel.numbers.format_currency` would look up for each value,
    and the currency's symbol there."""
    babel_locale = Locale.parse(locale)
    return babel_locale.currency_formats["standard"], babel_locale, get_currency_symbol(currency, locale)


def _currency_spacing(text: str, symbol: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a symbol that meets the digits with a letter
    is kept apart from them by a no-break space ("SGD 21.55", "21,55 MYR"), while one that meets
    them with a sign is not ("US$12.34", "€8.67"). Without it a buyer in Singapore reads "SGD21.55"."""
    if symbol[-1:].isalpha():
        end = text.find(symbol) + len(symbol)
        if len(symbol) <= end < len(text) and text[end].isdigit():
            text = f"{text[:end]}\u00a0{text[end:]}"
    if symbol[:1].isalpha():
        start = text.rfind(symbol)
        if start > 0 and text[start - 1].isdigit():
            text = f"{text[:start]}\u00a0{text[start:]}"
    return text


def money_text(minor: int, currency: str, lang: str = "id") -> str:
    """An amount stored as minor units, as text for a reader of `lang`: 'Rp 125.000'."""
    return Money(int(minor), currency).format(lang)


def convert(amount: Money, rate: Decimal, to_currency: str) -> Money:
    """Convert with a Decimal rate (units of `to_currency` per unit of `amount`), half-up per
    the target currency's own exponent."""
    if not isinstance(rate, Decimal):
        raise TypeError("exchange rates must be Decimal")
    target_exp = currency_exponent(to_currency)
    value = (amount.as_decimal() * rate).scaleb(target_exp)
    return Money(int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP)), to_currency.upper())


# ------------------------------------------------------------------ amounts as people type them

#: Short marks people type for a currency besides its code and CLDR's symbols ("$20" in Singapore).
_LOCAL_MARKS = {"SGD": ("S$", "$"), "AUD": ("$",), "MYR": ("RM",)}
#: Whole units: digits alone, or 1-3 digits then groups of exactly three, all with one separator.
_WHOLE_UNITS = re.compile(r"[0-9]+|[0-9]{1,3}(?P<sep>[., \u00a0\u202f])[0-9]{3}(?:(?P=sep)[0-9]{3})*")
#: More digits than any price filter needs (int() of a long string is slow, and nothing is that dear).
_MAX_TYPED_DIGITS = 15


@lru_cache(maxsize=32)  # one entry per currency
def _currency_marks(currency: str) -> tuple[str, ...]:
    """What may stand before or after a typed amount: the code, the symbols in English and Indonesian
    ("$", "US$"), local short ones; longest first so "US$" is taken whole, not as "US" and "$"."""
    marks = {currency, *_LOCAL_MARKS.get(currency, ())}
    marks.update(get_currency_symbol(currency, locale) for locale in ("en", "id"))
    return tuple(sorted((mark.lower() for mark in marks), key=len, reverse=True))


def _strip_marks(text: str, currency: str) -> str:
    lowered = text.lower()
    for mark in _currency_marks(currency):
        if lowered.startswith(mark):
            text, lowered = text[len(mark) :].strip(), lowered[len(mark) :].strip()
            break
    for mark in _currency_marks(currency):
        if lowered.endswith(mark):
            text = text[: -len(mark)].strip()
            break
    return text


def parse_typed_amount(raw: object, currency: str) -> int | None:
    """An amount typed in major units of `currency` ("20.50", "1,234.50", "20,50", "$20"), in its
    minor units (2050); None when it is empty or cannot be read without guessing.

    Read the same whatever the reader's language, so a link means one amount for everyone. After a
    lone "." or ",", up to the currency's decimals ("20.5", "20,50") are the fraction; exactly three
    digits are a thousands group ("1.234", "1,234": no currency offered has three decimals); with
    both marks the last one is the decimal point ("1,234.50", "1.234,50"). Thousands come in groups
    of three ("1.2.3" is refused). The code or a symbol may stand before or after ("US$ 20", "20 €").
    Signs, exponents, more decimals than the currency has and digits other than ASCII are refused.
    """
    code = currency.upper()
    exponent = currency_exponent(code)
    text = _strip_marks(str(raw if raw is not None else "").strip(), code)
    if not text or not text.isascii():
        return None
    whole, fraction = text, ""
    last = max(text.rfind("."), text.rfind(","))
    if exponent and last >= 0:
        after = text[last + 1 :]
        both_marks = "." in text and "," in text
        if after.isdigit() and len(after) <= exponent and (both_marks or len(after) != 3):
            whole, fraction = text[:last], after
            if text[last] in whole:
                return None  # "1,234,56": the decimal mark cannot also group thousands
    if whole and not _WHOLE_UNITS.fullmatch(whole):
        return None
    digits = re.sub(r"[^0-9]", "", whole)
    if (not digits and not fraction) or len(digits) > _MAX_TYPED_DIGITS:
        return None
    return int(digits or "0") * 10**exponent + int(fraction.ljust(exponent, "0") or "0")


def amount_arg(minor: int, currency: str) -> str:
    """An amount in major units as an address states it: "20", "20.50", "50000" (a point, no grouping,
    decimals only when there are cents), which `parse_typed_amount` reads back exactly."""
    exponent = currency_exponent(currency)
    units, cents = divmod(int(minor), 10**exponent) if exponent else (int(minor), 0)
    return f"{units}.{cents:0{exponent}d}" if cents else str(units)


def amount_field_text(minor: int, currency: str, lang: str) -> str:
    """An amount in major units as a form field shows it for `lang` to read and type again: "20,50"
    in Indonesian, "20.50" in English, "20" when whole; no symbol and no grouping."""
    text = amount_arg(minor, currency)
    return text.replace(".", _decimal_mark(lang)) if "." in text else text


@lru_cache(maxsize=8)  # one entry per language
def _decimal_mark(lang: str) -> str:
    return Locale.parse(lang).number_symbols["latn"]["decimal"]
