"""The curators' queue of cancelled bank-transfer parts, precomputed for templates/refunds/_cancelled.html."""

from __future__ import annotations

from flask import url_for

from marketplace.money import money_text
from marketplace.orders.cancellation import BUYER_GAVE_NO_REASON
from marketplace.timezones import jakarta_time


def cancelled_rows(transfers, lang: str) -> list[dict]:
    """The queue's rows, one per transfer to make (`cancellation.list_open_transfers`): the order,
    who cancelled what and why, the sum, where the money goes."""
    rows = []
    for transfer in transfers:
        first = transfer.requests[0]
        causes = []
        for cancellation in transfer.cancellations:
            cause = {
                "by_seller": cancellation.cancelled_by == "seller",
                # The stored stand-in for "no reason typed" is not a reason to show (nor in English).
                "reason": "" if cancellation.reason == BUYER_GAVE_NO_REASON else cancellation.reason,
            }
            if cause not in causes:
                causes.append(cause)
        rows.append(
            {
                "id": first.id,
                "number": transfer.order.number,
                "email": transfer.order.email,
                "when": jakarta_time(transfer.requests[-1].created_at, lang),
                "causes": causes,
                "parts": len(transfer.requests),
                "amount": money_text(transfer.amount_minor, transfer.currency, lang),
                "bank_name": first.bank_name,
                "account_number": first.account_number,
                "account_holder": first.account_holder,
                "action": url_for("refunds.cancelled_done", request_id=first.id),
            }
        )
    return rows
