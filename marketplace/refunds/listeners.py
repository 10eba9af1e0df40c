"""Refund rows follow Stripe's refunds, and the buyer's order page shows them: receivers of
`marketplace.signals`, connected when this module is imported (by `marketplace.models`). The
write receivers flush; the caller commits."""

from __future__ import annotations

from marketplace import signals
from marketplace.orders.models import OrderStatus, PaymentMethod
from marketplace.refunds.cancellation import refund_cancellation
from marketplace.refunds.failures import fail_card_refund, failed_refunds_counted
from marketplace.refunds.presenters import buyer_refunds, refund_left_failed
from marketplace.refunds.queries import (
    bank_refunded_minor,
    list_order_refunds,
    list_refund_states_of_failed,
)
from marketplace.refunds.services import confirm_card_refunds


@signals.charge_refunded.connect
def confirm_refunds(sender, *, session, payment, charge, refunded_minor, now, **kwargs) -> None:
    """Stripe's `charge.refunded` webhook: our pending card refunds it covers succeed."""
    confirm_card_refunds(session, payment, charge, refunded_minor=refunded_minor, now=now)


@signals.charge_counts_failed_refunds.connect
def count_failed_refunds(sender, *, session, payment, charge, refunded_minor, made_at=None, **kwargs) -> int:
    """How much of a `charge.refunded` is our card refunds that failed since (never counted again)."""
    return failed_refunds_counted(session, payment, charge, refunded_minor=refunded_minor, made_at=made_at)


@signals.payment_refunded_by_bank.connect
def count_bank_refunds(sender, *, session, payment, **kwargs) -> int:
    """How much of a card payment a curator paid back by bank transfer (not in Stripe's figure)."""
    return bank_refunded_minor(session, [payment.id]).get(payment.id, 0)


@signals.card_refund_failed.connect
def fail_refund(
    sender, *, session, payment, stripe_refund_id, status, failure_reason="", now, **kwargs
) -> bool:
    """Stripe says our card refund failed or was canceled: the row fails (refunds/failures.py)."""
    return fail_card_refund(
        session,
        payment,
        stripe_refund_id=stripe_refund_id,
        status=status,
        failure_reason=failure_reason,
        now=now,
    )


@signals.order_page.connect
def refunds_on_order_page(sender, *, session, order, lang, **kwargs) -> dict:
    """templates/refunds/_buyer_refunds.html: every refund of the order, what it covered, when;
    `refund_failed`: the order's status says the money did not reach the card (orders.views)."""
    refunds = list_order_refunds(session, order)
    return {
        "buyer_refunds": buyer_refunds(order, refunds, lang),
        "refund_failed": refund_left_failed(refunds),
    }


@signals.order_list.connect
def refunds_on_order_list(sender, *, session, orders, lang, **kwargs) -> dict:
    """The buyer's order list: orders whose card refund failed and was not replaced since, which
    their row says as the order page does (`refund_failed`). At most one statement for the page,
    none when no order on it was paid by card (a refund that can fail is a card one)."""
    card_orders = [
        order.id
        for order in orders
        if order.payment_method == PaymentMethod.STRIPE and order.status != OrderStatus.AWAITING_PAYMENT
    ]
    states = list_refund_states_of_failed(session, card_orders)
    return {"refund_failed": {order_id for order_id, rows in states.items() if refund_left_failed(rows)}}


@signals.order_cancelled.connect
def refund_cancelled_part(
    sender, *, session, order, now, cancellation=None, bank_account=None, **kwargs
) -> None:
    """A part the buyer or the seller cancelled: its money goes back (card now; bank: curators)."""
    if cancellation is not None:
        refund_cancellation(session, order, cancellation, bank_account=bank_account, now=now)
