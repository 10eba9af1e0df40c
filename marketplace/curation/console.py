"""The curator console's frame: its menu and the counts of what waits, shown on every curator page.

Every domain with curator pages adds its entry to CONSOLE_MENU, in the group of its task; entries
whose endpoint is not registered are left out, so the menu never links to a page that does not exist.
"""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.cases.models import Case, CaseStatus
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.menus import AreaMenu, MenuEntry, MenuGroup, build_menu
from marketplace.orders.models import Order, OrderStatus, PaymentMethod
from marketplace.payments.models import Payment
from marketplace.questions.services import reported_count_select
from marketplace.refunds.cancellation import count_open_transfers_query
from marketplace.refunds.queries import count_open_failures_query
from marketplace.reviews.models import Review
from marketplace.seller.models import ProfileChangeStatus, Seller, SellerStatus, ShopProfileRevision

CONSOLE_GROUPS: tuple[MenuGroup, ...] = (
    MenuGroup("queues", _l("Queues")),
    MenuGroup("catalogue", _l("Catalogue")),
    MenuGroup("money", _l("Money")),
    MenuGroup("programme", _l("Programme")),
    MenuGroup("audit", _l("Audit")),
)

CONSOLE_MENU: tuple[MenuEntry, ...] = (
    MenuEntry("curation.overview", _l("Overview"), group="queues"),
    MenuEntry("curation.applications", _l("Seller applications"), "applications", group="queues"),
    MenuEntry(
        "curation.products",
        _l("Products to review"),
        "products",
        group="queues",
        related=("curation.product_review",),
    ),
    MenuEntry(
        "curation.shop_profiles",
        _l("Shop profiles to review"),
        "shop_profiles",
        group="queues",
        related=("curation.shop_profile_review",),
    ),
    MenuEntry(
        "labels.queue", _l("Label requests"), "labels", group="queues", related=("labels.curator_evidence",)
    ),
    MenuEntry("curation.transfers", _l("Bank transfers"), "transfers", group="queues"),
    MenuEntry("refunds.index", _l("Refunds"), "refunds", group="queues", related=("refunds.order",)),
    MenuEntry("cases.queue", _l("Problem reports"), "cases", group="queues", related=("cases.show",)),
    MenuEntry("questions.curator_questions", _l("Reported questions"), "questions", group="queues"),
    MenuEntry("reviews.queue", _l("Reported reviews"), "reported_reviews", group="queues"),
    MenuEntry("curation.late_parcels", _l("Late parcels"), group="queues"),
    MenuEntry(
        "curation.featured",
        _l("Featured"),
        group="catalogue",
        related=("curation.edit_featured", "curation.featured_preview", "curation.featured_fairness"),
    ),
    MenuEntry(
        "labels.types", _l("Label types"), group="catalogue", related=("labels.new_type", "labels.edit_type")
    ),
    MenuEntry("labels.registry", _l("Label registry"), group="catalogue"),
    MenuEntry("origin.curator_tags", _l("Origin tags"), group="catalogue", related=("origin.curator_tag",)),
    MenuEntry("payouts.index", _l("Payouts"), group="money"),
    MenuEntry("payouts.commission", _l("Commission"), group="money"),
    MenuEntry("markets.rates", _l("Exchange rates"), group="money"),
    MenuEntry("shipping.zones", _l("Shipping rates"), group="money", related=("shipping.edit_rate",)),
    MenuEntry("shipping.couriers", _l("Couriers"), group="money", related=("shipping.edit_courier",)),
    MenuEntry("monitoring.dashboard", _l("Monitoring"), group="programme"),
    MenuEntry("mentoring.index", _l("Mentoring"), group="programme", related=("mentoring.seller_log",)),
    MenuEntry("naikkelas.levels", _l("Naik kelas"), group="programme"),
    MenuEntry(
        "facilitators.curator_index",
        _l("Facilitators"),
        group="programme",
        related=("facilitators.curator_links",),
    ),
    MenuEntry("audit.log", _l("Audit log"), group="audit"),
    MenuEntry("jobs.index", _l("Scheduled jobs"), group="audit"),
)


def waiting_counts(session: Session) -> dict[str, int]:
    """How many items wait in each curator queue: one query, whatever the size of the catalogue."""
    row = session.execute(_waiting_counts_statement()).one()
    keys = (
        "applications", "products", "labels", "transfers", "refunds", "questions", "reported_reviews",
        "shop_profiles", "cases",
    )  # fmt: skip
    return dict(zip(keys, (int(value or 0) for value in row), strict=True))


@cache  # one statement, built once: on every curator page, building it cost more than running it
def _waiting_counts_statement() -> sa.Select:
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
    return sa.select(
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
        reported_count_select(),
        sa.select(sa.func.count())
        .select_from(Review)
        .where(Review.open_reports > 0, Review.hidden_at.is_(None))
        .scalar_subquery(),
        sa.select(sa.func.count())
        .select_from(ShopProfileRevision)
        .where(ShopProfileRevision.status == ProfileChangeStatus.PENDING)
        .scalar_subquery(),
        # Open problem reports: each waits for a curator's decision (ix_cases_status_opened).
        sa.select(sa.func.count()).select_from(Case).where(Case.status == CaseStatus.OPEN).scalar_subquery(),
    )


def _refunds_due():
    cancelled = count_open_transfers_query()  # one per transfer to make, not per cancelled part
    failed = count_open_failures_query()  # card refunds Stripe failed: a curator decides what next
    flagged = (
        sa.select(sa.func.count())
        .select_from(Payment)
        # `= true`, not `IS true`: the partial index ix_payments_needs_refund serves only the former.
        .where(Payment.needs_refund == sa.true())
        .scalar_subquery()
    )
    return flagged + cancelled + failed


def console_menu(session: Session) -> AreaMenu:
    """The menu for the current request: groups of entries with their counts, the current page."""
    return build_menu(CONSOLE_MENU, CONSOLE_GROUPS, waiting_counts(session))
