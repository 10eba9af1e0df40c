"""The HTTP answer carrying a buyer's transfer receipt photo, for the buyer's and curators' views."""

from __future__ import annotations

from flask import current_app

from marketplace.media import get_storage
from marketplace.payments.models import TransferClaim
from marketplace.payments.transfers import RECEIPT_CONTENT_TYPE, read_receipt
from marketplace.views_support import private_file


def receipt_response(claim: TransferClaim | None, *, order_number: str):
    """The receipt (our own re-encoded WebP) shown inline, never cached, in a sandbox; 404 if none."""
    data = read_receipt(get_storage(current_app), claim)
    return private_file(data, mimetype=RECEIPT_CONTENT_TYPE, download_name=f"receipt-{order_number}.webp")
