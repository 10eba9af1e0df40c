"""The payout ledger follows sales and refunds, and holds a parcel's money while a case is open:
receivers of `marketplace.signals`, connected when this module is imported (by
`marketplace.models`). They flush; the caller commits."""

from __future__ import annotations

from marketplace import signals
from marketplace.payouts.availability import place_hold, release_hold
from marketplace.payouts.failed_refunds import reverse_refund_entries
from marketplace.payouts.reversal import withdraw_sales
from marketplace.payouts.sales_totals import add_order
from marketplace.payouts.services import record_refund, record_sales
from marketplace.types import utcnow


@signals.order_paid.connect
def enter_sale(sender, *, session, order, now, **kwargs) -> None:
    """The sale (goods and shipping) and its commission enter the seller's ledger."""
    record_sales(session, order, now=now)


@signals.order_paid.connect
def count_sale(sender, *, session, order, now, **kwargs) -> None:
    """The order enters its shops' sales months (payouts/sales_totals.py)."""
    session.flush()
    if order.paid_at is not None:
        add_order(session, order, paid_at=order.paid_at)


@signals.refund_created.connect
def enter_refund(sender, *, session, refund, now, **kwargs) -> None:
    """The seller's share of a refund leaves the ledger (money that should never have been taken
    has no lines and no entries)."""
    if not refund.returns_payment_only:
        record_refund(session, refund, now=now)


@signals.refund_failed.connect
def reverse_refund(sender, *, session, refund, now, **kwargs) -> None:
    """A refund that failed at Stripe: the seller's share comes back (its entries reversed)."""
    reverse_refund_entries(session, refund, now=now)


@signals.case_opened.connect
def hold_for_case(sender, *, session, fulfilment, amount_idr, now=None, **kwargs) -> None:
    """A problem report keeps its amount of the parcel's money back from payouts."""
    place_hold(session, fulfilment=fulfilment, amount_idr=amount_idr, now=now or utcnow())


@signals.case_closed.connect
def release_for_case(sender, *, session, fulfilment, amount_idr=None, now=None, **kwargs) -> None:
    """The case is over: its hold goes (a refund it decided has its own ledger entries)."""
    release_hold(session, fulfilment=fulfilment, amount_idr=amount_idr, now=now or utcnow())


@signals.order_payment_reversed.connect
def withdraw_sale(sender, *, session, order, paid_at, now, **kwargs) -> None:
    """An undone payment confirmation: the sale and its commission leave the sellers' ledger."""
    withdraw_sales(session, order, paid_at=paid_at)
    if paid_at is not None:
        add_order(session, order, paid_at=paid_at, sign=-1)
