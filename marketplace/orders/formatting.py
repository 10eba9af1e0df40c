"""Order and parcel status labels, as views and presenters hand them to templates."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

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
