"""The buyer's printable receipt: the order, each seller's part and the payment, as plain values.

Refunds belong to a higher layer: `marketplace.refunds.receipt` adds them and serves the page.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.money import money_text
from marketplace.orders.amounts import order_total_idr
from marketplace.orders.formatting import rupiah_reference
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.orders.presenters import present_order
from marketplace.timezones import ReaderZone, buyer_time, buyer_zone, fill

PAYMENT_METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.STRIPE: _l("Card (Stripe)"),
}
#: Orders whose money arrived (later states included: refunded orders were paid first).
_PAID = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.REFUNDED)


def _payment(order: Order, lang: str, where: ReaderZone) -> dict:
    paid = order.status in _PAID or order.paid_at is not None
    if paid:
        status = (
            fill(_("Paid on %(when)s"), when=buyer_time(order.paid_at, lang, where))
            if order.paid_at
            else _("Paid")
        )
    elif order.status == OrderStatus.AWAITING_PAYMENT:
        due = buyer_time(order.payment_due_at, lang, where, wib_beside=True)
        status = fill(_("Not paid yet: pay before %(when)s"), when=due)
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
    """Everything the receipt shows, precomputed in `lang`; its times are the buyer's, as on the
    order page (`timezones.buyer_zone`: WIB at home, the shipping country's zone abroad)."""
    view = present_order(order, lang=lang)
    where = buyer_zone(order.ship_country)
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
        #: The same line as the checkout's (orders.amounts: goods at rupiah prices, shipping back).
        "total_idr": rupiah_reference(order_total_idr(order), order.currency, order.exchange_rate, lang),
        "payment": _payment(order, lang, where),
        "note_lines": view["note_lines"],
        #: Times in WIB for static/js/local-time.js to rewrite (a country with several zones).
        "local_times": view["local_times"],
        #: Where the buyer reads times: refunds.receipt writes the refunds' times in it too.
        "reader_zone": where,
    }
