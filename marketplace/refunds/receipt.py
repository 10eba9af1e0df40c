"""The buyer's printable receipt, `/orders/<number>/receipt`: the order, the payment and refunds.

Served from here because a receipt shows refunds (this domain), on top of the order's part
(`orders.receipt.present_receipt`). Who may open it: exactly who may open the order page
(`orders.views.order_for_request`): the logged-in buyer, or a guest through the signed link.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for

from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.money import money_text
from marketplace.orders.presenters import buyer_status_label
from marketplace.orders.receipt import PAYMENT_METHOD_LABELS, present_receipt
from marketplace.orders.views import order_for_request
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.presenters import STATUS_LABELS, refund_left_failed
from marketplace.refunds.queries import list_order_refunds
from marketplace.timezones import HOME_ZONE, ReaderZone, buyer_time

bp = Blueprint("receipts", __name__)


def refund_rows(refunds: list[Refund], lang: str, where: ReaderZone = HOME_ZONE) -> list[dict]:
    """Refunds the buyer gets (done, or asked of Stripe and not confirmed yet); failed ones are not.
    Times where the buyer reads the order's (`where`, as the receipt's other times)."""
    return [
        {
            "when": buyer_time(refund.confirmed_at or refund.created_at, lang, where),
            "amount": money_text(refund.amount_minor, refund.currency, lang),
            "method": str(PAYMENT_METHOD_LABELS.get(refund.method, refund.method)),
            "status": str(STATUS_LABELS.get(str(refund.status), refund.status)),
        }
        for refund in refunds
        if refund.status != RefundStatus.FAILED
    ]


@bp.get("/orders/<number>/receipt")
def show(number: str):
    order, token = order_for_request(number)
    lang = current_language()
    receipt = present_receipt(order, lang=lang)
    every_refund = list_order_refunds(db.session, order)
    if refund_left_failed(every_refund):  # as the order page says it: not "your refund is on its way"
        receipt["status_label"] = buyer_status_label(order, refund_failed=True)
    refunds = [r for r in every_refund if r.status != RefundStatus.FAILED]
    receipt["refunds"] = refund_rows(refunds, lang, receipt["reader_zone"])
    receipt["refunded_total"] = (
        money_text(sum(r.amount_minor for r in refunds), order.currency, lang) if refunds else ""
    )
    order_url = url_for("orders.show", number=order.number, token=token)
    return (
        render_template("orders/receipt.html", receipt=receipt, order_url=order_url),
        200,
        {"Cache-Control": "no-store"},
    )
