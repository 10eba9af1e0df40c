"""The monitoring dashboard's sales summaries (issue 16), kept by `monitoring.summary`.

Both hold the paid orders of `monitoring.sales` (paid_at set, not cancelled), per Jakarta day of
`paid_at`, in rupiah (`unit_price_idr * quantity`), and always equal the GROUP BY over the order
lines they replace (tests/monitoring/test_summary.py holds them to it).
"""

from __future__ import annotations

from datetime import date
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db

#: `village_id` / `cluster_id` of the rows counting every village / every cluster.
ANY = 0
#: `cluster_id` (and `product_id`) of lines whose product was deleted since ("unknown").
NO_PRODUCT = -1


class SalesDayGroup(db.Model):
    """One Jakarta day's paid sales in a village (the shop's) × cluster (the product's), either of
    them possibly ANY, so that an order touching a group counts once in it, as the dashboard counts.

    Stores the current village and cluster: `monitoring.summary` moves the orders' counts when a
    shop changes village or a product its cluster, in the same flush.
    """

    __tablename__ = "sales_day_groups"

    village_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cluster_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Jakarta calendar day of the orders' `paid_at`.
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    #: Orders with at least one line in the group.
    orders: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    #: Whole rupiah: the lines' `unit_price_idr * quantity`.
    sales_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SalesDayProduct(db.Model):
    """One Jakarta day's paid sales of one product (NO_PRODUCT: deleted products of the shop).

    Village and cluster are read from the shop and product at query time.
    """

    __tablename__ = "sales_day_products"
    __table_args__ = (sa.Index("ix_sales_day_products_seller_day", "seller_id", "day"),)

    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seller_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    #: Orders with at least one line of the product.
    orders: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    sales_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)


#: Length of a buyer key: an account id, or a guest's e-mail address (orders.email) in lower case.
BUYER_KEY_LENGTH = 320


class SalesDayBuyer(db.Model):
    """One buyer's paid orders of one Jakarta day in a village × cluster group (either possibly
    ANY), shipped at home (`domestic` 1) or abroad (0): the dashboard's buyer figures count the
    distinct buyers of these rows. Kept and regrouped with SalesDayGroup.

    Distinct buyers of a day range are not a sum of days, so each row also links to the buyer's
    previous row of the group (`prev_day`, `prev_any_day`): the distinct buyers of `start..end` are
    the rows of the range whose previous day is before `start` (or none), a count over the range's
    rows instead of grouping them by buyer. `first_day` copies SalesBuyer's, so the new/repeat
    split is a sum too. The three are recomputed for every buyer whose rows a change touches
    (`monitoring.summary.relink`); rows with no orders left have them NULL.
    """

    __tablename__ = "sales_day_buyers"
    __table_args__ = (
        sa.Index("ix_sales_day_buyers_buyer", "buyer"),
        # The buyers figure reads only these columns of a range: an index-only scan on PostgreSQL
        # (3 years: 280 → 130 ms); SQLite has no INCLUDE and gets the plain index.
        sa.Index(
            "ix_sales_day_buyers_range",
            "village_id",
            "cluster_id",
            "day",
            postgresql_include=[
                "domestic",
                "orders",
                "units",
                "sales_idr",
                "prev_day",
                "prev_any_day",
                "first_day",
            ],
        ),  # fmt: skip
    )

    village_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    cluster_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    day: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    #: The account id (as text) for members, the e-mail in lower case for guests (monitoring.sales).
    buyer: Mapped[str] = mapped_column(sa.String(BUYER_KEY_LENGTH), primary_key=True)
    domestic: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    orders: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    sales_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: The buyer's previous day with orders in this group and `domestic` (NULL: none before).
    prev_day: Mapped[Optional[date]] = mapped_column(sa.Date)
    #: The previous row of the buyer in this group in (day, domestic) order, whatever `domestic`.
    prev_any_day: Mapped[Optional[date]] = mapped_column(sa.Date)
    #: The buyer's first paid day on the market (SalesBuyer.first_day).
    first_day: Mapped[Optional[date]] = mapped_column(sa.Date)


class SalesBuyer(db.Model):
    """The Jakarta day of a buyer's first paid order on the market ("new" buyers of a range)."""

    __tablename__ = "sales_buyers"

    buyer: Mapped[str] = mapped_column(sa.String(BUYER_KEY_LENGTH), primary_key=True)
    first_day: Mapped[date] = mapped_column(sa.Date)


class SalesMonthProduct(db.Model):
    """SalesDayProduct summed per Jakarta month (`month`: its first day), so that a range's top
    products read its whole months here and only the days of its partial months by day (an order
    is on one day, so its count adds up across days)."""

    __tablename__ = "sales_month_products"
    __table_args__ = (
        # Top products read these columns of a run of months: an index-only scan on PostgreSQL.
        sa.Index(
            "ix_sales_month_products_range",
            "month",
            postgresql_include=["product_id", "seller_id", "orders", "units", "sales_idr"],
        ),
    )

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seller_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    orders: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    sales_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SalesProductTotal(db.Model):
    """A product's paid sales ever, and the months its SalesMonthRunning rows span (`first_month`
    to `last_month`, every month in between; NULL: none yet). The row is also the lock that
    serialises changes to the product's running rows (`monitoring.summary._add_running`)."""

    __tablename__ = "sales_product_totals"

    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seller_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    first_month: Mapped[Optional[date]] = mapped_column(sa.Date)
    last_month: Mapped[Optional[date]] = mapped_column(sa.Date)
    orders: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    sales_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SalesMonthRunning(db.Model):
    """A product's paid sales from its first month through the end of `month` (a running total),
    for every month from its total's `first_month` to `last_month`: a range of whole months is
    the difference of two months' rows, one row per product however long the range (top products,
    3 years: ~300,000 product-months summed before, two lookups of ~10,000 rows now). Past
    `last_month` the total's row holds the value; before `first_month` it is zero."""

    __tablename__ = "sales_month_running"
    __table_args__ = (
        sa.Index(
            "ix_sales_month_running_month",
            "month",
            postgresql_include=["product_id", "seller_id", "orders", "units", "sales_idr"],
        ),
    )

    month: Mapped[date] = mapped_column(sa.Date, primary_key=True)
    product_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seller_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    orders: Mapped[int] = mapped_column(default=0)
    units: Mapped[int] = mapped_column(default=0)
    sales_idr: Mapped[int] = mapped_column(sa.BigInteger, default=0)
