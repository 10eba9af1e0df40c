"""The ledger's month totals (issue 16) always equal the GROUP BY of the entries they replace:
after sales, refunds, payouts and a withdrawn sale, across a Jakarta month boundary. So do the
parcels' ledger sums (`fulfilments.ledger_idr`), and the pending money read from them equals the
join of the entries with the parcels not delivered it replaced."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order
from marketplace.payments import transfers
from marketplace.payouts import availability
from marketplace.payouts import services as payouts
from marketplace.payouts.models import LedgerEntry, LedgerKind, LedgerMonthTotal, PayoutHold
from marketplace.payouts.totals import rebuild_parcel_sums
from marketplace.refunds.services import create_refund
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.factories import make_user
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop, paid_order
from tests.refunds.helpers import ask


def _from_entries(session) -> dict:
    """{(seller, Jakarta month, kind): (sum, count)} from every ledger entry, as the reports used to."""
    sums: dict = defaultdict(lambda: [0, 0])
    for entry in session.scalars(sa.select(LedgerEntry)):
        key = (entry.seller_id, jakarta_date(entry.occurred_at).replace(day=1), str(entry.kind))
        sums[key][0] += entry.amount_idr
        sums[key][1] += 1
    return {key: tuple(value) for key, value in sums.items()}


def _totals(session) -> dict:
    return {
        (row.seller_id, row.month, str(row.kind)): (row.amount_idr, row.entries)
        for row in session.scalars(sa.select(LedgerMonthTotal).where(LedgerMonthTotal.entries > 0))
    }


def _pending_from_entries(session) -> dict[int, int]:
    """{seller: pending} as availability.py computed it before: entries joined with their parcels."""
    not_delivered = [status for status in FulfilmentStatus if status != FulfilmentStatus.DELIVERED]
    return {
        seller_id: int(amount)
        for seller_id, amount in session.execute(
            sa.select(LedgerEntry.seller_id, sa.func.sum(LedgerEntry.amount_idr))
            .join(Fulfilment, Fulfilment.id == LedgerEntry.fulfilment_id)
            .where(Fulfilment.status.in_(not_delivered))
            .group_by(LedgerEntry.seller_id)
        )
        if amount
    }


def _parcel_sums(session) -> dict[int, int]:
    return {
        fid: int(amount)
        for fid, amount in session.execute(sa.select(Fulfilment.id, Fulfilment.ledger_idr))
        if amount
    }


def _parcels_agree(session) -> None:
    """Each parcel's kept sum is the sum of its entries; the balances' pending is the old join's."""
    raw: dict[int, int] = defaultdict(int)
    for fid, amount in session.execute(sa.select(LedgerEntry.fulfilment_id, LedgerEntry.amount_idr)):
        if fid is not None:
            raw[fid] += amount
    kept = _parcel_sums(session)
    assert kept == {fid: amount for fid, amount in raw.items() if amount}
    old_pending = _pending_from_entries(session)
    balances = availability.list_balances(session)
    for seller_id, split in balances.items():
        settled = split.total - old_pending.get(seller_id, 0)
        assert split.available == min(split.total, settled - _held_on_delivered(session, seller_id))
    assert set(balances) == set(availability.list_balances(session, list(balances)))
    rebuild_parcel_sums(session)  # the set-based fill gives the same sums (writes the same values)
    assert _parcel_sums(session) == kept


def _held_on_delivered(session, seller_id: int) -> int:
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PayoutHold.amount_idr), 0))
            .join(Fulfilment, Fulfilment.id == PayoutHold.fulfilment_id)
            .where(
                PayoutHold.seller_id == seller_id,
                PayoutHold.released_at.is_(None),
                Fulfilment.status == FulfilmentStatus.DELIVERED,
            )
        )
    )


def _agree(session) -> dict:
    session.expire_all()
    raw = _from_entries(session)
    assert raw, "nothing in the ledger: the test would prove nothing"
    assert _totals(session) == raw
    _parcels_agree(session)
    return raw


def test_totals_follow_sales_refunds_payouts_and_a_withdrawn_sale(app, session):
    curator = make_user(session, email="curator@example.test", is_curator=True)
    seller, product = make_shop(session, price=60_000, stock=30)
    other, other_product = make_shop(session, price=25_000, stock=30)
    # 31 January 18:00 UTC is 1 February in Kabat: counted in February.
    late_january = datetime(2026, 1, 31, 18, 0, tzinfo=UTC)
    paid_order(session, {product: 2, other_product: 1}, now=late_january, delivered=True)
    raw = _agree(session)
    assert {key[1] for key in raw} == {date(2026, 2, 1)}

    # A refund in March (REFUND and COMMISSION_REVERSAL), a payout in April.
    order = paid_order(session, {product: 1}, now=datetime(2026, 3, 2, 3, 0, tzinfo=UTC), delivered=True)
    create_refund(
        session,
        order,
        ask("r-1", quantities={order.lines[0].id: 1}, bank_reference="BCA back"),
        actor=curator,
        now=datetime(2026, 3, 5, 3, 0, tzinfo=UTC),
    )
    session.commit()
    payouts.create_payout(
        session,
        seller_id=other.id,
        amount_idr=10_000,
        bank_reference="OUT-1",
        token="p-1",
        actor=curator,
        now=datetime(2026, 4, 1, 3, 0, tzinfo=UTC),
    )
    session.commit()
    _agree(session)

    # A confirmed transfer undone: its entries leave, and so do their amounts.
    withdrawn = place(session, make_cart(session, {other_product: 3}), address=None, shipping_method="pickup")
    session.commit()
    before_confirm = _agree(session)
    now = utcnow()
    transfers.confirm_bank_transfer(session, withdrawn, reference="R1", actor=curator, now=now)
    session.commit()
    assert _agree(session) != before_confirm
    transfers.undo_bank_transfer(
        session, session.get(Order, withdrawn.id), actor=curator, now=now, payment_window=timedelta(hours=24)
    )
    session.commit()
    assert _agree(session) == before_confirm


def test_balances_and_the_month_summary_read_the_totals_as_the_entries(app, session):
    seller, product = make_shop(session, price=80_000, stock=30)
    delivered = datetime(2026, 5, 10, 3, 0, tzinfo=UTC)
    paid_order(session, {product: 1}, now=delivered, delivered=True)
    paid_order(session, {product: 2}, now=delivered + timedelta(days=1))  # pending: not delivered
    _agree(session)
    balances = availability.balances_of(session, seller.id)
    settled = 80_000 - 4_000
    pending = 160_000 - 8_000
    assert (balances.total, balances.available, balances.pending, balances.held) == (
        settled + pending,
        settled,
        pending,
        0,
    )
    [row] = [r for r in payouts.list_period_summary(session, year=2026, month=5) if r.seller_id == seller.id]
    assert (row.sales, row.commission, row.balance, row.available) == (240_000, -12_000, 228_000, settled)
    [june] = [r for r in payouts.list_period_summary(session, year=2026, month=6) if r.seller_id == seller.id]
    assert (june.sales, june.commission, june.balance) == (0, 0, 228_000)
    assert payouts.ledger_totals(session, [seller.id])[LedgerKind.SALE] == 240_000
