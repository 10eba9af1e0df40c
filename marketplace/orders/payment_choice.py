"""Which payment methods an order can use, and the smallest total a card payment may have.

Checkout (placing an order) and the cart page ask these before any payment exists; the
payments domain, above orders, re-exports them.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from flask_babel import gettext as _

from marketplace.config import card_payments_available
from marketplace.markets.context import HOME_COUNTRY, HOME_CURRENCY
from marketplace.money import Money, currency_exponent
from marketplace.orders.models import PaymentMethod

#: Stripe's minimum charge per currency, in the currency's major units
#: (docs.stripe.com/currencies#minimum-and-maximum-charge-amounts). Stripe lists no IDR minimum; it
#: checks about USD 0.50 in the settlement currency, so we ask for Rp 10.000 to stay clear of it.
STRIPE_MINIMUM_CHARGE = {
    "USD": Decimal("0.50"),
    "EUR": Decimal("0.50"),
    "GBP": Decimal("0.30"),
    "AUD": Decimal("0.50"),
    "SGD": Decimal("0.50"),
    "MYR": Decimal("2.00"),
    "JPY": Decimal("50"),
    "CAD": Decimal("0.50"),
    "CHF": Decimal("0.50"),
    "NZD": Decimal("0.50"),
    "HKD": Decimal("4.00"),
    "THB": Decimal("10"),
    "IDR": Decimal("10000"),
}
#: For a currency missing above: the IDR minimum converted with the order's frozen rate.
IDR_MINIMUM = STRIPE_MINIMUM_CHARGE["IDR"]


def payment_methods_for(config, *, country: str, currency: str) -> list[PaymentMethod]:
    """How an order delivered to `country` and charged in `currency` can be paid, in the order offered.

    Bank transfer stays domestic (rupiah, delivered in Indonesia); card wherever card payments are
    available. An empty list means the buyer cannot order at all: see `no_payment_method_reason`.
    """
    methods = []
    if currency.upper() == HOME_CURRENCY and country.upper() == HOME_COUNTRY:
        methods.append(PaymentMethod.BANK_TRANSFER)
    if card_payments_available(config):
        methods.append(PaymentMethod.STRIPE)
    return methods


def no_payment_method_reason(config, *, country: str, currency: str) -> str | None:
    """Why a buyer shipping to `country` in `currency` cannot pay for an order, or None if they can."""
    if payment_methods_for(config, country=country, currency=currency):
        return None
    if country.upper() != HOME_COUNTRY:
        return _(
            "Orders from abroad are not available yet: card payment is not set up on this market. "
            "You can order for delivery within Indonesia and pay in rupiah by bank transfer."
        )
    return _(
        "Paying in %(currency)s needs a card, and card payment is not set up on this market. "
        "Switch to rupiah to pay by bank transfer.",
        currency=currency.upper(),
    )


def stripe_minimum(currency: str, exchange_rate: Decimal | None = None) -> Money | None:
    """The smallest total Stripe will charge in `currency`, or None when unknown.

    `exchange_rate` (rupiah per 1 unit of `currency`, as frozen on orders) converts the IDR minimum
    for a currency missing from Stripe's table. The checkout can call this before placing an order.
    """
    code = currency.upper()
    major = STRIPE_MINIMUM_CHARGE.get(code)
    if major is None:
        if not exchange_rate:
            return None
        major = IDR_MINIMUM / Decimal(exchange_rate)
    minor = (major.scaleb(currency_exponent(code))).to_integral_value(rounding=ROUND_CEILING)
    return Money(int(minor), code)
