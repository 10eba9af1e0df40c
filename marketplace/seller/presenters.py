"""The shop's labels: its kind and status as people read them, a payout account as short text,
a workshop photo as an <img>.

Shared by the seller's dashboard and the curator queue (both above seller in the layers).
"""

from __future__ import annotations

from flask_babel import gettext, ngettext
from flask_babel import lazy_gettext as _l

from marketplace.i18n import localized
from marketplace.media import picture_attrs
from marketplace.seller.models import SellerStatus, WorkshopPhoto

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


def workshop_photo_view(photo: WorkshopPhoto, lang: str, *, width: int = 640) -> dict:
    """A workshop photo's `<img>` values (src, srcset of its WebP renditions, width, height) about
    `width` px wide, its description in `lang` as the alt text, and whether it waits for a curator."""
    return {
        **picture_attrs(photo, wanted_width=width),
        "id": photo.id,
        "alt": localized(photo, "alt", lang),
        "waiting": photo.approved_at is None,
    }


def low_stock_text(products: int, variants: int) -> str:
    """The dashboard's "running low" count as a seller thinks of it: products to restock, and the
    sizes or variants behind them when a product has several ("3 products (9 sizes or variants)")."""
    products_text = ngettext("%(num)d product", "%(num)d products", products)
    if variants <= products:
        return products_text
    variants_text = ngettext("%(num)d size or variant", "%(num)d sizes or variants", variants)
    return gettext("%(products)s (%(variants)s)", products=products_text, variants=variants_text)
