"""Card and bank refunds of one card payment, counted apart where they are compared.

Stripe's `amount_refunded` is the sum of the *card* refunds that succeeded; a bank transfer a
curator made instead (after Stripe failed a card refund) is not in it. `Payment.refunded_minor` is
both; so the webhook compares Stripe's figure with the card part only (refunded_minor minus the
payment's bank refunds), and a later card refund is confirmed and counted however many bank
refunds came before it. Every scenario through real signed webhooks from the local Stripe server,
with the charge's `refunds.data` (as older API versions send it) and without (since 2022-11-15).
"""

from __future__ import annotations

import time
from datetime import timedelta

import sqlalchemy as sa

from marketplace.orders.models import OrderStatus, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.refunds.models import Refund, RefundStatus
from marketplace.refunds.queries import refund_sums
from marketplace.refunds.reconcile import reconcile_card_refunds
from marketplace.types import utcnow
from tests.payments.helpers import signed_post
from tests.payouts.helpers import log_in
from tests.refunds.helpers import (
    charge_id,
    money_state,
    pay_by_card,
    refund_units,
    reload_order,
)


def _charge_refunded(stripe_server, payment: Payment) -> dict:
    """Stripe's newest `charge.refunded` for the payment's charge (made when its last refund was)."""
    return stripe_server.event_for("charge.refunded", charge_id(stripe_server, payment))


def _post(client, stripe_server, event: dict) -> str:
    return signed_post(client, stripe_server, event).json["result"]


def _fail(client, stripe_server, stripe_refund_id: str) -> None:
    stripe_server.fail_refund(stripe_refund_id)
    event = stripe_server.event_for("charge.refund.updated", stripe_refund_id)
    assert _post(client, stripe_server, event) == "refund failed"


def _ledger(session, order_id: int) -> int:
    """The order's net in the sellers' ledger (sale − commission − refunds + reversals), rupiah."""
    session.expire_all()
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_idr), 0)).where(
                LedgerEntry.order_id == order_id
            )
        )
    )


def _ledger_refunds(session, order_id: int) -> int:
    """What the sellers' ledger says went back to the buyer (REFUND entries net of failures)."""
    session.expire_all()
    return -int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(LedgerEntry.amount_idr), 0)).where(
                LedgerEntry.order_id == order_id, LedgerEntry.kind == LedgerKind.REFUND
            )
        )
    )


def _card_fails_then_bank(
    client, session, stripe_server, order, payment, desk, as_sent
) -> tuple[Refund, Refund]:
    """Test card 4000 0000 0000 5126: a card refund of one unit is reported done, then fails; the
    curator pays that unit back by bank transfer instead."""
    card = refund_units(session, order.id, desk, "tok-card", units={0: 1})
    assert (
        _post(client, stripe_server, as_sent(_charge_refunded(stripe_server, payment)))
        == "partially refunded"
    )
    _fail(client, stripe_server, card.stripe_refund_id)
    bank = refund_units(
        session, order.id, desk, "tok-bank", units={0: 1}, by_bank=True, bank_reference="BCA 0042"
    )
    assert bank.method == PaymentMethod.BANK_TRANSFER and bank.status == RefundStatus.SUCCEEDED
    assert money_state(session, payment.id, order.id, [card.id, bank.id]) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        50_000,
        OrderStatus.PAID,
        [RefundStatus.FAILED, RefundStatus.SUCCEEDED],
    )
    return card, bank


def test_a_card_refund_after_a_bank_refund_is_confirmed_and_counted(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    """The colleague's report: 100 paid by card; 50 by card fails, 50 goes back by bank; a second
    50 by card succeeds. Stripe says 50 refunded (the card's), and that is the second card refund."""
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    card, bank = _card_fails_then_bank(client, session, stripe_server, order, payment, desk, as_sent)

    again = refund_units(session, order.id, desk, "tok-again", units={0: 1})
    assert again.status == RefundStatus.PENDING
    event = _charge_refunded(stripe_server, payment)
    assert event["data"]["object"]["amount_refunded"] == 5_000_000  # card only; rupiah in cents
    assert _post(client, stripe_server, as_sent(event)) == "refunded"

    assert money_state(session, payment.id, order.id, [card.id, bank.id, again.id]) == (
        PaymentStatus.REFUNDED,
        100_000,
        OrderStatus.REFUNDED,
        [RefundStatus.FAILED, RefundStatus.SUCCEEDED, RefundStatus.SUCCEEDED],
    )
    session.expire_all()
    sums = refund_sums(session, session.get(Payment, payment.id))
    assert (sums.card_minor, sums.bank_minor, sums.pending_minor, sums.left_minor) == (50_000, 50_000, 0, 0)
    # The sellers' ledger says the same: both units went back, the sale and commission cancel out.
    assert _ledger_refunds(session, order.id) == 100_000
    assert _ledger(session, order.id) == 0


def test_the_same_charge_refunded_twice_or_late_counts_nothing_twice(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    card, bank = _card_fails_then_bank(client, session, stripe_server, order, payment, desk, as_sent)
    # The event made when the failed card refund was created (it counts it): Stripe resends it.
    stale = _charge_refunded(stripe_server, payment)
    assert stale["data"]["object"]["amount_refunded"] == 5_000_000

    again = refund_units(session, order.id, desk, "tok-again", units={0: 1})
    fresh = _charge_refunded(stripe_server, payment)
    assert fresh["id"] != stale["id"]
    assert _post(client, stripe_server, as_sent(fresh)) == "refunded"
    done = money_state(session, payment.id, order.id, [card.id, bank.id, again.id])
    assert done[:3] == (PaymentStatus.REFUNDED, 100_000, OrderStatus.REFUNDED)

    # Delivered again (same id), resent (new id), and the stale one arriving last: nothing moves.
    assert _post(client, stripe_server, as_sent(fresh)) == "duplicate"
    assert _post(client, stripe_server, as_sent(fresh, new_id=fresh["id"] + "_resent")) == "no change"
    assert _post(client, stripe_server, as_sent(stale, new_id=stale["id"] + "_late")) == "no change"
    assert money_state(session, payment.id, order.id, [card.id, bank.id, again.id]) == done
    order_events = reload_order(session, order.id).events
    assert [event.to_status for event in order_events].count(OrderStatus.REFUNDED) == 1
    assert _ledger(session, order.id) == 0


def test_a_stale_report_of_the_failed_refund_before_the_new_one_is_not_taken_for_it(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    """Out of order: the new card refund is asked, then the report made for the failed one (50)
    arrives before the new one's. It is not the new refund's money: that stays waiting."""
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    card, bank = _card_fails_then_bank(client, session, stripe_server, order, payment, desk, as_sent)
    stale = _charge_refunded(stripe_server, payment)  # made for the card refund that failed
    # Stripe's event times are whole seconds: the new refund is asked in a later one, as a curator
    # (who reads the failure, then transfers by bank) always does.
    time.sleep(1.1)

    again = refund_units(session, order.id, desk, "tok-again", units={0: 1})
    fresh = _charge_refunded(stripe_server, payment)
    assert _post(client, stripe_server, as_sent(stale, new_id=stale["id"] + "_late")) == "no change"
    assert money_state(session, payment.id, order.id, [card.id, bank.id, again.id]) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        50_000,
        OrderStatus.PAID,
        [RefundStatus.FAILED, RefundStatus.SUCCEEDED, RefundStatus.PENDING],
    )
    assert _post(client, stripe_server, as_sent(fresh)) == "refunded"
    assert money_state(session, payment.id, order.id, [again.id])[:3] == (
        PaymentStatus.REFUNDED,
        100_000,
        OrderStatus.REFUNDED,
    )


def test_partial_card_and_partial_bank_then_more_by_card(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    """Four units of 25,000: one by card fails and goes back by bank; one by card succeeds; then
    two more by card, reported in two events delivered newest first. Each counts exactly once."""
    order = place_stripe_order(price=25_000, quantity=4, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    failed = refund_units(session, order.id, desk, "tok-1", units={0: 1})
    _fail(client, stripe_server, failed.stripe_refund_id)
    bank = refund_units(session, order.id, desk, "tok-2", units={0: 1}, by_bank=True, bank_reference="BRI 7")
    card = refund_units(session, order.id, desk, "tok-3", units={0: 1})
    assert (
        _post(client, stripe_server, as_sent(_charge_refunded(stripe_server, payment)))
        == "partially refunded"
    )
    assert money_state(session, payment.id, order.id, [failed.id, bank.id, card.id]) == (
        PaymentStatus.PARTIALLY_REFUNDED,
        50_000,
        OrderStatus.PAID,
        [RefundStatus.FAILED, RefundStatus.SUCCEEDED, RefundStatus.SUCCEEDED],
    )

    third = refund_units(session, order.id, desk, "tok-4", units={0: 1})
    after_third = _charge_refunded(stripe_server, payment)  # Stripe: 50,000 by card
    fourth = refund_units(session, order.id, desk, "tok-5", units={0: 1})
    after_fourth = _charge_refunded(stripe_server, payment)  # Stripe: 75,000 by card
    assert after_third["data"]["object"]["amount_refunded"] == 5_000_000
    assert after_fourth["data"]["object"]["amount_refunded"] == 7_500_000
    assert _post(client, stripe_server, as_sent(after_fourth)) == "refunded"
    assert _post(client, stripe_server, as_sent(after_third)) == "no change"
    assert money_state(session, payment.id, order.id, [third.id, fourth.id]) == (
        PaymentStatus.REFUNDED,
        100_000,
        OrderStatus.REFUNDED,
        [RefundStatus.SUCCEEDED, RefundStatus.SUCCEEDED],
    )
    session.expire_all()
    sums = refund_sums(session, session.get(Payment, payment.id))
    assert (sums.card_minor, sums.bank_minor, sums.left_minor) == (75_000, 25_000, 0)
    assert _ledger_refunds(session, order.id) == 100_000
    assert _ledger(session, order.id) == 0


def test_the_reconcile_job_confirms_a_card_refund_after_a_bank_refund(
    client, session, stripe_server, place_stripe_order, desk, as_sent
):
    """The webhook lost: the job asks Stripe and applies the charge as the webhook would."""
    order = place_stripe_order(price=50_000, quantity=2, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    _card_fails_then_bank(client, session, stripe_server, order, payment, desk, as_sent)
    again = refund_units(session, order.id, desk, "tok-again", units={0: 1})
    session.execute(
        sa.update(Refund).where(Refund.id == again.id).values(created_at=utcnow() - timedelta(minutes=6))
    )
    session.commit()
    result = reconcile_card_refunds(session, client=stripe_server.client(), now=utcnow())
    assert (result.checked, result.settled) == (1, 1)
    assert money_state(session, payment.id, order.id, [again.id]) == (
        PaymentStatus.REFUNDED,
        100_000,
        OrderStatus.REFUNDED,
        [RefundStatus.SUCCEEDED],
    )


def test_the_curators_page_shows_card_bank_and_what_is_left(
    app, client, session, stripe_server, place_stripe_order, desk, as_sent
):
    order = place_stripe_order(price=25_000, quantity=4, stock=5)
    payment = pay_by_card(client, session, stripe_server, order)
    failed = refund_units(session, order.id, desk, "tok-1", units={0: 1})
    _fail(client, stripe_server, failed.stripe_refund_id)
    refund_units(session, order.id, desk, "tok-2", units={0: 1}, by_bank=True, bank_reference="BRI 7")
    refund_units(session, order.id, desk, "tok-3", units={0: 1})
    assert (
        _post(client, stripe_server, as_sent(_charge_refunded(stripe_server, payment)))
        == "partially refunded"
    )
    refund_units(session, order.id, desk, "tok-4", units={0: 1})  # waiting for Stripe

    page = " ".join(
        log_in(app, "desk@example.test")
        .get(f"/curator/orders/{order.number}/refund")
        .get_data(as_text=True)
        .split()
    )
    assert "Refunded to the card: Rp 25,000" in page
    assert "Paid back by bank transfer: Rp 25,000" in page
    assert "Waiting for Stripe: Rp 25,000" in page
    assert "Left to refund: <strong>Rp 25,000</strong>" in page
