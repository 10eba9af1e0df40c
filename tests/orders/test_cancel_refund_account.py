"""A buyer cancelling a paid bank-transfer order gives the refund account by the rule and in the
words of a problem report's refund account (refunds/accounts.py): 6 to 20 digits once spaces, dots
and dashes are gone, every wrong part named at once, the same labels and hints."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.orders.models import FulfilmentStatus, Order
from marketplace.refunds.accounts import account_problems
from marketplace.refunds.models import BankRefundRequest
from tests.factories import make_user
from tests.login import logged_in_as
from tests.orders.test_cancel_views import paid_order


def _cancel(client, order, **account):
    form = {"part": str(order.fulfilments[0].id), "bank_name": "", "account_number": "", "account_holder": ""}
    return client.post(f"/orders/{order.number}/cancel", data={**form, **account})


def _said(app, lang: str, *account: str) -> dict[str, str]:
    """What refunds/accounts.py says of this account in `lang`."""
    with app.test_request_context(), force_locale(lang):
        return {name: str(message) for name, message in account_problems(*account).items()}


def test_every_wrong_part_is_named_at_once_in_the_problem_reports_words(client, session):
    buyer = make_user(session)
    _owner, _product, order = paid_order(session, buyer=buyer)
    logged_in_as(client, buyer, lang="en")
    confirm = client.get(f"/orders/{order.number}/cancel?part=all").get_data(as_text=True)
    # The problem report's hints, and the account is said to be private.
    assert "For example BRI, BNI, BCA, Mandiri or BSI." in confirm
    assert "Digits only, as in your banking app." in confirm
    assert "Where should a refund go?" in confirm

    refused = _cancel(client, order, account_number="12-ab")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    expected = _said(client.application, "en", "", "12-ab", "")
    assert set(expected) == {"bank_name", "account_number", "account_holder"}
    for message in expected.values():
        assert message in page  # each once beside its field, and in the summary at the top
    assert 'id="error-summary"' in page and 'href="#account_number"' in page
    session.expire_all()
    assert session.get(Order, order.id).fulfilments[0].status != FulfilmentStatus.CANCELLED


@pytest.mark.parametrize("number", ["123456789012345678901", "0123 4567 89 ab", "12345"])
def test_numbers_a_problem_report_refuses_are_refused_here_too(client, session, number):
    buyer = make_user(session)
    _owner, _product, order = paid_order(session, buyer=buyer)
    logged_in_as(client, buyer, lang="en")
    refused = _cancel(client, order, bank_name="BRI", account_number=number, account_holder="Ani Lestari")
    assert refused.status_code == 400
    assert "Enter your account number: digits only, 6 to 20." in refused.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(BankRefundRequest)) == 0


def test_the_number_is_kept_as_digits_as_a_problem_report_keeps_it(client, session):
    buyer = make_user(session)
    _owner, _product, order = paid_order(session, buyer=buyer)
    logged_in_as(client, buyer, lang="id")
    done = _cancel(
        client, order, bank_name=" BRI ", account_number="0123-01.987654 50", account_holder="Ani  Lestari"
    )
    assert done.status_code == 303
    request = session.scalars(sa.select(BankRefundRequest)).one()
    assert (request.bank_name, request.account_number, request.account_holder) == (
        "BRI",
        "01230198765450",
        "Ani Lestari",
    )


def test_indonesian_words_match_the_problem_reports(client, session):
    buyer = make_user(session)
    _owner, _product, order = paid_order(session, buyer=buyer)
    logged_in_as(client, buyer, lang="id")
    page = _cancel(client, order, bank_name="BRI", account_number="12", account_holder="Ani").get_data(
        as_text=True
    )
    said = _said(client.application, "id", "BRI", "12", "Ani")["account_number"]
    assert said in page and "6 sampai 34" not in page
