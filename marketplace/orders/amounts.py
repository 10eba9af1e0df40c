"""An order's amounts in rupiah, the currency sellers earn in whatever the buyer paid in."""

from __future__ import annotations

from decimal import Decimal

from marketplace.money import Money, convert
from marketplace.orders.models import Fulfilment, Order


def shipping_idr(order: Order, fulfilment: Fulfilment) -> int:
    """The parcel's shipping in rupiah: orders in another currency are converted back with the rate
    frozen on the order (rupiah per unit of its currency), half-up to whole rupiah."""
    if order.currency == "IDR" or not order.exchange_rate:
        return fulfilment.shipping_minor
    shipping = Money(fulfilment.shipping_minor, order.currency)
    return convert(shipping, Decimal(order.exchange_rate), "IDR").minor


def goods_idr(fulfilment: Fulfilment) -> int:
    return sum(line.unit_price_idr * line.quantity for line in fulfilment.lines)
