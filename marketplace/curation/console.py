"""The curator console's frame: its menu and the counts of what waits, shown on every curator page.

Every domain with curator pages adds its entry to CONSOLE_MENU; entries whose endpoint is not
registered are left out, so the menu never links to a page that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.catalogue.models import (
    LabelStatus,
    Product,
    ProductLabel,
    ProductStatus,
    Seller,
    SellerStatus,
)
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.seller.models import ProductRevision, RevisionStatus


@dataclass(frozen=True)
class MenuEntry:
    endpoint: str
    label: object  # a lazy string, rendered in the request's language
    #: Key into waiting_counts() whose number is shown beside the entry.
    count_key: Optional[str] = None


CONSOLE_MENU: tuple[MenuEntry, ...] = (
    MenuEntry("curation.overview", _l("Overview")),
    MenuEntry("curation.applications", _l("Seller applications"), "applications"),
    MenuEntry("curation.products", _l("Products to review"), "products"),
    MenuEntry("labels.queue", _l("Label requests"), "labels"),
    MenuEntry("labels.registry", _l("Label registry")),
    MenuEntry("curation.featured", _l("Featured")),
    MenuEntry("monitoring.dashboard", _l("Monitoring")),
    MenuEntry("mentoring.index", _l("Mentoring")),
    MenuEntry("naikkelas.levels", _l("Naik kelas")),
    MenuEntry("curation.transfers", _l("Bank transfers"), "transfers"),
    MenuEntry("refunds.index", _l("Refunds"), "refunds"),
    MenuEntry("payouts.index", _l("Payouts")),
    MenuEntry("markets.rates", _l("Exchange rates")),
    MenuEntry("shipping.zones", _l("Shipping rates")),
    MenuEntry("facilitators.curator_index", _l("Facilitators")),
    MenuEntry("audit.log", _l("Audit log")),
)


def waiting_counts(session: Session) -> dict[str, int]:
    """How many items wait in each curator queue: one query, whatever the size of the catalogue."""
    pending_revisions = (
        sa.select(sa.func.count())
        .select_from(ProductRevision)
        .where(ProductRevision.status == RevisionStatus.PENDING)
        .scalar_subquery()
    )
    new_products = (
        sa.select(sa.func.count())
        .select_from(Product)
        .where(Product.status == ProductStatus.PENDING_REVIEW)
        .scalar_subquery()
    )
    row = session.execute(
        sa.select(
            sa.select(sa.func.count())
            .select_from(Seller)
            .where(Seller.status == SellerStatus.PENDING)
            .scalar_subquery(),
            new_products + pending_revisions,
            sa.select(sa.func.count())
            .select_from(ProductLabel)
            .where(ProductLabel.status == LabelStatus.REQUESTED)
            .scalar_subquery(),
            sa.select(sa.func.count())
            .select_from(Order)
            .where(
                Order.status == OrderStatus.AWAITING_PAYMENT,
                Order.payment_method == PaymentMethod.BANK_TRANSFER,
            )
            .scalar_subquery(),
            _refunds_due(),
        )
    ).one()
    keys = ("applications", "products", "labels", "transfers", "refunds")
    return dict(zip(keys, (int(value or 0) for value in row), strict=True))


def _refunds_due():
    from marketplace.payments.models import Payment

    return (
        sa.select(sa.func.count())
        .select_from(Payment)
        .where(Payment.needs_refund.is_(True))
        .scalar_subquery()
    )


def console_menu(session: Session) -> list[dict]:
    """The menu for the current request: label, url, count, and whether it is the current page."""
    counts = waiting_counts(session)
    views = current_app.view_functions
    items = []
    for entry in CONSOLE_MENU:
        if entry.endpoint not in views:
            continue
        count = counts.get(entry.count_key) if entry.count_key else None
        items.append(
            {
                "label": entry.label,
                "url": url_for(entry.endpoint),
                "count": count,
                "current": request.endpoint == entry.endpoint,
            }
        )
    return items
