"""The shop's labels: its kind and status as people read them, a payout account as short text.

Shared by the seller's dashboard and the curator queue (both above seller in the layers).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from marketplace.seller.models import SellerStatus

SELLER_STATUS_LABELS = {
    SellerStatus.PENDING: _l("Waiting for approval"),
    SellerStatus.APPROVED: _l("Approved"),
    SellerStatus.REJECTED: _l("Not approved"),
    SellerStatus.SUSPENDED: _l("Suspended"),
}

SELLER_KIND_LABELS = {
    "individual": _l("Individual artisan"),
    "kub": _l("Artisan group (KUB)"),
    "bumdes": _l("Village enterprise (BUMDes)"),
}


def seller_kind_label(kind: str) -> str:
    return str(SELLER_KIND_LABELS.get(kind, kind))


def seller_status_label(status) -> str:
    return str(SELLER_STATUS_LABELS.get(status, status))


def payout_text(account) -> str:
    """ "BRI ••••1234 (Sari Wulandari)": enough for the seller to recognise it, not to copy it."""
    if account is None:
        return ""
    return f"{account.bank_name} ••••{account.account_number[-4:]} ({account.account_holder})"
