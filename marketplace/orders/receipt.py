"""The buyer's printable receipt: the order, each seller's part and the payment, as plain values.

Refunds belong to a higher layer: `marketplace.refunds.receipt` adds them and serves the page.
"""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.money import Money, convert, money_text
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.orders.presenters import present_order
from marketplace.timezones import jakarta_time

PAYMENT_METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.STRIPE: _l("Card (Stripe)"),
}
#: Orders whose money arrived (later states included: refunded orders were paid first).
_PAID = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED)


def _idr_reference(order: Order, lang: str) -> str:
    """The total in rupiah at the rate frozen on the order, for an order in another currency."""
    if order.currency == "IDR" or not order.exchange_rate:
        return ""
    rate = Decimal(order.exchange_rate)
    total = convert(Money(order.total_minor, order.currency), rate, "IDR")
    return _(
        "≈ %(idr)s at the order's rate (1 %(currency)s = %(rate)s)",
        idr=total.format(lang),
        currency=order.currency,
        rate=Money(int(rate.to_integral_value()), "IDR").format(lang),
    )


def _payment(order: Order, lang: str) -> dict:
    paid = order.status in _PAID or order.paid_at is not None
    if paid:
        status = _("Paid on %(when)s", when=jakarta_time(order.paid_at, lang)) if order.paid_at else _("Paid")
    elif order.status == OrderStatus.AWAITING_PAYMENT:
        status = _("Not paid yet: pay before %(when)s", when=jakarta_time(order.payment_due_at, lang))
    else:
        status = _("Not paid (order cancelled)")
    return {
        "method": str(PAYMENT_METHOD_LABELS.get(order.payment_method, order.payment_method)),
        "status": status,
        "paid": paid,
        "unique_code": money_text(order.unique_code_minor, order.currency, lang)
        if order.unique_code_minor
        else "",
    }


def present_receipt(order: Order, *, lang: str) -> dict:
    """Everything the receipt shows, precomputed in `lang` (times in Asia/Jakarta)."""
    view = present_order(order, lang=lang)
    parts = []
    for fulfilment in order.fulfilments:
        seller = fulfilment.seller
        goods = sum(line.line_total_minor for line in fulfilment.lines)
        parts.append(
            {
                "shop": fulfilment.lines[0].seller_name if fulfilment.lines else seller.name,
                "village": seller.village.name if seller is not None and seller.village else "",
                "lines": [
                    {
                        "title": line.title_in(lang),
                        "quantity": line.quantity,
                        "unit_price": money_text(line.unit_price_minor, order.currency, lang),
                        "total": money_text(line.line_total_minor, order.currency, lang),
                    }
                    for line in fulfilment.lines
                ],
                "shipping": money_text(fulfilment.shipping_minor, order.currency, lang),
                "total": money_text(goods + fulfilment.shipping_minor, order.currency, lang),
            }
        )
    return {
        "number": order.number,
        "created": view["created"],
        "status_label": view["status_label"],
        "buyer_name": order.ship_name,
        "email": order.email,
        "is_pickup": view["is_pickup"],
        "pickup_places": view["pickup_places"],
        "address_lines": view["address_lines"],
        "parts": parts,
        "currency": order.currency,
        "subtotal": view["subtotal"],
        "shipping": view["shipping"],
        "unique_code": view["unique_code"],
        "total": view["total"],
        "total_idr": _idr_reference(order, lang),
        "payment": _payment(order, lang),
        "note_lines": view["note_lines"],
    }
