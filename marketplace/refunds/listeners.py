"""Refund rows follow Stripe's refunds, and the buyer's order page shows them: receivers of
`marketplace.signals`, connected when this module is imported (by `marketplace.models`). The
write receivers flush; the caller commits."""

from __future__ import annotations

from marketplace import signals
from marketplace.refunds.presenters import buyer_refunds
from marketplace.refunds.queries import list_order_refunds
from marketplace.refunds.services import confirm_card_refunds


@signals.charge_refunded.connect
def confirm_refunds(sender, *, session, payment, charge, refunded_minor, now, **kwargs) -> None:
    """Stripe's `charge.refunded` webhook: our pending card refunds it covers succeed."""
    confirm_card_refunds(session, payment, charge, refunded_minor=refunded_minor, now=now)


@signals.order_page.connect
def refunds_on_order_page(sender, *, session, order, lang, **kwargs) -> dict:
    """templates/refunds/_buyer_refunds.html: every refund of the order, what it covered, when."""
    return {"buyer_refunds": buyer_refunds(order, list_order_refunds(session, order), lang)}
