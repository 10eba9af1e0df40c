"""Money as integer minor units beside an ISO 4217 currency; never floats."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from babel import Locale
from babel.numbers import NumberPattern, get_currency_precision

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
        pattern, babel_locale = _currency_pattern(self.currency, locale)
        return pattern.apply(self.as_decimal(), babel_locale, currency=self.currency)

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
def _currency_pattern(currency: str, locale: str) -> tuple[NumberPattern, Locale]:
    """The parsed pattern and locale `babel.numbers.format_currency` would look up for each value."""
    babel_locale = Locale.parse(locale)
    return babel_locale.currency_formats["standard"], babel_locale


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
