"""A bank-transfer order cancelled across two shops is one transfer back to the buyer's account:
one row on the curators' desk with the sum, one reference recorded, one refund (and one email),
whose lines still take each shop's share out of its own payout ledger."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.money import money_text
from marketplace.orders import cancellation
from marketplace.orders.models import Order, OrderStatus
from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.refunds.cancellation import count_open_transfers_query, list_open_transfers
from marketplace.refunds.models import BankRefundRequest, Refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.login import logged_in_as
from tests.orders.test_cancellation import ACCOUNT, two_shop_order

FORM_ACTION = re.compile(r'action="/curator/refunds/cancelled/(\d+)"')


def _refund_entries(session) -> dict[int, int]:
    """{seller id: sum of REFUND ledger entries}."""
    return dict(
        session.execute(
            sa.select(LedgerEntry.seller_id, sa.func.sum(LedgerEntry.amount_idr))
            .where(LedgerEntry.kind == LedgerKind.REFUND)
            .group_by(LedgerEntry.seller_id)
        ).all()
    )


def _cancel(session, order, parts, account):
    rows = cancellation.cancel_by_buyer(
        session,
        order,
        fulfilment_ids=parts,
        bank_account=account,
        actor_id=None,
        actor_label="buyer",
        now=utcnow(),
    )
    session.commit()
    return rows


def test_two_shops_cancelled_at_once_are_one_transfer_recorded_once(app, session, client):
    a, b, order = two_shop_order(session)
    parts = {f.seller_id: f for f in order.fulfilments}
    rows = _cancel(session, order, None, ACCOUNT)
    assert len(rows) == 2  # one cancellation per shop's part (the shops' pages count them)
    assert session.scalar(sa.select(count_open_transfers_query())) == 1

    curator = make_user(session, is_curator=True)
    session.commit()
    desk = logged_in_as(client, curator, lang="en")
    page = desk.get("/curator/refunds").get_data(as_text=True)
    [request_id] = FORM_ACTION.findall(page)  # one form, one transfer to make
    total = money_text(order.total_minor, order.currency, "en")
    assert f"<strong>{total}</strong> · one transfer for 2 cancelled parts" in page
    assert page.count("0123 456 789") == 1
    indonesian = logged_in_as(client, curator, lang="id").get("/curator/refunds").get_data(as_text=True)
    assert "satu transfer untuk 2 bagian yang dibatalkan" in indonesian

    response = desk.post(f"/curator/refunds/cancelled/{request_id}", data={"bank_reference": "BRI-2211"})
    assert response.status_code == 303
    session.expire_all()
    [refund] = session.scalars(sa.select(Refund)).all()
    assert refund.amount_minor == order.total_minor and refund.bank_reference == "BRI-2211"
    assert session.get(Order, order.id).status == OrderStatus.REFUNDED
    assert {r.refund_id for r in session.scalars(sa.select(BankRefundRequest))} == {refund.id}
    assert session.scalar(sa.select(count_open_transfers_query())) == 0
    # Each shop gives back its own part: its goods and its shipping, in its own ledger.
    for product, units in ((a, 2), (b, 1)):
        part = parts[product.seller_id]
        assert _refund_entries(session)[product.seller_id] == -(
            product.price_minor * units + part.shipping_minor
        )
    # One email says the money went back (the cancellation's own email is another template).
    refund_emails = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.template == "refund")).all()
    assert len(refund_emails) == 1
    # A second submit of the same form changes nothing.
    again = desk.post(f"/curator/refunds/cancelled/{request_id}", data={"bank_reference": "BRI-2211"})
    assert again.status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1


def test_parts_cancelled_to_different_accounts_stay_separate_transfers(session):
    a, b, order = two_shop_order(session)
    first, second = order.fulfilments
    _cancel(session, order, [first.id], ACCOUNT)
    other = cancellation.BankAccount("BCA", "9988776655", "Siti Rahayu")
    _cancel(session, session.get(Order, order.id), [second.id], other)
    transfers = list_open_transfers(session)
    assert [len(t.requests) for t in transfers] == [1, 1]
    assert sum(t.amount_minor for t in transfers) == order.total_minor
    assert session.scalar(sa.select(count_open_transfers_query())) == 2
