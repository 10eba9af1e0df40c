"""The bank-transfer panel of an unpaid order, precomputed for templates/payments/_bank_transfer.html."""

from __future__ import annotations

import re
from datetime import datetime

from flask import url_for
from flask_babel import gettext as _

from marketplace.money import money_text
from marketplace.orders.models import Order
from marketplace.orders.presenters import bank_details
from marketplace.payments.forms import TransferClaimForm
from marketplace.payments.models import TransferClaim
from marketplace.timezones import jakarta_time, time_left


def present_bank_transfer(
    order: Order, claim: TransferClaim | None, *, lang: str, now: datetime, token: str | None
) -> dict:
    """Where and how much to transfer, the deadline, the buyer's claim and its form."""
    values = {"token": token} if token else {}
    form = TransferClaimForm(
        formdata=None,
        data={
            "sender_name": claim.sender_name if claim else "",
            "sender_bank": claim.sender_bank if claim else "",
            "token": token or "",
        },
    )
    bank = bank_details()
    return {
        "bank": bank,
        #: Banking apps take the account number as digits only.
        "account_digits": re.sub(r"[^0-9]", "", bank["account_number"]),
        "number": order.number,
        "amount": money_text(order.total_minor, order.currency, lang),
        #: What a banking app's amount field takes: whole rupiah, digits only.
        "amount_digits": str(order.total_minor),
        "due": jakarta_time(order.payment_due_at, lang),
        "due_iso": order.payment_due_at.isoformat(),
        "time_left": time_left(order.payment_due_at, now=now, lang=lang),
        "claimed": claim is not None,
        "claimed_at": jakarta_time(claim.updated_at, lang) if claim else "",
        "receipt_url": url_for("payments.transfer_receipt", number=order.number, **values)
        if claim is not None and claim.receipt_key
        else None,
        "claim_url": url_for("payments.transfer_claim", number=order.number),
        "submit_label": _("Update what I told you") if claim is not None else _("I have transferred"),
        "form": form,
    }
