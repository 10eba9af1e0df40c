"""Payouts held until delivery: a sale is pending until its parcel is delivered, then available;
only available money is paid out; an open problem report (case) holds its amount."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace import signals
from marketplace.errors import ValidationError
from marketplace.payouts import availability, services
from marketplace.payouts.models import Payout, PayoutHold
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payouts.helpers import curator, deliver, log_in, make_shop, paid_order
from tests.refunds.helpers import ask


def _pay(session, desk, seller_id: int, amount: int, token: str):
    payout = services.create_payout(
        session,
        seller_id=seller_id,
        amount_idr=amount,
        bank_reference="BRI-1",
        token=token,
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    return payout


def test_a_sale_is_pending_until_its_parcel_is_delivered_then_available(app, session):
    desk = curator(session)
    seller, product = make_shop(session, price=100_000)
    order = paid_order(session, {product: 1})
    assert availability.balances_of(session, seller.id) == availability.Balances(
        total=95_000, pending=95_000, held=0, available=0
    )
    with pytest.raises(ValidationError, match="available"):
        _pay(session, desk, seller.id, 1, "t-early")
    session.rollback()

    deliver(session, order)
    assert availability.balances_of(session, seller.id) == availability.Balances(
        total=95_000, pending=0, held=0, available=95_000
    )
    with pytest.raises(ValidationError):
        _pay(session, desk, seller.id, 95_001, "t-too-much")
    session.rollback()
    _pay(session, desk, seller.id, 95_000, "t-all")
    assert availability.balances_of(session, seller.id).available == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(Payout)) == 1


def test_only_delivered_parcels_of_a_seller_count_and_the_csv_pays_the_available_part(app, session):
    seller, product = make_shop(session, price=100_000, name="Rotan Ani")
    paid_order(session, {product: 1}, delivered=True)
    paid_order(session, {product: 2})  # shipped later: still pending
    split = availability.balances_of(session, seller.id)
    assert (split.total, split.pending, split.available) == (285_000, 190_000, 95_000)
    text, missing = services.bulk_transfer_csv(session, year=utcnow().year, month=utcnow().month)
    assert missing == []
    assert ",95000," in text.splitlines()[1]


def test_an_open_case_holds_its_amount_and_closing_it_releases_it(app, session):
    desk = curator(session)
    seller, product = make_shop(session, price=100_000)
    order = paid_order(session, {product: 1}, delivered=True)
    parcel = order.fulfilments[0]

    signals.case_opened.send(session=session, fulfilment=parcel, amount_idr=40_000, now=utcnow())
    session.commit()
    assert availability.balances_of(session, seller.id) == availability.Balances(
        total=95_000, pending=0, held=40_000, available=55_000
    )
    with pytest.raises(ValidationError):
        _pay(session, desk, seller.id, 55_001, "t-held")
    session.rollback()
    _pay(session, desk, seller.id, 50_000, "t-part")

    signals.case_closed.send(session=session, fulfilment=parcel, amount_idr=40_000, now=utcnow())
    session.commit()
    assert availability.balances_of(session, seller.id).available == 45_000
    # Closing twice releases once; the hold row is kept as history.
    assert not availability.release_hold(session, fulfilment=parcel, amount_idr=40_000, now=utcnow())
    assert session.scalars(sa.select(PayoutHold.released_at)).one() is not None


def test_a_case_on_an_undelivered_parcel_moves_its_amount_from_pending_to_held(app, session):
    seller, product = make_shop(session, price=100_000)
    order = paid_order(session, {product: 1})
    signals.case_opened.send(session=session, fulfilment=order.fulfilments[0], amount_idr=30_000)
    session.commit()
    assert availability.balances_of(session, seller.id) == availability.Balances(
        total=95_000, pending=65_000, held=30_000, available=0
    )


def test_seller_and_curator_pages_show_pending_and_available_apart(app, session):
    curator(session)
    owner = make_user(session, email="ani@example.test")
    seller, product = make_shop(session, price=100_000, owner=owner, name="Rotan Ani")
    paid_order(session, {product: 1}, delivered=True)
    paid_order(session, {product: 2})
    session.commit()

    page = log_in(app, "ani@example.test").get("/seller/sales").get_data(as_text=True).replace("\xa0", " ")
    assert "Pending (waiting for delivery)" in page and "Rp 190,000" in page
    assert "Available to pay out" in page and "Rp 95,000" in page

    desk = (
        log_in(app, "curator@example.test")
        .get("/curator/payouts")
        .get_data(as_text=True)
        .replace("\xa0", " ")
    )
    assert "Rotan Ani" in desk and "Rp 285,000" in desk and "Rp 190,000" in desk
    # The "mark paid" form offers the available amount, not the whole balance.
    assert 'value="95000"' in desk


def test_a_refund_lowers_the_side_its_parcel_is_on(app, session):
    desk = curator(session)
    seller, product = make_shop(session, price=100_000)
    delivered = paid_order(session, {product: 2}, delivered=True)
    waiting = paid_order(session, {product: 1})
    assert availability.balances_of(session, seller.id).available == 190_000
    line = delivered.lines[0]
    create_refund(
        session,
        delivered,
        ask("r-1", quantities={line.id: 1}, bank_reference="BRI-R1"),
        actor=desk,
        now=utcnow(),
    )
    create_refund(session, waiting, ask("r-2", full=True, bank_reference="BRI-R2"), actor=desk, now=utcnow())
    session.commit()
    # 190,000 − 100,000 + 5,000 commission back; the undelivered order refunded in full: nothing pending.
    assert availability.balances_of(session, seller.id) == availability.Balances(
        total=95_000, pending=0, held=0, available=95_000
    )
