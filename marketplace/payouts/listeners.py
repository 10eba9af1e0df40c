"""The payout ledger follows sales and refunds: receivers of `marketplace.signals`, connected
when this module is imported (by `marketplace.models`). They flush; the caller commits."""

from __future__ import annotations

from marketplace import signals
from marketplace.payouts.reversal import withdraw_sales
from marketplace.payouts.services import record_refund, record_sales


@signals.order_paid.connect
def enter_sale(sender, *, session, order, now, **kwargs) -> None:
    """The sale (goods and shipping) and its commission enter the seller's ledger."""
    record_sales(session, order, now=now)


@signals.refund_created.connect
def enter_refund(sender, *, session, refund, now, **kwargs) -> None:
    """The seller's share of a refund leaves the ledger (money that should never have been taken
    has no lines and no entries)."""
    if not refund.returns_payment_only:
        record_refund(session, refund, now=now)


@signals.order_payment_reversed.connect
def withdraw_sale(sender, *, session, order, paid_at, now, **kwargs) -> None:
    """An undone payment confirmation: the sale and its commission leave the sellers' ledger."""
    withdraw_sales(session, order, paid_at=paid_at)
