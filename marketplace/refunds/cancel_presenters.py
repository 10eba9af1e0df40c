"""The curators' queue of cancelled bank-transfer parts, precomputed for templates/refunds/_cancelled.html."""

from __future__ import annotations

from flask import url_for

from marketplace.money import money_text
from marketplace.orders.cancellation import BUYER_GAVE_NO_REASON
from marketplace.timezones import jakarta_time


def cancelled_rows(rows, lang: str) -> list[dict]:
    """The queue's rows: order, who cancelled, amount, where the money goes."""
    return [
        {
            "id": request.id,
            "number": order.number,
            "email": order.email,
            "when": jakarta_time(request.created_at, lang),
            "by_seller": cancellation.cancelled_by == "seller",
            # The stored stand-in for "no reason typed" is not a reason to show (nor in English).
            "reason": "" if cancellation.reason == BUYER_GAVE_NO_REASON else cancellation.reason,
            "amount": money_text(request.amount_minor, request.currency, lang),
            "bank_name": request.bank_name,
            "account_number": request.account_number,
            "account_holder": request.account_holder,
            "action": url_for("refunds.cancelled_done", request_id=request.id),
        }
        for request, order, cancellation in rows
    ]
