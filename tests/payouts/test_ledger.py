"""The payout ledger: sales on payment, commission rounding in whole rupiah, payouts within the balance."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.errors import ValidationError
from marketplace.payouts import services
from marketplace.payouts.models import LedgerEntry, LedgerKind, Payout
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.payouts.helpers import curator, entries, make_shop, paid_order


def test_commission_is_half_up_in_whole_rupiah_with_integers():
    five, two_and_half = Decimal("5"), Decimal("2.5")
    # 33,333 × 5% = 1,666.65; 10,001 × 5% = 500.05; 99,999 × 5% = 4,999.95
    assert [services.commission_of(v, five) for v in (33_333, 10_001, 99_999)] == [1_667, 500, 5_000]
    # 33,333 × 2.5% = 833.325; 10,001 × 2.5% = 250.025; 99,999 × 2.5% = 2,499.975
    assert [services.commission_of(v, two_and_half) for v in (33_333, 10_001, 99_999)] == [833, 250, 2_500]
    assert services.commission_of(10, Decimal("5")) == 1  # 0.5 rounds up
    assert services.commission_of(9, Decimal("5")) == 0  # 0.45 rounds down
    assert services.commission_of(-33_333, five) == -1_667
    with pytest.raises(ValidationError):
        services.basis_points(Decimal("2.555"))
    with pytest.raises(ValidationError):
        services.basis_points(Decimal("100.01"))


def _three_shops(session):
    return [make_shop(session, price=price) for price in (33_333, 10_001, 99_999)]


def test_paid_order_enters_sales_and_commission_per_fulfilment_once(app, session):
    shops = _three_shops(session)
    order = paid_order(session, {product: 1 for _seller, product in shops})

    expected = {33_333: -1_667, 10_001: -500, 99_999: -5_000}
    for seller, product in shops:
        assert entries(session, seller.id, LedgerKind.SALE) == [product.price_minor]
        assert entries(session, seller.id, LedgerKind.COMMISSION) == [expected[product.price_minor]]
        assert services.balance(session, seller.id) == product.price_minor + expected[product.price_minor]
    # Recording the same order again (a retried hook) writes nothing.
    assert services.record_sales(session, order, now=utcnow()) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 6


def test_rate_change_applies_to_later_sales_only_and_is_audited(app, session):
    desk = curator(session)
    shops = _three_shops(session)
    paid_order(session, {product: 1 for _seller, product in shops})
    today = jakarta_date(utcnow())
    services.set_commission_rate(
        session, percent=Decimal("2.5"), effective_from=today, actor=desk, now=utcnow()
    )
    session.commit()
    paid_order(session, {product: 2 for _seller, product in shops})

    # Two units each at 2.5%: 66,666 → 1,666.65 → 1,667; 20,002 → 500.05 → 500; 199,998 → 4,999.95 → 5,000
    got = [entries(session, seller.id, LedgerKind.COMMISSION) for seller, _product in shops]
    assert got == [[-1_667, -1_667], [-500, -500], [-5_000, -5_000]]
    # … and one unit each at 2.5% in a third order.
    paid_order(session, {product: 1 for _seller, product in shops})
    assert [entries(session, s.id, LedgerKind.COMMISSION)[-1] for s, _p in shops] == [-833, -250, -2_500]
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "commission.change")).one()
    assert audit.actor_id == desk.id and audit.after["percent"] == "2.5" and audit.before["percent"] == "5.00"

    with pytest.raises(ValidationError):  # the past is not rewritten
        services.set_commission_rate(
            session, percent=Decimal("1"), effective_from=today - timedelta(days=1), actor=desk, now=utcnow()
        )


def test_payout_never_exceeds_the_balance_and_a_double_submit_pays_once(app, session):
    desk = curator(session)
    seller, product = make_shop(session, price=100_000)
    paid_order(session, {product: 1}, delivered=True)
    assert services.balance(session, seller.id) == 95_000

    with pytest.raises(ValidationError):
        services.create_payout(
            session,
            seller_id=seller.id,
            amount_idr=95_001,
            bank_reference="TRF-1",
            token="t-1",
            actor=desk,
            now=utcnow(),
        )
    session.rollback()
    for bad in (0, -5):
        with pytest.raises(ValidationError):
            services.create_payout(
                session,
                seller_id=seller.id,
                amount_idr=bad,
                bank_reference="TRF-1",
                token="t-1",
                actor=desk,
                now=utcnow(),
            )
        session.rollback()
    with pytest.raises(ValidationError):
        services.create_payout(
            session,
            seller_id=seller.id,
            amount_idr=1_000,
            bank_reference=" ",
            token="t-1",
            actor=desk,
            now=utcnow(),
        )
    session.rollback()

    first = services.create_payout(
        session,
        seller_id=seller.id,
        amount_idr=60_000,
        bank_reference="TRF-1",
        token="t-1",
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    again = services.create_payout(
        session,
        seller_id=seller.id,
        amount_idr=60_000,
        bank_reference="TRF-1",
        token="t-1",
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert again.id == first.id
    assert services.balance(session, seller.id) == 35_000
    with pytest.raises(ValidationError):  # a second, different payout cannot exceed what is left
        services.create_payout(
            session,
            seller_id=seller.id,
            amount_idr=35_001,
            bank_reference="TRF-2",
            token="t-2",
            actor=desk,
            now=utcnow(),
        )
    session.rollback()
    services.create_payout(
        session,
        seller_id=seller.id,
        amount_idr=35_000,
        bank_reference="TRF-2",
        token="t-2",
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert services.balance(session, seller.id) == 0
    assert entries(session, seller.id, LedgerKind.PAYOUT) == [-60_000, -35_000]
    payouts = session.scalars(sa.select(Payout).order_by(Payout.id)).all()
    assert [(p.amount_idr, p.bank_name, p.account_number) for p in payouts] == [
        (60_000, "BRI", f"0012{seller.id:06d}"),
        (35_000, "BRI", f"0012{seller.id:06d}"),
    ]
    audits = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "payout.create").order_by(AuditEntry.id)
    ).all()
    assert len(audits) == 2 and audits[0].seller_id == seller.id and audits[0].after["amount_idr"] == 60_000


def test_seller_without_payout_account_cannot_be_paid(app, session):
    desk = curator(session)
    seller, product = make_shop(session, price=20_000, account=False)
    paid_order(session, {product: 1})
    with pytest.raises(ValidationError):
        services.create_payout(
            session,
            seller_id=seller.id,
            amount_idr=1_000,
            bank_reference="X",
            token="t-x",
            actor=desk,
            now=utcnow(),
        )
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).select_from(Payout)) == 0


def test_bulk_transfer_csv_lists_owed_sellers_with_accounts(app, session):
    desk = curator(session)
    ani, ani_product = make_shop(session, price=40_000, name="=Rotan Ani")
    budi, budi_product = make_shop(session, price=10_001, name="Batik Budi")
    cita, cita_product = make_shop(session, price=30_000, name="Kopi Cita", account=False)
    dewi, dewi_product = make_shop(session, price=50_000, name="Dewi Tenun")
    paid_order(session, {ani_product: 1, budi_product: 1, cita_product: 1, dewi_product: 1}, delivered=True)
    services.create_payout(
        session,
        seller_id=dewi.id,
        amount_idr=47_500,
        bank_reference="DONE",
        token="t-d",
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    now = utcnow()
    year, month = services.parse_month(None, now=now)
    text, missing = services.bulk_transfer_csv(session, year=year, month=month)
    ref = f"PD-{year % 100:02d}{month:02d}"
    assert text.splitlines() == [
        "seller,bank,account_number,account_holder,amount_idr,reference",
        f"'=Rotan Ani,BRI,0012{ani.id:06d},'=Rotan Ani,38000,{ref}-S{ani.id}",  # 40,000 − 2,000
        f"Batik Budi,BRI,0012{budi.id:06d},Batik Budi,9501,{ref}-S{budi.id}",  # 10,001 − 500
    ]
    assert [row.seller_id for row in missing] == [cita.id]  # owed 28,500 but no account: flagged


def test_period_summary_counts_jakarta_months(app, session):
    seller, product = make_shop(session, price=100_000)
    # 31 Oct 18:00 UTC is 1 Nov 01:00 in Jakarta: a November sale.
    paid_order(session, {product: 1}, now=datetime(2026, 10, 31, 18, 0, tzinfo=UTC))
    paid_order(session, {product: 2}, now=datetime(2026, 10, 31, 16, 59, tzinfo=UTC))  # 23:59 WIB, October
    october = services.list_period_summary(session, year=2026, month=10)
    november = services.list_period_summary(session, year=2026, month=11)
    assert [(r.sales, r.commission, r.net, r.balance) for r in october] == [
        (200_000, -10_000, 190_000, 285_000)
    ]
    assert [(r.sales, r.commission, r.net, r.balance) for r in november] == [
        (100_000, -5_000, 95_000, 285_000)
    ]
