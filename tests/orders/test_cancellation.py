"""The buyer and the seller cancel before shipping: stock, the bank refund queue, one winner."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Product
from marketplace.dashboard.presenters import fulfilment_row
from marketplace.email.models import OutboundEmail
from marketplace.errors import InvalidInput, ValidationError
from marketplace.extensions import db
from marketplace.orders import cancellation, services
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderCancellation, OrderStatus
from marketplace.refunds.cancellation import (
    complete_bank_request,
    list_open_bank_requests,
    list_open_transfers,
)
from marketplace.refunds.models import BankRefundRequest, Refund
from marketplace.refunds.parcels import parcel_refunds
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user
from tests.orders.helpers import make_cart, place

ACCOUNT = cancellation.BankAccount("BRI", "0123 456 789", "Siti Rahayu")


def stock(session, product_id):
    session.expire_all()
    return session.scalar(sa.select(Product.stock).where(Product.id == product_id))


def two_shop_order(session, *, paid=True):
    a = make_product(session, seller=make_seller(session), stock=5, price_minor=50_000)
    b = make_product(session, seller=make_seller(session), stock=5, price_minor=30_000)
    order = place(session, make_cart(session, {a: 2, b: 1}))
    if paid:
        services.mark_order_paid(session, order, actor_label="curator", now=utcnow())
    session.commit()
    return a, b, order


def test_unpaid_order_is_cancelled_whole_and_its_reservation_released(session):
    a, b, order = two_shop_order(session, paid=False)
    assert stock(session, a.id) == 3
    rows = cancellation.cancel_by_buyer(
        session, order, fulfilment_ids=None, actor_id=None, actor_label="guest buyer", now=utcnow()
    )
    session.commit()
    assert rows == []
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.CANCELLED
    assert {f.cancelled_by for f in order.fulfilments} == {"buyer"}
    assert stock(session, a.id) == 5 and stock(session, b.id) == 5
    with pytest.raises(ValidationError):
        cancellation.cancel_by_buyer(
            session, order, fulfilment_ids=None, actor_id=None, actor_label="x", now=utcnow()
        )


def test_paid_bank_part_cancelled_enters_the_curators_queue_then_is_refunded(session):
    a, b, order = two_shop_order(session)
    first = order.fulfilments[0]
    with pytest.raises(ValidationError):  # a paid bank transfer needs the account
        cancellation.cancel_by_buyer(
            session, order, fulfilment_ids=[first.id], actor_id=None, actor_label="buyer", now=utcnow()
        )
    session.rollback()
    rows = cancellation.cancel_by_buyer(
        session,
        order,
        fulfilment_ids=[first.id],
        reason="Salah pilih warna",
        bank_account=ACCOUNT,
        actor_id=None,
        actor_label="buyer",
        now=utcnow(),
    )
    session.commit()
    assert len(rows) == 1 and rows[0].amount_minor == 100_000 + first.shipping_minor
    assert stock(session, a.id) == 5 and stock(session, b.id) == 4
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.PAID
    assert [f.status for f in order.fulfilments] == [FulfilmentStatus.CANCELLED, FulfilmentStatus.PROCESSING]
    [(request, found, _c)] = list_open_bank_requests(session)
    assert found.id == order.id and request.account_number == "0123 456 789"
    assert request.account_holder == "Siti Rahayu" and request.amount_minor == rows[0].amount_minor
    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == "order_cancelled")).one()
    assert order.number in email.body_text

    curator = make_user(session, is_curator=True)
    with pytest.raises(ValidationError):
        complete_bank_request(session, request, bank_reference=" ", actor=curator, now=utcnow())
    refund = complete_bank_request(session, request, bank_reference="BRI-778", actor=curator, now=utcnow())
    session.commit()
    assert refund.amount_minor == rows[0].amount_minor and refund.bank_reference == "BRI-778"
    assert list_open_bank_requests(session) == []
    assert stock(session, a.id) == 5  # the refund does not put the units back a second time
    # The same request again finds the same refund (form token).
    again = complete_bank_request(
        session,
        session.get(BankRefundRequest, request.id),
        bank_reference="BRI-778",
        actor=curator,
        now=utcnow(),
    )
    assert again.id == refund.id
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1


def test_cancelling_every_part_refunds_the_whole_payment_and_the_order(session):
    a, b, order = two_shop_order(session)
    rows = cancellation.cancel_by_buyer(
        session,
        order,
        fulfilment_ids=None,
        bank_account=ACCOUNT,
        actor_id=None,
        actor_label="buyer",
        now=utcnow(),
    )
    session.commit()
    assert len(rows) == 2 and rows[-1].full and not rows[0].full
    curator = make_user(session, is_curator=True)
    session.commit()
    # One cancellation, one account: one transfer of the whole payment, recorded once.
    [transfer] = list_open_transfers(session)
    assert len(transfer.requests) == 2 and transfer.amount_minor == order.total_minor
    refund = complete_bank_request(
        session, transfer.requests[-1], bank_reference="R1", actor=curator, now=utcnow()
    )
    session.commit()
    order = session.get(Order, order.id)
    assert order.status == OrderStatus.REFUNDED
    assert session.scalars(sa.select(Refund)).all() == [refund]
    assert refund.amount_minor == order.total_minor and refund.bank_reference == "R1"
    assert {line.seller_id for line in refund.lines} == {a.seller_id, b.seller_id}
    assert list_open_transfers(session) == []
    assert {r.refund_id for r in session.scalars(sa.select(BankRefundRequest))} == {refund.id}
    assert stock(session, a.id) == 5 and stock(session, b.id) == 5


def test_a_shipped_part_cannot_be_cancelled(session):
    a, b, order = two_shop_order(session)
    first = order.fulfilments[0]
    services.mark_fulfilment_shipped(
        session, first, courier="JNE", tracking_number="JN1", actor_label="s", now=utcnow()
    )
    session.commit()
    with pytest.raises(ValidationError):
        cancellation.cancel_by_buyer(
            session,
            order,
            fulfilment_ids=[first.id],
            bank_account=ACCOUNT,
            actor_id=None,
            actor_label="b",
            now=utcnow(),
        )
    session.rollback()
    # The other part can: the order then counts as shipped (its only open part has shipped).
    cancellation.cancel_by_buyer(
        session,
        order,
        fulfilment_ids=[order.fulfilments[1].id],
        bank_account=ACCOUNT,
        actor_id=None,
        actor_label="b",
        now=utcnow(),
    )
    session.commit()
    assert session.get(Order, order.id).status == OrderStatus.SHIPPED


def test_seller_cancels_some_units_with_a_reason_the_buyer_reads(app, session):
    a, b, order = two_shop_order(session)
    part = order.fulfilments[0]
    line = part.lines[0]
    with pytest.raises(InvalidInput):  # no reason
        cancellation.cancel_by_seller(
            session, part, quantities={line.id: 1}, reason=" ", actor_id=None, actor_label="s", now=utcnow()
        )
    with pytest.raises(InvalidInput):  # more than bought
        cancellation.cancel_by_seller(
            session,
            part,
            quantities={line.id: 3},
            reason="Habis",
            actor_id=None,
            actor_label="s",
            now=utcnow(),
        )
    row = cancellation.cancel_by_seller(
        session,
        part,
        quantities={line.id: 1},
        reason="Kain habis",
        actor_id=None,
        actor_label="seller",
        now=utcnow(),
    )
    session.commit()
    assert row.cancelled_by == "seller" and row.amount_minor == 50_000 and not row.shipping
    session.expire_all()
    part = session.get(Fulfilment, part.id)
    assert part.status == FulfilmentStatus.PROCESSING and part.lines[0].cancelled_quantity == 1
    assert stock(session, a.id) == 3  # the shop cannot make them: not put back on sale
    # Its parcel, before a curator transfers the money back: one unit left to ship, one struck out.
    with app.test_request_context():
        row_view = fulfilment_row(part, "en", parcel_refunds(session, [part.id]).get(part.id))
    assert row_view["units"] == 1
    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == "order_cancelled")).one()
    assert "Kain habis" in email.body_text
    # The last unit: the whole part is cancelled, its shipping goes back too.
    row = cancellation.cancel_by_seller(
        session,
        part,
        quantities={part.lines[0].id: 1},
        reason="Kain habis",
        actor_id=None,
        actor_label="seller",
        now=utcnow(),
    )
    session.commit()
    assert row.shipping and session.get(Fulfilment, part.id).status == FulfilmentStatus.CANCELLED
    assert session.scalar(sa.select(sa.func.count()).select_from(BankRefundRequest)) == 2


def _race(app, order_id: int, part_id: int) -> dict:
    """The buyer's cancel and the seller's "shipped" on two connections, released together."""
    results, errors = {}, []
    barrier = threading.Barrier(2)

    def buyer():
        try:
            with app.app_context(), Session(db.engine) as own:
                mine = own.get(Order, order_id)
                barrier.wait()
                try:
                    cancellation.cancel_by_buyer(
                        own,
                        mine,
                        fulfilment_ids=[part_id],
                        bank_account=ACCOUNT,
                        actor_id=None,
                        actor_label="b",
                        now=utcnow(),
                    )
                    own.commit()
                    results["cancel"] = True
                except ValidationError:
                    own.rollback()
                    results["cancel"] = False
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    def seller():
        try:
            with app.app_context(), Session(db.engine) as own:
                part = own.get(Fulfilment, part_id)
                barrier.wait()
                try:
                    results["ship"] = services.mark_fulfilment_shipped(
                        own, part, courier="JNE", tracking_number="JN77", actor_label="s", now=utcnow()
                    )
                    own.commit()
                except ValidationError:
                    own.rollback()
                    results["ship"] = False
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=buyer), threading.Thread(target=seller)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    return results


def test_buyer_cancels_while_the_seller_ships_exactly_one_wins(app, session):
    """The same part claimed by two connections at once: one cancel or one shipment, never both."""
    for _round in range(3):
        a, _b, order = two_shop_order(session)
        part_id = order.fulfilments[0].id
        results = _race(app, order.id, part_id)
        assert sorted(results.values()) == [False, True], results
        session.expire_all()
        part = session.get(Fulfilment, part_id)
        cancelled = session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderCancellation)
            .where(OrderCancellation.fulfilment_id == part_id)
        )
        if results["cancel"]:
            assert part.status == FulfilmentStatus.CANCELLED and cancelled == 1 and stock(session, a.id) == 5
        else:
            assert part.status == FulfilmentStatus.SHIPPED and cancelled == 0 and stock(session, a.id) == 3
