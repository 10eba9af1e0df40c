"""Price bounds in a buyer's currency as whole-rupiah bounds: the inverse of `convert_from_idr`.

A buyer abroad filters by the prices they see, each converted from rupiah and rounded half up
(services.convert_from_idr). The catalogue keeps rupiah, so a bound is turned, once per request,
into the rupiah bound that selects exactly the products whose *shown* price passes it: a product
shown as $12.34 is under a maximum of 12.34 and over a minimum of 12.34, and not under 12.33.
Integer arithmetic on the rate's exact fraction: no floats, no rounding of its own.
"""

from __future__ import annotations

from decimal import Decimal

from marketplace.markets.context import HOME_CURRENCY
from marketplace.money import Money, currency_exponent


def _rate_fraction(rate: Decimal, currency: str) -> tuple[int, int]:
    """(numerator, denominator) of rupiah per *minor* unit of `currency`, exactly."""
    if not isinstance(rate, Decimal):
        raise TypeError("exchange rates must be Decimal")
    if rate <= 0:
        raise ValueError("exchange rates must be positive")
    numerator, denominator = rate.as_integer_ratio()
    return numerator, denominator * 10 ** currency_exponent(currency)


def cheapest_idr_price_shown_from(amount: Money, rate: Decimal) -> int:
    """The smallest whole-rupiah price a buyer of `amount.currency` sees as `amount` or more at
    `rate` (rupiah per unit): a minimum bound in rupiah. Never below 0.

    A price p is shown as round_half_up(p / r) (r: rupiah per minor unit), which is at least m
    exactly when p / r >= m - 1/2, i.e. p >= (2m - 1) r / 2.
    """
    if amount.currency == HOME_CURRENCY:
        return max(0, amount.minor)
    numerator, denominator = _rate_fraction(rate, amount.currency)
    # ceil((2m - 1) * num / (2 * den)) in integers.
    return max(0, -(-(2 * amount.minor - 1) * numerator // (2 * denominator)))


def dearest_idr_price_shown_up_to(amount: Money, rate: Decimal) -> int:
    """The largest whole-rupiah price a buyer of `amount.currency` sees as `amount` or less at
    `rate` (rupiah per unit): a maximum bound in rupiah (Rp 0 is shown as 0, so never below 0).

    round_half_up(p / r) is at most M exactly when p / r < M + 1/2, i.e. p < (2M + 1) r / 2.
    """
    if amount.currency == HOME_CURRENCY:
        return amount.minor
    numerator, denominator = _rate_fraction(rate, amount.currency)
    # The largest integer strictly below (2M + 1) * num / (2 * den).
    return ((2 * amount.minor + 1) * numerator - 1) // (2 * denominator)
