"""The district office's refund forms, refused, say so at the top of the page (the shared error
summary, linked to the field) and keep what the curator typed, as the case decision does."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.orders.cancellation import BankAccount, cancel_by_buyer
from marketplace.refunds.models import BankRefundRequest, Refund
from marketplace.types import utcnow
from tests.factories import make_user
from tests.login import logged_in_as
from tests.payouts.helpers import make_shop, paid_order


def summary(page: str) -> str:
    match = re.search(r'<div class="message message-error" id="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


def test_a_cancelled_part_without_a_reference_is_refused_at_the_top(app, session):
    _seller, product = make_shop(session, price=85_000)
    order = paid_order(session, {product: 1})
    cancel_by_buyer(
        session, order, fulfilment_ids=None, bank_account=BankAccount("BRI", "0123456789", "Siti"),
        actor_id=None, actor_label="buyer", now=utcnow(),
    )  # fmt: skip
    curator = make_user(session, is_curator=True)
    session.commit()
    request = session.scalars(sa.select(BankRefundRequest)).one()
    client = logged_in_as(app.test_client(), curator, lang="en")
    url = f"/curator/refunds/cancelled/{request.id}"

    # Cancelled without a typed reason: the queue says who cancelled, not the stored stand-in.
    queue = client.get("/curator/refunds").get_data(as_text=True)
    assert "Cancelled by the buyer</p>" in queue and "cancelled by the buyer" not in queue

    empty = client.post(url, data={"bank_reference": "  "})
    assert empty.status_code == 400
    box = summary(empty.get_data(as_text=True))
    assert f'href="#ref-{request.id}"' in box and "Enter the reference of your transfer back" in box

    long_reference = "TRF-" + "9" * 130
    too_long = client.post(url, data={"bank_reference": long_reference})
    page = too_long.get_data(as_text=True)
    assert too_long.status_code == 400 and "too long" in summary(page)
    assert f'value="{long_reference}"' in page and 'aria-invalid="true"' in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0

    done = client.post(url, data={"bank_reference": "TRF-1"})
    assert done.status_code == 303
    assert session.scalars(sa.select(Refund)).one().bank_reference == "TRF-1"


def test_the_order_refund_form_lists_what_it_refused_at_the_top(app, session):
    _seller, product = make_shop(session, price=85_000)
    order = paid_order(session, {product: 2})
    curator = make_user(session, is_curator=True)
    session.commit()
    client = logged_in_as(app.test_client(), curator, lang="en")
    page = client.get(f"/curator/orders/{order.number}/refund").get_data(as_text=True)
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', page).group(1)
    line = order.lines[0]
    refused = client.post(
        f"/curator/orders/{order.number}/refund",
        data={"token": token, f"units-{line.id}": "1", "reason": "", "bank_reference": "BRI-5"},
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert 'href="#reason"' in summary(text) and "Say why the money goes back." in summary(text)
    assert 'value="BRI-5"' in text  # what was typed stays
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0
