"""Order and parcel status labels, and the order's rupiah line, as views and presenters hand them
to templates."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from marketplace.money import Money

ORDER_STATUS_LABELS = {
    "awaiting_payment": _l("Awaiting payment"),
    "paid": _l("Paid"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
    "refunded": _l("Refunded"),
    "refund_due": _l("Payment arrived after cancellation: refund due"),
    "cancelled_units": _l("Some units cancelled"),
}

FULFILMENT_STATUS_LABELS = {
    # The order's own wording: a buyer reads both on one page.
    "pending": _l("Awaiting payment"),
    "processing": _l("Being prepared"),
    "shipped": _l("Shipped"),
    "delivered": _l("Delivered"),
    "cancelled": _l("Cancelled"),
}


def status_label(status: str) -> str:
    return str(ORDER_STATUS_LABELS.get(str(status), str(status)))


def fulfilment_status_label(status: str) -> str:
    return str(FULFILMENT_STATUS_LABELS.get(str(status), str(status)))


def rupiah_reference(total_idr: int, currency: str, rate: Decimal | None, lang: str) -> str:
    """ "In rupiah: Rp 534.983 (1 SGD = Rp 11.700)": an order in another currency in rupiah
    (`orders.amounts.rupiah_total`), word for word the same on the checkout and the receipt;
    "" for a rupiah order."""
    if currency == "IDR" or not rate:
        return ""
    return _(
        "In rupiah: %(idr)s (1 %(currency)s = %(rate)s)",
        idr=Money(total_idr, "IDR").format(lang),
        currency=currency,
        rate=Money(int(Decimal(rate).to_integral_value()), "IDR").format(lang),
    )
