"""A refused payout or commission form says so at the top of the page (the shared error summary),
linked to each input to correct, the message beside the input too, and what was typed kept."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.payouts.models import CommissionRate, Payout
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow
from tests.payouts.helpers import curator, log_in, make_shop, paid_order


def summary(page: str) -> str:
    match = re.search(r'<div class="message message-error" id="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


def payouts(session) -> list[int]:
    session.expire_all()
    return list(session.scalars(sa.select(Payout.amount_idr).order_by(Payout.id)))


def test_a_wrong_payout_is_named_at_the_top_then_the_right_one_is_recorded(app, session):
    curator(session)
    seller, product = make_shop(session, price=100_000, name="Rotan Ani")
    paid_order(session, {product: 1}, delivered=True)
    desk = log_in(app, "curator@example.test")
    assert 'id="error-summary"' not in desk.get("/curator/payouts").get_data(as_text=True)

    wrong = desk.post(
        f"/curator/payouts/{seller.id}/pay",
        data={"amount": "95.000,50", "bank_reference": " ", "token": "t1"},
    )
    assert wrong.status_code == 400
    page = wrong.get_data(as_text=True)
    box = summary(page)
    assert "Please correct the fields marked below." in box
    # Both mistakes at once, each linked to its input in the seller's row.
    assert f'href="#amount-{seller.id}"' in box and "Enter the amount in whole rupiah" in box
    assert f'href="#ref-{seller.id}"' in box and "Rotan Ani · Bank reference" in box
    assert page.index('id="error-summary"') < page.index("<table")
    assert f'aria-describedby="amount-{seller.id}-error"' in page and 'value="95.000,50"' in page
    assert f'id="ref-{seller.id}-error"' in page
    assert payouts(session) == []

    too_much = desk.post(
        f"/curator/payouts/{seller.id}/pay",
        data={"amount": "96000", "bank_reference": "BRI 1", "token": "t2"},
    )
    assert too_much.status_code == 400
    box = summary(too_much.get_data(as_text=True))
    assert f'href="#amount-{seller.id}"' in box and "cannot exceed the money available" in box
    assert payouts(session) == []

    right = desk.post(
        f"/curator/payouts/{seller.id}/pay",
        data={"amount": "Rp 95.000", "bank_reference": "BRI 1", "token": "t3"},
    )
    assert right.status_code == 303
    assert payouts(session) == [95_000]


def test_the_same_transfer_from_a_second_tab_is_refused_with_a_clear_message(app, session):
    curator(session)
    seller, product = make_shop(session, price=100_000, name="Rotan Ani")
    paid_order(session, {product: 1}, delivered=True)
    first, second = log_in(app, "curator@example.test"), log_in(app, "curator@example.test")
    tokens = [
        re.search(r'name="token" value="([^"]+)"', tab.get("/curator/payouts").get_data(as_text=True)).group(
            1
        )
        for tab in (first, second)
    ]
    form = {"amount": "95000", "bank_reference": "BRI 0612"}
    assert (
        first.post(f"/curator/payouts/{seller.id}/pay", data={**form, "token": tokens[0]}).status_code == 303
    )

    late = second.post(f"/curator/payouts/{seller.id}/pay", data={**form, "token": tokens[1]})
    assert late.status_code == 400
    box = summary(late.get_data(as_text=True))
    # The row's form is gone (nothing is owed): the message names the seller, without a dead link.
    assert "Rotan Ani: Nothing is available to pay this seller now" in box and "Paid out" in box
    assert 'href="#amount-' not in box and "The payout was not recorded." in box
    assert payouts(session) == [95_000]


def test_a_refused_commission_rate_is_named_at_the_top(app, session):
    curator(session)
    desk = log_in(app, "curator@example.test")
    today = jakarta_date(utcnow()).isoformat()
    response = desk.post("/curator/payouts/commission", data={"percent": "abc", "effective_from": today})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'href="#percent"' in summary(page)
    assert page.index('id="error-summary"') < page.index('action="/curator/payouts/commission"')
    assert session.scalar(sa.select(sa.func.count()).select_from(CommissionRate)) == 0
