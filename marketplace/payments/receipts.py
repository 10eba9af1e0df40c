"""The HTTP answer carrying a buyer's transfer receipt photo, for the buyer's and curators' views."""

from __future__ import annotations

import io

from flask import current_app, send_file

from marketplace.media import get_storage
from marketplace.payments.models import TransferClaim
from marketplace.payments.transfers import RECEIPT_CONTENT_TYPE, read_receipt


def receipt_response(claim: TransferClaim | None, *, order_number: str):
    """The receipt (our own re-encoded WebP) shown inline, never cached, in a sandbox; 404 if none."""
    data = read_receipt(get_storage(current_app), claim)
    response = send_file(
        io.BytesIO(data),
        mimetype=RECEIPT_CONTENT_TYPE,
        as_attachment=False,
        download_name=f"receipt-{order_number}.webp",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
