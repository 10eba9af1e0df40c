"""Keeps the monitoring summaries (`SalesDayGroup`, `SalesDayProduct`) in step with the orders.

An order enters the summaries when it becomes paid (`signals.order_paid`) and leaves them when
the confirmation is undone (`signals.order_payment_reversed`): the only two ways an order enters
or leaves "paid, not cancelled" (a paid order is never cancelled as a whole; a refund keeps it a
sale, as the dashboard always counted it). Both run in the transaction that changes the order, as
an upsert adding to the rows (two payments on one day never lose either count), in one key order.

`SalesDayGroup` stores the shop's village and the product's cluster, because an order is counted
once per group and that cannot be summed from per-product rows: when a flush changes a shop's
`village_id` or a product's `cluster_id`, the orders holding its lines are taken out of the
groups as they were and put back as they are now (`_after_flush`), in that flush.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, attributes

from marketplace import signals
from marketplace.catalogue.models import Product
from marketplace.monitoring.models import (
    ANY,
    NO_PRODUCT,
    SalesBuyer,
    SalesDayBuyer,
    SalesDayGroup,
    SalesDayProduct,
    SalesMonthProduct,
    SalesMonthRunning,
    SalesProductTotal,
)
from marketplace.orders.models import Order, OrderLine, OrderStatus
from marketplace.seller.models import Seller
from marketplace.timezones import jakarta_date
from marketplace.upserts import adding_upsert

#: (orders, units, sales_idr) added to one row.
Sums = dict[tuple, list[int]]


def _lines(conn, order_condition) -> list[sa.Row]:
    return conn.execute(
        sa.select(
            OrderLine.order_id,
            OrderLine.seller_id,
            OrderLine.product_id,
            OrderLine.quantity,
            (OrderLine.unit_price_idr * OrderLine.quantity).label("amount"),
        )
        .where(order_condition)
        .order_by(OrderLine.order_id, OrderLine.id)
    ).all()


def _mapping(conn, lines: Iterable[sa.Row]) -> tuple[dict[int, int], dict[int, int]]:
    """{seller id: village id}, {product id: cluster id} as the database holds them now."""
    seller_ids = sorted({line.seller_id for line in lines})
    product_ids = sorted({line.product_id for line in lines if line.product_id is not None})
    villages = dict(
        conn.execute(sa.select(Seller.id, Seller.village_id).where(Seller.id.in_(seller_ids))).all()
    )
    clusters = (
        dict(conn.execute(sa.select(Product.id, Product.cluster_id).where(Product.id.in_(product_ids))).all())
        if product_ids
        else {}
    )
    return villages, clusters


def _group_sums(
    lines: Iterable[sa.Row],
    days: Mapping[int, date],
    villages: Mapping[int, int],
    clusters: Mapping[int, int],
    buyers: Mapping[int, tuple[str, int]] | None = None,
) -> Sums:
    """What the orders of `lines` add to SalesDayGroup (with `buyers`, {order id: (buyer key,
    domestic)}: to SalesDayBuyer): each order once in every group it touches."""
    sums: Sums = defaultdict(lambda: [0, 0, 0])
    touched: dict[int, set[tuple]] = defaultdict(set)
    for line in lines:
        day = days[line.order_id]
        village = villages[line.seller_id]
        cluster = clusters.get(line.product_id, NO_PRODUCT) if line.product_id is not None else NO_PRODUCT
        suffix = buyers[line.order_id] if buyers is not None else ()
        for key in ((ANY, ANY, day), (village, ANY, day), (ANY, cluster, day), (village, cluster, day)):
            key = (*key, *suffix)
            touched[line.order_id].add(key)
            sums[key][1] += line.quantity
            sums[key][2] += line.amount
    for keys in touched.values():
        for key in keys:
            sums[key][0] += 1
    return sums


def _product_sums(lines: Iterable[sa.Row], days: Mapping[int, date]) -> Sums:
    sums: Sums = defaultdict(lambda: [0, 0, 0])
    touched: set[tuple] = set()
    for line in lines:
        key = (
            days[line.order_id],
            line.product_id if line.product_id is not None else NO_PRODUCT,
            line.seller_id,
        )
        if (line.order_id, key) not in touched:
            touched.add((line.order_id, key))
            sums[key][0] += 1
        sums[key][1] += line.quantity
        sums[key][2] += line.amount
    return sums


def _upsert(conn, table: sa.Table, key_columns: tuple[str, ...], sums: Sums, sign: int) -> None:
    rows = [
        {
            **dict(zip(key_columns, key, strict=True)),
            "orders": sign * o,
            "units": sign * u,
            "sales_idr": sign * s,
        }
        for key, (o, u, s) in sorted(sums.items())  # one lock order: no deadlocks
        if o or u or s
    ]
    if rows:
        conn.execute(adding_upsert(table, key_columns, _SUMMED, conn.dialect.name), rows)


_GROUP_KEY = ("village_id", "cluster_id", "day")
_BUYER_KEY = ("village_id", "cluster_id", "day", "buyer", "domestic")
_PRODUCT_KEY = ("day", "product_id", "seller_id")
_MONTH_PRODUCT_KEY = ("month", "product_id", "seller_id")
#: Buyers whose rows one statement reads in `relink`.
_RELINK_CHUNK = 500


def _by_month(sums: Sums) -> Sums:
    """Product day sums folded into months (orders add up: an order is on one day)."""
    months: Sums = defaultdict(lambda: [0, 0, 0])
    for (day, *rest), values in sums.items():
        month = months[(day.replace(day=1), *rest)]
        for index, value in enumerate(values):
            month[index] += value
    return months


_SUMMED = ("orders", "units", "sales_idr")


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _months(first: date, last: date) -> Iterator[date]:
    month = first
    while month <= last:
        yield month
        month = next_month(month)


def _add_running(conn, month_sums: Sums, sign: int) -> None:
    """Add product month sums to SalesMonthRunning and SalesProductTotal.

    Each product's total row is locked first (products in key order), so its running rows change
    one transaction at a time: a sale in month M adds to the rows from M on, and extends the span
    with the carried total (months after `last_month`) or zeros (before `first_month`).
    """
    if not month_sums:
        return
    totals, running = SalesProductTotal.__table__, SalesMonthRunning.__table__
    postgres = conn.dialect.name == "postgresql"
    by_product: dict[tuple[int, int], dict[date, list[int]]] = defaultdict(dict)
    for (month, product_id, seller_id), values in month_sums.items():
        by_product[(product_id, seller_id)][month] = [sign * value for value in values]
    keys = sorted(by_product)
    conn.execute(
        adding_upsert(totals, ("product_id", "seller_id"), (), conn.dialect.name),
        [{"product_id": p, "seller_id": s, "orders": 0, "units": 0, "sales_idr": 0} for p, s in keys],
    )
    current = sa.select(totals).where(sa.tuple_(totals.c.product_id, totals.c.seller_id).in_(keys))
    if postgres:
        current = current.order_by(totals.c.product_id, totals.c.seller_id).with_for_update()
    found = {(row.product_id, row.seller_id): row for row in conn.execute(current)}
    rows, spans = [], []
    for key in keys:
        total, deltas = found[key], by_product[key]
        first = min(deltas) if total.first_month is None else min(total.first_month, *deltas)
        last = max(deltas) if total.last_month is None else max(total.last_month, *deltas)
        added = [0, 0, 0]
        for month in _months(first, last):
            for index, value in enumerate(deltas.get(month, ())):
                added[index] += value
            if total.first_month is not None and total.first_month <= month <= total.last_month:
                if any(added):  # the row exists: the upsert adds to it
                    rows.append((month, *key, *added))
            elif total.last_month is not None and month > total.last_month:
                carried = (total.orders, total.units, total.sales_idr)
                rows.append((month, *key, *(a + b for a, b in zip(carried, added, strict=True))))
            else:  # before the product's first month: nothing before it
                rows.append((month, *key, *added))
        spans.append({"p": key[0], "s": key[1], "first": first, "last": last, "o": added[0],
                      "u": added[1], "v": added[2]})  # fmt: skip
    if rows:
        conn.execute(
            adding_upsert(running, _MONTH_PRODUCT_KEY, _SUMMED, conn.dialect.name),
            [dict(zip(("month", "product_id", "seller_id", *_SUMMED), row, strict=True)) for row in rows],
        )
    conn.execute(
        totals.update()
        .where(totals.c.product_id == sa.bindparam("p"), totals.c.seller_id == sa.bindparam("s"))
        .values(
            first_month=sa.bindparam("first"),
            last_month=sa.bindparam("last"),
            orders=totals.c.orders + sa.bindparam("o"),
            units=totals.c.units + sa.bindparam("u"),
            sales_idr=totals.c.sales_idr + sa.bindparam("v"),
        ),
        spans,
    )


def relink(conn, buyers: Iterable[str]) -> None:
    """Recompute `prev_day`, `prev_any_day` and `first_day` of these buyers' SalesDayBuyer rows
    from the rows themselves (rows without orders get NULL), writing only the rows that differ.

    A buyer has a few rows per group and day they bought on, so this reads tens of rows by
    `ix_sales_day_buyers_buyer`; it runs after every change to the rows, in the same transaction.
    """
    table = SalesDayBuyer.__table__
    columns = ("prev_day", "prev_any_day", "first_day")
    ordered = sorted(set(buyers))
    for index in range(0, len(ordered), _RELINK_CHUNK):
        chunk = ordered[index : index + _RELINK_CHUNK]
        rows = conn.execute(
            sa.select(
                table.c.buyer, table.c.village_id, table.c.cluster_id, table.c.day, table.c.domestic,
                table.c.orders, *(table.c[name] for name in columns),
            )
            .where(table.c.buyer.in_(chunk))
            .order_by(table.c.buyer, table.c.village_id, table.c.cluster_id, table.c.day, table.c.domestic)
        ).all()  # fmt: skip
        first: dict[str, date] = {}
        for row in rows:
            if row.orders > 0 and row.village_id == ANY and row.cluster_id == ANY:
                first.setdefault(row.buyer, row.day)  # rows come in day order
        last_day: dict[tuple, date] = {}
        last_any: dict[tuple, date] = {}
        changed = []
        for row in rows:
            if row.orders > 0:
                group = (row.buyer, row.village_id, row.cluster_id)
                wanted = (last_day.get((*group, row.domestic)), last_any.get(group), first.get(row.buyer))
                last_day[(*group, row.domestic)] = row.day
                last_any[group] = row.day
            else:
                wanted = (None, None, None)
            if wanted != (row.prev_day, row.prev_any_day, row.first_day):
                changed.append(
                    {
                        "b_buyer": row.buyer, "b_village": row.village_id, "b_cluster": row.cluster_id,
                        "b_day": row.day, "b_domestic": row.domestic,
                        **dict(zip(columns, wanted, strict=True)),
                    }
                )  # fmt: skip
        if changed:
            conn.execute(
                table.update()
                .where(
                    table.c.village_id == sa.bindparam("b_village"),
                    table.c.cluster_id == sa.bindparam("b_cluster"),
                    table.c.day == sa.bindparam("b_day"),
                    table.c.buyer == sa.bindparam("b_buyer"),
                    table.c.domestic == sa.bindparam("b_domestic"),
                )
                .values({name: sa.bindparam(name) for name in columns}),
                changed,
            )


def buyer_key():
    """The buyer of an order: account id for members, e-mail for guests (ids hold no "@", so the two
    never collide). SQL, so that every database computes it as the dashboard always did."""
    return sa.case(
        (Order.buyer_id.is_not(None), sa.cast(Order.buyer_id, sa.String)),
        else_=sa.func.lower(Order.email),
    )


def _buyers(conn, order_ids: list[int]) -> dict[int, tuple[str, int]]:
    """{order id: (buyer key, 1 when shipped in Indonesia else 0)}."""
    domestic = sa.case((Order.ship_country == "ID", 1), else_=0)
    rows = conn.execute(sa.select(Order.id, buyer_key(), domestic).where(Order.id.in_(order_ids))).all()
    return {order_id: (buyer, int(home)) for order_id, buyer, home in rows}


def _first_days(conn, buyers: Iterable[str]) -> None:
    """Set each buyer's first paid day from their SalesDayBuyer rows (none left: no row)."""
    table = SalesBuyer.__table__
    for buyer in sorted(set(buyers)):
        first = conn.execute(
            sa.select(sa.func.min(SalesDayBuyer.day)).where(
                SalesDayBuyer.village_id == ANY,
                SalesDayBuyer.cluster_id == ANY,
                SalesDayBuyer.buyer == buyer,
                SalesDayBuyer.orders > 0,
            )
        ).scalar()
        conn.execute(sa.delete(table).where(table.c.buyer == buyer))
        if first is not None:
            conn.execute(sa.insert(table).values(buyer=buyer, first_day=first))


def _note_first_day(conn, buyer: str, day: date) -> None:
    table = SalesBuyer.__table__
    postgres = conn.dialect.name == "postgresql"
    insert = postgresql.insert if postgres else sqlite.insert
    stmt = insert(table).values(buyer=buyer, first_day=day)
    earliest = sa.func.least if postgres else sa.func.min  # SQLite's min() of two values is scalar
    conn.execute(
        stmt.on_conflict_do_update(
            index_elements=[table.c.buyer],
            set_={"first_day": earliest(table.c.first_day, stmt.excluded.first_day)},
        )
    )


def add_order(session: Session, order: Order, *, paid_at: datetime, sign: int = 1) -> None:
    """Add the order's lines, paid at `paid_at`, to the summaries (sign=-1: take them away)."""
    conn = session.connection()
    lines = _lines(conn, OrderLine.order_id == order.id)
    if not lines:
        return
    day = jakarta_date(paid_at)
    days = {order.id: day}
    villages, clusters = _mapping(conn, lines)
    buyers = _buyers(conn, [order.id])
    _upsert(conn, SalesDayGroup.__table__, _GROUP_KEY, _group_sums(lines, days, villages, clusters), sign)
    _upsert(
        conn, SalesDayBuyer.__table__, _BUYER_KEY, _group_sums(lines, days, villages, clusters, buyers), sign
    )
    product_sums = _product_sums(lines, days)
    _upsert(conn, SalesDayProduct.__table__, _PRODUCT_KEY, product_sums, sign)
    month_sums = _by_month(product_sums)
    _upsert(conn, SalesMonthProduct.__table__, _MONTH_PRODUCT_KEY, month_sums, sign)
    _add_running(conn, month_sums, sign)
    buyer = buyers[order.id][0]
    if sign > 0:
        _note_first_day(conn, buyer, day)
    else:
        _first_days(conn, [buyer])
    relink(conn, [buyer])


@signals.order_paid.connect
def _order_paid(sender, *, session, order, now, **kwargs) -> None:
    session.flush()
    if order.paid_at is not None and order.status != OrderStatus.CANCELLED:
        add_order(session, order, paid_at=order.paid_at)


@signals.order_payment_reversed.connect
def _payment_reversed(sender, *, session, order, paid_at, **kwargs) -> None:
    add_order(session, order, paid_at=paid_at, sign=-1)


# --- a shop moved village, a product changed cluster ---------------------------------------------


def _old_value(obj, name: str):
    history = attributes.get_history(obj, name)
    if history.deleted and history.added and history.deleted[0] != history.added[0]:
        return history.deleted[0]
    return None


def regroup(session: Session, *, old_villages: Mapping[int, int], old_clusters: Mapping[int, int]) -> None:
    """Move the paid orders holding lines of these shops/products from their old village/cluster
    groups to the current ones (the database already holds the new values)."""
    conn = session.connection()
    holding = sa.or_(
        OrderLine.seller_id.in_(sorted(old_villages)), OrderLine.product_id.in_(sorted(old_clusters))
    )
    paid = conn.execute(
        sa.select(Order.id, Order.paid_at).where(
            Order.paid_at.is_not(None),
            Order.status != OrderStatus.CANCELLED,
            Order.id.in_(sa.select(OrderLine.order_id).where(holding)),
        )
    ).all()
    if not paid:
        return
    days = {order_id: jakarta_date(paid_at) for order_id, paid_at in paid}
    lines = [line for line in _lines(conn, OrderLine.order_id.in_(sorted(days)))]
    villages, clusters = _mapping(conn, lines)
    old = ({**villages, **old_villages}, {**clusters, **old_clusters})
    order_buyers = _buyers(conn, sorted(days))
    for table, key_columns, buyers in (
        (SalesDayGroup.__table__, _GROUP_KEY, None),
        (SalesDayBuyer.__table__, _BUYER_KEY, order_buyers),
    ):
        delta: Sums = defaultdict(lambda: [0, 0, 0])
        for key, values in _group_sums(lines, days, villages, clusters, buyers).items():
            delta[key] = list(values)
        for key, values in _group_sums(lines, days, *old, buyers).items():
            delta[key] = [a - b for a, b in zip(delta[key], values, strict=True)]
        _upsert(conn, table, key_columns, delta, 1)
    relink(conn, [buyer for buyer, _domestic in order_buyers.values()])


# Load the old value when the attribute is set on an expired object (after a commit), so the
# flush's history holds what the groups were counted under.
@event.listens_for(Seller.village_id, "set", active_history=True)
@event.listens_for(Product.cluster_id, "set", active_history=True)
def _keep_old_value(target, value, oldvalue, initiator) -> None:
    pass


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context) -> None:
    old_villages: dict[int, int] = {}
    old_clusters: dict[int, int] = {}
    for obj in session.dirty:
        if isinstance(obj, Seller) and (old := _old_value(obj, "village_id")) is not None:
            old_villages[obj.id] = old
        elif isinstance(obj, Product) and (old := _old_value(obj, "cluster_id")) is not None:
            old_clusters[obj.id] = old
    if old_villages or old_clusters:
        regroup(session, old_villages=old_villages, old_clusters=old_clusters)


# --- the whole summaries from the order lines (migration 0020, bench seeding, tests) ------------

#: The Jakarta day of `orders.paid_at` in SQL (Asia/Jakarta has been UTC+7 without DST since 1964).
JAKARTA_DAY = {
    "postgresql": "CAST(o.paid_at AT TIME ZONE 'Asia/Jakarta' AS DATE)",
    "sqlite": "date(o.paid_at, '+7 hours')",
}


#: The first day of the month of a `day` column in SQL.
MONTH_OF_DAY = {
    "postgresql": "CAST(date_trunc('month', day) AS DATE)",
    "sqlite": "date(day, 'start of month')",
}

#: The first day of the month after a `month` column's.
NEXT_MONTH = {
    "postgresql": "CAST(month + interval '1 month' AS DATE)",
    "sqlite": "date(month, '+1 month')",
}


def running_sql(dialect: str) -> list[str]:
    """SalesProductTotal and SalesMonthRunning from SalesMonthProduct, set-based (rebuild_sql, and
    migration 0029's backfill holds a copy): every month from a product's first to its last."""
    sums = ", ".join(f"sum(COALESCE(s.{name}, 0)) OVER w" for name in ("orders", "units", "sales_idr"))
    return [
        "DELETE FROM sales_month_running",
        "DELETE FROM sales_product_totals",
        "INSERT INTO sales_product_totals (product_id, seller_id, first_month, last_month, orders, units, "
        "sales_idr) SELECT product_id, seller_id, min(month), max(month), sum(orders), sum(units), "
        "sum(sales_idr) FROM sales_month_products GROUP BY product_id, seller_id",
        "INSERT INTO sales_month_running (month, product_id, seller_id, orders, units, sales_idr) "  # noqa: S608
        "WITH RECURSIVE months (month) AS (SELECT min(month) FROM sales_month_products UNION ALL "
        f"SELECT {NEXT_MONTH[dialect]} FROM months "
        "WHERE month < (SELECT max(month) FROM sales_month_products)) "
        f"SELECT m.month, t.product_id, t.seller_id, {sums} FROM sales_product_totals t "
        "JOIN months m ON m.month BETWEEN t.first_month AND t.last_month "
        "LEFT JOIN sales_month_products s ON s.product_id = t.product_id AND s.seller_id = t.seller_id "
        "AND s.month = m.month "
        "WINDOW w AS (PARTITION BY t.product_id, t.seller_id ORDER BY m.month)",
    ]


#: SalesDayBuyer's links (`relink`) over a whole table `k` of (village_id, cluster_id, day, buyer,
#: domestic) rows with orders, as window functions.
LINKS = (
    "lag(k.day) OVER (PARTITION BY k.village_id, k.cluster_id, k.buyer, k.domestic ORDER BY k.day), "
    "lag(k.day) OVER (PARTITION BY k.village_id, k.cluster_id, k.buyer ORDER BY k.day, k.domestic), "
    "min(k.day) OVER (PARTITION BY k.buyer)"
)


def rebuild_sql(dialect: str) -> list[str]:
    """Statements that empty the summaries and fill them from the paid order lines, set-based.

    Migration 0020 holds a copy (migrations stay as written); bench/scale_seed.py runs these.
    """
    # Only constants of this module are formatted into the SQL.
    lines = (
        f"SELECT l.order_id, {JAKARTA_DAY[dialect]} AS day, s.village_id, "  # noqa: S608
        f"COALESCE(p.cluster_id, {NO_PRODUCT}) AS cluster_id, "
        f"COALESCE(l.product_id, {NO_PRODUCT}) AS product_id, "
        "l.seller_id, l.quantity, l.unit_price_idr * l.quantity AS amount, "
        "CASE WHEN o.buyer_id IS NOT NULL THEN CAST(o.buyer_id AS VARCHAR) ELSE lower(o.email) END AS buyer, "
        "CASE WHEN o.ship_country = 'ID' THEN 1 ELSE 0 END AS domestic "
        "FROM order_lines l JOIN orders o ON o.id = l.order_id JOIN sellers s ON s.id = l.seller_id "
        "LEFT JOIN products p ON p.id = l.product_id "
        "WHERE o.paid_at IS NOT NULL AND o.status != 'cancelled'"
    )
    sums = "count(DISTINCT order_id), sum(quantity), sum(amount)"

    def groups(extra: str) -> str:
        return " UNION ALL ".join(
            f"SELECT {village}, {cluster}, day{extra}, {sums} FROM paid_lines GROUP BY {by}{extra}"  # noqa: S608
            for village, cluster, by in (
                (ANY, ANY, "day"),
                ("village_id", ANY, "village_id, day"),
                (ANY, "cluster_id", "cluster_id, day"),
                ("village_id", "cluster_id", "village_id, cluster_id, day"),
            )
        )

    return [
        "DELETE FROM sales_day_groups",
        "DELETE FROM sales_day_buyers",
        "DELETE FROM sales_buyers",
        "DELETE FROM sales_day_products",
        "INSERT INTO sales_day_groups (village_id, cluster_id, day, orders, units, sales_idr) "
        f"WITH paid_lines AS ({lines}) {groups('')}",
        "INSERT INTO sales_day_buyers (village_id, cluster_id, day, buyer, domestic, orders, units, "  # noqa: S608
        "sales_idr, prev_day, prev_any_day, first_day) "
        f"WITH paid_lines AS ({lines}), kept (village_id, cluster_id, day, buyer, domestic, orders, units, "
        f"sales_idr) AS ({groups(', buyer, domestic')}) "
        f"SELECT k.*, {LINKS} FROM kept k",
        "INSERT INTO sales_buyers (buyer, first_day) "  # noqa: S608
        f"WITH paid_lines AS ({lines}) SELECT buyer, min(day) FROM paid_lines GROUP BY buyer",
        "INSERT INTO sales_day_products (day, product_id, seller_id, orders, units, sales_idr) "  # noqa: S608
        f"WITH paid_lines AS ({lines}) SELECT day, product_id, seller_id, {sums} FROM paid_lines "
        "GROUP BY day, product_id, seller_id",
        "DELETE FROM sales_month_products",
        "INSERT INTO sales_month_products (month, product_id, seller_id, orders, units, sales_idr) "  # noqa: S608
        f"SELECT {MONTH_OF_DAY[dialect]} AS month, product_id, seller_id, sum(orders), sum(units), "
        "sum(sales_idr) FROM sales_day_products GROUP BY 1, product_id, seller_id",
        *running_sql(dialect),
    ]
