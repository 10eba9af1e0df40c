"""Confirming a bank transfer is audited once and brings the sale into the payout ledger."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.orders.models import Order, OrderStatus
from marketplace.payouts import services
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import curator, log_in, make_shop


def test_transfer_confirmation_is_audited_and_enters_the_ledger(app, session):
    desk_user = curator(session)
    seller, product = make_shop(session, price=40_000)
    order = place(session, make_cart(session, {product: 2}), address=None, shipping_method="pickup")
    session.commit()
    desk = log_in(app, "curator@example.test")
    form = {"reference": "BCA 0612-0001"}
    assert desk.post(f"/curator/transfers/{order.number}/received", data=form).status_code == 303
    assert desk.post(f"/curator/transfers/{order.number}/received", data=form).status_code == 303  # no effect
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.PAID
    audits = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "transfer.confirm")).all()
    assert [(a.actor_id, a.target_label, a.after["status"], a.after["reference"]) for a in audits] == [
        (desk_user.id, order.number, "paid", "BCA 0612-0001")
    ]
    assert services.balance(session, seller.id) == 80_000 - 4_000
