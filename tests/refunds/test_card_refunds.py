"""Card refunds through the local Stripe-compatible server: full, partial, never above what was
paid, one effect per form, and the webhook confirming without counting twice."""

from __future__ import annotations

import copy

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.email.models import OutboundEmail
from marketplace.errors import ValidationError
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payouts import services as payouts
from marketplace.payouts.models import LedgerKind
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.services import create_refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.payments.helpers import signed_post
from tests.payouts.helpers import entries
from tests.refunds.helpers import ask, charge_id, deliver_refund_webhook, pay_by_card, stock


@pytest.fixture
def desk(session):
    user = make_user(session, email="desk@example.test", is_curator=True)
    session.commit()
    return user


def _order(session, order_id) -> Order:
    session.expire_all()
    return session.get(Order, order_id)


def test_full_card_refund_is_pending_until_the_webhook_and_counted_once(
    client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    product_id = order.lines[0].product_id
    seller_id = order.lines[0].seller_id
    assert stock(session, product_id) == 3
    assert payouts.balance(session, seller_id) == 95_000  # 100,000 − 5% commission

    order = _order(session, order.id)
    refund, created = create_refund(session, order, ask("tok-full", full=True), actor=desk, now=utcnow())
    session.commit()
    assert created and refund.status == RefundStatus.PENDING and refund.amount_minor == 100_000
    assert refund.stripe_refund_id.startswith("re_")
    assert (
        stripe_server.client().v1.charges.retrieve(charge_id(stripe_server, payment)).amount_refunded
        == 10_000_000
    )
    session.refresh(payment)
    assert payment.refunded_minor == 0  # only the webhook moves the payment …
    # … but the pending refund already counts: nothing more can be refunded meanwhile.
    with pytest.raises(ValidationError):
        create_refund(
            session, _order(session, order.id), ask("tok-more", full=True), actor=desk, now=utcnow()
        )
    session.rollback()

    assert deliver_refund_webhook(client, stripe_server, payment) == "refunded"
    session.expire_all()
    refund = session.get(Refund, refund.id)
    payment = session.get(Payment, payment.id)
    assert refund.status == RefundStatus.SUCCEEDED and refund.confirmed_at is not None
    assert (payment.status, payment.refunded_minor) == (PaymentStatus.REFUNDED, 100_000)
    assert _order(session, order.id).status == OrderStatus.REFUNDED
    assert stock(session, product_id) == 5  # not shipped: both units back on sale, once
    assert payouts.balance(session, seller_id) == 0
    assert entries(session, seller_id, LedgerKind.REFUND) == [-100_000]
    assert entries(session, seller_id, LedgerKind.COMMISSION_REVERSAL) == [5_000]

    # The same webhook again, or a late retry under a new id, changes nothing.
    event = stripe_server.event_for("charge.refunded", charge_id(stripe_server, payment))
    assert signed_post(client, stripe_server, event).json["result"] == "duplicate"
    late = copy.deepcopy(event)
    late["id"] += "_retry"
    assert signed_post(client, stripe_server, late).json["result"] == "no change"
    session.expire_all()
    assert session.get(Payment, payment.id).refunded_minor == 100_000
    assert stock(session, product_id) == 5
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1

    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == "refund")).one()
    assert email.to_address == order.email and email.lang == "id" and "Rp" in email.body_text
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "refund.create")).one()
    assert (
        audit.actor_id == desk.id
        and audit.target_label == order.number
        and audit.note == "Damaged in transit"
    )


def test_partial_refund_by_line_then_the_rest(client, session, stripe_server, place_stripe_order, desk):
    order = place_stripe_order(price=30_000, quantity=3, stock=10)
    payment = pay_by_card(client, session, stripe_server, order)
    line = order.lines[0]
    product_id, seller_id, line_id = line.product_id, line.seller_id, line.id
    assert stock(session, product_id) == 7

    order = _order(session, order.id)
    refund, _ = create_refund(
        session, order, ask("tok-1", quantities={line_id: 1}, restock={line_id: 1}), actor=desk, now=utcnow()
    )
    session.commit()
    assert refund.amount_minor == 30_000
    assert stock(session, product_id) == 8  # the unit that came back is on sale again
    assert deliver_refund_webhook(client, stripe_server, payment) == "partially refunded"
    session.expire_all()
    assert session.get(Refund, refund.id).status == RefundStatus.SUCCEEDED
    assert session.get(Payment, payment.id).status == PaymentStatus.PARTIALLY_REFUNDED
    assert _order(session, order.id).status == OrderStatus.PAID

    # More units than are left to refund: refused, nothing at Stripe, nothing written.
    with pytest.raises(ValidationError):
        create_refund(
            session,
            _order(session, order.id),
            ask("tok-2", quantities={line_id: 3}),
            actor=desk,
            now=utcnow(),
        )
    session.rollback()
    with pytest.raises(ValidationError):  # more units back than refunded
        create_refund(
            session,
            _order(session, order.id),
            ask("tok-2", quantities={line_id: 1}, restock={line_id: 2}),
            actor=desk,
            now=utcnow(),
        )
    session.rollback()
    assert (
        stripe_server.client().v1.charges.retrieve(charge_id(stripe_server, payment)).amount_refunded
        == 3_000_000
    )

    create_refund(session, _order(session, order.id), ask("tok-3", full=True), actor=desk, now=utcnow())
    session.commit()
    assert deliver_refund_webhook(client, stripe_server, payment) == "refunded"
    session.expire_all()
    assert session.get(Payment, payment.id).refunded_minor == 90_000
    assert _order(session, order.id).status == OrderStatus.REFUNDED
    assert stock(session, product_id) == 10  # the other two units, not the first one again
    # 90,000 at 5% = 4,500 taken; reversals 1,500 then 3,000; balance back to zero.
    assert entries(session, seller_id, LedgerKind.COMMISSION_REVERSAL) == [1_500, 3_000]
    assert payouts.balance(session, seller_id) == 0


def test_a_double_submitted_refund_form_refunds_once(
    client, session, stripe_server, place_stripe_order, desk
):
    order = place_stripe_order(price=40_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    line_id = order.lines[0].id
    first, created = create_refund(
        session,
        _order(session, order.id),
        ask("same-token", quantities={line_id: 1}),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    again, created_again = create_refund(
        session,
        _order(session, order.id),
        ask("same-token", quantities={line_id: 1}),
        actor=desk,
        now=utcnow(),
    )
    session.commit()
    assert created and not created_again and again.id == first.id
    assert (
        stripe_server.client().v1.charges.retrieve(charge_id(stripe_server, payment)).amount_refunded
        == 4_000_000
    )
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1


def test_refund_page_by_a_curator_through_stripe(app, session, stripe_server, place_stripe_order, desk):
    from tests.payouts.helpers import log_in

    client = app.test_client()
    order = place_stripe_order(price=25_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    line_id = order.lines[0].id
    curator = log_in(app, "desk@example.test")
    page = curator.get(f"/curator/orders/{order.number}/refund")
    assert page.status_code == 200 and f'name="units-{line_id}"' in page.get_data(as_text=True)

    form = {"token": "page-token", "reason": "Wrong colour", f"units-{line_id}": "1", f"back-{line_id}": "0"}
    assert curator.post(f"/curator/orders/{order.number}/refund", data=form).status_code == 303
    assert (
        curator.post(f"/curator/orders/{order.number}/refund", data=form).status_code == 303
    )  # double submit
    bad = curator.post(
        f"/curator/orders/{order.number}/refund", data={**form, "token": "t2", f"units-{line_id}": "x"}
    )
    assert bad.status_code == 400 and "whole numbers" in bad.get_data(as_text=True)
    no_reason = curator.post(
        f"/curator/orders/{order.number}/refund", data={**form, "token": "t3", "reason": ""}
    )
    assert no_reason.status_code == 400
    too_much = curator.post(
        f"/curator/orders/{order.number}/refund", data={**form, "token": "t4", f"units-{line_id}": "2"}
    )
    assert too_much.status_code == 400
    session.expire_all()
    assert [r.amount_minor for r in session.scalars(sa.select(Refund))] == [25_000]
    assert (
        stripe_server.client().v1.charges.retrieve(charge_id(stripe_server, payment)).amount_refunded
        == 2_500_000
    )
    listing = curator.get(f"/curator/orders/{order.number}/refund").get_data(as_text=True)
    assert "Wrong colour" in listing and "Waiting for Stripe" in listing


def test_flagged_late_card_payment_is_given_back_whole_from_the_page(
    app, session, stripe_server, place_stripe_order, desk
):
    import secrets
    import time

    from marketplace.payments.services import start_stripe_checkout
    from marketplace.payouts.models import LedgerEntry
    from tests.payouts.helpers import log_in

    client = app.test_client()
    order = place_stripe_order(price=50_000, quantity=1, stock=5)
    payment = start_stripe_checkout(session, order, success_url="http://x/ok", cancel_url="http://x/no")
    session.commit()
    expired = {
        "id": f"evt_money_{secrets.token_hex(6)}",
        "object": "event",
        "type": "checkout.session.expired",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": payment.provider_reference,
                "object": "checkout.session",
                "status": "expired",
                "payment_status": "unpaid",
                "expires_at": int(payment.checkout_expires_at.timestamp()),
            }
        },
    }
    assert signed_post(client, stripe_server, expired).json["result"] == "cancelled"
    stripe_server.complete_session(payment.provider_reference)
    completed = stripe_server.event_for("checkout.session.completed", payment.provider_reference)
    assert signed_post(client, stripe_server, completed).json["result"] == "needs refund"

    curator = log_in(app, "desk@example.test")
    index = curator.get("/curator/refunds").get_data(as_text=True)
    assert order.number in index and 'class="badge">1<' in index  # the console counts it
    page = curator.get(f"/curator/orders/{order.number}/refund").get_data(as_text=True)
    assert "Give the whole payment back" in page
    form = {"token": "late-1", "payment_id": str(payment.id), "reason": "Paid after the order expired"}
    assert curator.post(f"/curator/orders/{order.number}/refund", data=form).status_code == 303
    session.expire_all()
    payment = session.get(Payment, payment.id)
    assert deliver_refund_webhook(client, stripe_server, payment) == "refunded"
    session.expire_all()
    payment = session.get(Payment, payment.id)
    assert not payment.needs_refund and payment.refunded_minor == 50_000
    assert _order(session, order.id).status == OrderStatus.REFUNDED
    assert session.scalars(sa.select(Refund.status)).all() == [RefundStatus.SUCCEEDED]
    assert session.scalar(sa.select(sa.func.count()).select_from(LedgerEntry)) == 0
    assert 'class="badge' not in curator.get("/curator/refunds").get_data(as_text=True).split("</header>")[0]
