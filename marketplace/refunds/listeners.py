"""Refund rows follow Stripe's refunds: receivers of `marketplace.signals`, connected when this
module is imported (by `marketplace.models`). They flush; the caller commits."""

from __future__ import annotations

from marketplace import signals
from marketplace.refunds.services import confirm_card_refunds


@signals.charge_refunded.connect
def confirm_refunds(sender, *, session, payment, charge, refunded_minor, now, **kwargs) -> None:
    """Stripe's `charge.refunded` webhook: our pending card refunds it covers succeed."""
    confirm_card_refunds(session, payment, charge, refunded_minor=refunded_minor, now=now)
