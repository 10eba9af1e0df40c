"""An order's amounts in rupiah, the currency sellers earn in whatever the buyer paid in.

One rule for "the order in rupiah", said by the checkout and the receipt alike and counted by the
sellers' ledger (payouts: each paid part's SALE is its goods plus its shipping in rupiah): the
goods at their rupiah prices (`OrderLine.unit_price_idr`, exact), plus each parcel's shipping as
charged in the order's currency, converted back at the order's rate. The rupiah shipping the rates
table quoted is not kept on the order, and converting back the whole foreign total would move the
goods by the rounding of each converted unit price: this figure is the one both pages can say.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from marketplace.money import Money, convert
from marketplace.orders.models import Fulfilment, Order


def shipping_back_to_idr(shipping_minor: int, currency: str, rate: Decimal | None) -> int:
    """A parcel's shipping charged in `currency` (minor units) in whole rupiah at `rate` (rupiah
    per unit), half up; rupiah (or no rate) as it is."""
    if currency == "IDR" or not rate:
        return shipping_minor
    return convert(Money(shipping_minor, currency), Decimal(rate), "IDR").minor


def rupiah_total(*, goods_idr: int, shipping: Iterable[int], currency: str, rate: Decimal | None) -> int:
    """The order in rupiah (see the module): `goods_idr` plus each parcel's `shipping` (in
    `currency`) converted back at `rate`."""
    return goods_idr + sum(shipping_back_to_idr(amount, currency, rate) for amount in shipping)


def shipping_idr(order: Order, fulfilment: Fulfilment) -> int:
    """The parcel's shipping in rupiah: orders in another currency are converted back with the rate
    frozen on the order (rupiah per unit of its currency), half-up to whole rupiah."""
    return shipping_back_to_idr(fulfilment.shipping_minor, order.currency, order.exchange_rate)


def goods_idr(fulfilment: Fulfilment) -> int:
    return sum(line.unit_price_idr * line.quantity for line in fulfilment.lines)


def order_total_idr(order: Order) -> int:
    """The whole order in rupiah as the checkout said it (`rupiah_total`), from what the order keeps."""
    return rupiah_total(
        goods_idr=sum(goods_idr(fulfilment) for fulfilment in order.fulfilments),
        shipping=[fulfilment.shipping_minor for fulfilment in order.fulfilments],
        currency=order.currency,
        rate=order.exchange_rate,
    )
