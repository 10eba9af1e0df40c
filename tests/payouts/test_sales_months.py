"""The shops' kept sales months (`SellerSalesMonth`, issue 16) give the seller's sales page the same
figures as the order lines did: after payments across a Jakarta month boundary, an order of two
shops, a parcel cancelled after payment, an undone transfer and a deleted product."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.orders.cancellation import cancel_by_seller
from marketplace.orders.models import Order, OrderLine
from marketplace.payments import transfers
from marketplace.payouts import reports
from marketplace.payouts.models import WHOLE_SHOP, SellerSalesMonth
from marketplace.payouts.sales_totals import rebuild_sql
from tests.factories import make_product, make_user
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop, paid_order

NOW = datetime(2026, 11, 28, 5, 0, tzinfo=UTC)


def _rows(session) -> dict:
    """The rows with something in them, but a deleted product's (kept; the page reads its lines)."""
    products = set(session.scalars(sa.select(Product.id))) | {WHOLE_SHOP}
    return {
        (row.seller_id, row.month, row.product_id): (row.orders, row.units, row.revenue_idr)
        for row in session.scalars(sa.select(SellerSalesMonth))
        if (row.orders or row.units or row.revenue_idr) and row.product_id in products
    }


def _agree(session, seller_ids: list[int]) -> None:
    session.expire_all()
    for seller_id in seller_ids:
        kept = reports.monthly_sales(session, [seller_id], now=NOW)
        raw = reports.monthly_sales_from_lines(session, [seller_id], now=NOW)
        assert kept == raw
        assert any(month.orders for month in kept), "no sales: the test would prove nothing"
        for limit in (1, 2, 5):
            assert reports.top_products(session, [seller_id], now=NOW, limit=limit) == (
                reports.top_products_from_lines(session, [seller_id], now=NOW, limit=limit)
            )
    # The set-based fill (migration, seed) gives the same rows as the receivers kept.
    kept_rows = _rows(session)
    conn = session.connection()
    for statement in rebuild_sql(conn.dialect.name):
        conn.exec_driver_sql(statement)
    session.expire_all()
    assert _rows(session) == kept_rows


def test_kept_months_follow_payments_cancellations_an_undone_transfer_and_a_deleted_product(app, session):
    curator = make_user(session, email="curator@example.test", is_curator=True)
    shop, rotan = make_shop(session, price=85_000, stock=80)
    batik = make_product(session, seller=shop, price_minor=450_000, stock=20, title_id="Batik tulis")
    tikar = make_product(session, seller=shop, price_minor=60_000, stock=20, title_id="Tikar pandan")
    other, kopi = make_shop(session, price=40_000, stock=80)
    shops = [shop.id, other.id]

    paid_order(session, {rotan: 2, kopi: 1}, now=datetime(2026, 9, 10, 3, 0, tzinfo=UTC))
    # 31 October 17:30 UTC is 1 November 00:30 in Kabat: counted in November.
    paid_order(session, {rotan: 1, batik: 1, kopi: 2}, now=datetime(2026, 10, 31, 17, 30, tzinfo=UTC))
    paid_order(session, {tikar: 3}, now=datetime(2026, 11, 20, 5, 0, tzinfo=UTC))
    paid_order(session, {rotan: 4}, now=datetime(2025, 11, 30, 5, 0, tzinfo=UTC))  # before the 12 months
    _agree(session, shops)

    # A parcel cancelled by its seller after payment still counts (the page always counted it).
    cancelled = paid_order(session, {batik: 2, kopi: 1}, now=datetime(2026, 11, 21, 5, 0, tzinfo=UTC))
    part = next(f for f in cancelled.fulfilments if f.seller_id == shop.id)
    cancel_by_seller(
        session, part, quantities={line.id: line.quantity for line in part.lines}, reason="Habis",
        actor_id=None, actor_label="t", now=datetime(2026, 11, 22, 5, 0, tzinfo=UTC),
    )  # fmt: skip
    session.commit()
    _agree(session, shops)

    # A confirmed transfer undone: the order leaves the months it entered.
    withdrawn = place(
        session, make_cart(session, {tikar: 1, kopi: 1}), address=None, shipping_method="pickup"
    )
    session.commit()
    before = reports.monthly_sales(session, [shop.id], now=NOW)
    paid_at = NOW - timedelta(hours=1)
    transfers.confirm_bank_transfer(session, withdrawn, reference="R1", actor=curator, now=paid_at)
    session.commit()
    _agree(session, shops)
    assert reports.monthly_sales(session, [shop.id], now=NOW) != before
    transfers.undo_bank_transfer(
        session, session.get(Order, withdrawn.id), actor=curator, now=NOW, payment_window=timedelta(hours=24)
    )
    session.commit()
    _agree(session, shops)
    assert reports.monthly_sales(session, [shop.id], now=NOW) == before

    # A product gone from the catalogue: its lines lose it (ON DELETE SET NULL) and rank one by one.
    session.execute(sa.update(OrderLine).where(OrderLine.product_id == batik.id).values(product_id=None))
    session.execute(sa.delete(Product).where(Product.id == batik.id))
    session.commit()
    _agree(session, shops)
    titles = [title for title, *_ in reports.top_products(session, [shop.id], now=NOW)]
    assert titles.count("Batik tulis") == 2  # the two orders' lines, each on its own

    # Several shops at once are read from the lines (an order of both counts once).
    assert reports.monthly_sales(session, shops, now=NOW) == reports.monthly_sales_from_lines(
        session, shops, now=NOW
    )
