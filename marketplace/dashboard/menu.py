"""The seller area's menu: its pages grouped by task, with what waits (parcels to ship, problem
reports to answer, low stock, questions).

templates/seller/_layout.html shows it on every seller page (through the context processor in
marketplace/dashboard/views.py); the entries live here only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.accounts.models import ActorRole
from marketplace.cases.models import Case, CaseStatus
from marketplace.catalogue.models import Product, ProductStatus, ProductVariant
from marketplace.menus import AreaMenu, MenuEntry, MenuGroup, build_menu
from marketplace.orders.models import Fulfilment, FulfilmentStatus
from marketplace.questions.services import waiting_count_select

SELLER_GROUPS: tuple[MenuGroup, ...] = (
    MenuGroup("shop", _l("Shop")),
    MenuGroup("products", _l("Products")),
    MenuGroup("orders", _l("Orders and money")),
)

SELLER_MENU: tuple[MenuEntry, ...] = (
    MenuEntry("seller.dashboard", _l("My shop"), group="shop"),
    MenuEntry("facilitators.payout_account", _l("Bank account for payouts"), group="shop", needs_values=True),
    MenuEntry("naikkelas.scorecard", _l("Naik kelas"), group="shop"),
    MenuEntry(
        "seller.shop_profile",
        _l("Shop profile"),
        group="shop",
        related=("seller.contact",),
        needs_values=True,
    ),
    MenuEntry("facilitators.manage", _l("Facilitators"), group="shop"),
    MenuEntry("audit.seller_history", _l("History"), group="shop"),
    MenuEntry(
        "seller.products",
        _l("Products"),
        group="products",
        related=(
            "seller.new_product",
            "seller.edit_product",
            "seller.preview",
            "seller.stock",
            "origin.sheet",
            "seller.variants",
            "seller.edit_variant",
        ),
    ),
    MenuEntry("seller.low_stock", _l("Low stock"), "low_stock", group="products"),
    MenuEntry("questions.seller_questions", _l("Questions from buyers"), "questions", group="products"),
    MenuEntry("seller.import_products", _l("Change many products at once (CSV)"), group="products"),
    MenuEntry("reviews.seller_reviews", _l("Reviews"), group="products"),
    MenuEntry(
        "labels.seller_labels",
        _l("Labels"),
        group="products",
        related=("labels.request_label", "labels.seller_evidence"),
    ),
    MenuEntry(
        "seller.orders",
        _l("Orders to ship"),
        "orders",
        group="orders",
        related=("seller.order", "seller.customs", "seller.packing_slip"),
    ),
    MenuEntry("payouts.seller_sales", _l("Sales and payouts"), group="orders"),
)


def waiting_counts(session: Session, seller_ids: Sequence[int]) -> dict[str, int]:
    """Paid parcels still to ship, variants (each size or colour; a product without options has
    one) at or under their product's low-stock threshold, the products they belong to, buyers'
    questions to answer and buyers' open problem reports: one query. "orders" is what the orders
    page holds for the shop to do: parcels to ship and reports to answer."""
    names = ("to_ship", "low_stock", "questions", "low_stock_products", "reports")
    if not seller_ids:
        return {**dict.fromkeys(names, 0), "orders": 0}
    row = session.execute(_waiting_counts_statement(), {"ids": list(seller_ids)}).one()
    counts = dict(zip(names, (int(value or 0) for value in row), strict=True))
    return {**counts, "orders": counts["to_ship"] + counts["reports"]}


@cache  # one statement, built once: on every seller page, building it cost more than running it
def _waiting_counts_statement() -> sa.Select:
    ids = sa.bindparam("ids", expanding=True)
    return sa.select(
        sa.select(sa.func.count())
        .select_from(Fulfilment)
        .where(Fulfilment.seller_id.in_(ids), Fulfilment.status == FulfilmentStatus.PROCESSING)
        .scalar_subquery(),
        _low_stock(ids, sa.func.count()),
        waiting_count_select(ids),
        # Counting products too: "9 sizes" may be only 3 products to restock.
        _low_stock(ids, sa.func.count(sa.distinct(Product.id))),
        sa.select(sa.func.count())
        .select_from(Case)
        .where(Case.seller_id.in_(ids), Case.status == CaseStatus.OPEN)
        .scalar_subquery(),
    )


def _low_stock(ids: sa.BindParameter, counted: sa.ColumnElement[int]) -> sa.ScalarSelect:
    """`counted` over the shops' variants at or under their product's low-stock threshold (the same
    rule as services.list_low_stock)."""
    return (
        sa.select(counted)
        .select_from(ProductVariant)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(
            Product.seller_id.in_(ids),
            Product.status.in_([ProductStatus.ACTIVE, ProductStatus.PENDING_REVIEW]),
            ProductVariant.stock <= Product.low_stock_threshold,
        )
        .scalar_subquery()
    )


def seller_menu(session: Session, roles: Mapping[int, str]) -> AreaMenu:
    """The menu for the current request; `roles` is {shop id: ActorRole.SELLER | FACILITATOR}.

    The bank account entry needs a shop: it is shown to the owner of exactly one shop (an owner of
    several changes each one from the dashboard; facilitators never change where the money goes).
    The shop profile entry (its WhatsApp contact page is reached from it) is shown to an account
    running exactly one shop (the dashboard links each shop's).
    """
    owned = [seller_id for seller_id, role in roles.items() if role == ActorRole.SELLER]
    url_values = {"facilitators.payout_account": {"seller_id": owned[0]}} if len(owned) == 1 else {}
    if len(roles) == 1:
        url_values["seller.shop_profile"] = {"seller_id": next(iter(roles))}
    return build_menu(SELLER_MENU, SELLER_GROUPS, waiting_counts(session, list(roles)), url_values=url_values)
