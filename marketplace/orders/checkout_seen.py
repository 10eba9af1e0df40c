"""What the checkout page showed, and the check that an order is placed only at it.

The form carries back the quote it showed (`quote_token`: currency, shipping, total), what that
quote priced (`destination_key`) and the rate it was converted at; `place_order` compares them
with the fresh price and, when they differ, says what changed: the currency, the buyer's own
delivery choice, the shop's shipping cost, or the total (`QuoteChanged`, `CurrencyChanged`).
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from marketplace.errors import Conflict
from marketplace.i18n import message as _l
from marketplace.money import Money
from marketplace.orders.models import ShippingMethod
from marketplace.shipping.services import ShippingAddress

if TYPE_CHECKING:  # checkout imports this module: the price type is only annotated here
    from marketplace.orders.checkout import CheckoutPrice


def rate_version_currency(version: str) -> str:
    """The currency a checkout page's `rate_version` was for ("EUR:12:17300" → EUR; "" → IDR)."""
    return version.split(":", 1)[0].strip().upper() if version.strip() else "IDR"


class CurrencyChanged(Conflict):
    """The order would be charged in another currency than the checkout page showed (the buyer's
    market was changed meanwhile, in another tab or window): the page is shown again in it."""

    def __init__(self, shown: str, now: str):
        super().__init__(
            str(
                _l(
                    "Your currency is now %(new)s instead of %(old)s (it was changed elsewhere on the "
                    "site, for example in another tab). Everything below is now in %(new)s: check the "
                    "total, then place your order again.",
                    old=shown,
                    new=now,
                )
            )
        )
        self.shown = shown
        self.now = now


def destination_key(address: ShippingAddress, shipping_method: ShippingMethod | str) -> str:
    """What the buyer chose that prices the shipping (method, country, province, city, postal
    code), as the form carries it back beside its quote: placing an order tells the buyer's own
    new choice from a change on the shop's side by it."""
    method = shipping_method.value if isinstance(shipping_method, ShippingMethod) else str(shipping_method)
    parts = (method, address.country, address.province, address.city, address.postal_code)
    text = "|".join(" ".join(str(part or "").split()).casefold() for part in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def quote_token(price: CheckoutPrice) -> str:
    """The amounts the checkout page shows, as the form carries them back ("IDR:25000:150000"):
    currency, shipping and total in minor units; "" while the shipping is not known."""
    if not price.parcels or not price.shipping_known:
        return ""
    return f"{price.currency}:{price.shipping_minor}:{price.total_minor}"


class QuoteChanged(Conflict):
    """The shipping or total the order would be placed at is not the one the checkout page showed.
    `total` is the fresh one; the page shows it and the buyer places the order again. `reason`
    names what changed, and the message says it: "unseen" (no total was shown), "choice" (the
    buyer's own new delivery choice, without a new quote), "currency", "shipping" (the shop's
    shipping rates) or "total" (anything else)."""

    def __init__(self, total: Money, *, lang: str, reason: str, shown_currency: str = ""):
        lang = lang if lang in ("id", "en") else "id"
        amount = total.format(lang)
        if reason == "unseen":
            text = _l(
                "Check the shipping and the total (%(total)s) below, then place your order.", total=amount
            )
        elif reason == "choice":
            text = _l(
                "Your new delivery choice changes the total to %(total)s. Check it below, then press "
                "“Place order” again.",
                total=amount,
            )
        elif reason == "currency":
            text = _l(
                "Your currency is now %(new)s instead of %(old)s (it was changed elsewhere on the "
                "site, for example in another tab). Everything below is now in %(new)s: check the "
                "total, then place your order again.",
                old=shown_currency,
                new=total.currency,
            )
        elif reason == "shipping":
            text = _l(
                "The shipping cost changed since the page showed it: the total is now %(total)s. "
                "Check it, then place your order again.",
                total=amount,
            )
        else:
            text = _l(
                "The shipping or the total changed since the page showed it: the total is now %(total)s. "
                "Check it, then place your order again.",
                total=amount,
            )
        super().__init__(str(text))
        self.total = total
        self.reason = reason


def _parse_quote_token(token: str) -> tuple[str, int, int] | None:
    """(currency, shipping, total) of a `quote_token`, or None for one no page made."""
    parts = token.split(":")
    if len(parts) != 3 or not parts[1].isdigit() or not parts[2].isdigit():
        return None
    return parts[0], int(parts[1]), int(parts[2])


def check_quote(
    price: CheckoutPrice,
    expected_quote: str | None,
    *,
    lang: str,
    quoted_for: str | None = None,
    destination: str | None = None,
) -> None:
    """Raise QuoteChanged unless `expected_quote` (the form's, from `quote_token`) is this price's.

    `quoted_for` is the `destination_key` the page's quote was made for, `destination` the one of
    the order being placed. When they differ the buyer changed the delivery after the page priced
    it (without JavaScript nothing prices it again): a total no higher than the one shown, in the
    same currency, is placed as it is — the buyer is never charged more than they saw — and a
    higher one is shown for them to confirm. None skips the check (callers without a page: the
    demo, tests of other rules)."""
    if expected_quote is None:
        return
    seen = expected_quote.strip()
    if seen == quote_token(price):
        return
    total = Money(price.total_minor, price.currency)
    shown = _parse_quote_token(seen)
    if shown is None:
        raise QuoteChanged(total, lang=lang, reason="unseen")
    shown_currency, shown_shipping, shown_total = shown
    if shown_currency != price.currency:
        raise QuoteChanged(total, lang=lang, reason="currency", shown_currency=shown_currency)
    if quoted_for and destination is not None and quoted_for != destination:
        if price.shipping_known and price.total_minor <= shown_total:
            return
        raise QuoteChanged(total, lang=lang, reason="choice")
    if shown_shipping != price.shipping_minor:
        raise QuoteChanged(total, lang=lang, reason="shipping")
    raise QuoteChanged(total, lang=lang, reason="total")
