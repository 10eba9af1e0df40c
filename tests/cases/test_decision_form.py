"""The curator's case decision form: the amount read like the seller's price field, every problem at
once in the page's error summary, and the buyer's report form with its radios beside their labels."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.cases import services
from marketplace.cases.models import Case, CaseStatus
from marketplace.refunds.models import Refund
from marketplace.types import utcnow
from tests.cases.helpers import shipped_order
from tests.factories import make_user
from tests.login import logged_in_as


def open_case(session):
    buyer, _owner, _order, fulfilment = shipped_order(session, units=2, price=85_000)
    case = services.open_case(
        session, fulfilment, buyer=buyer, problem="damaged", description="Crushed.", photos=[],
        storage=None, now=utcnow(),
    )  # fmt: skip
    session.commit()
    return buyer, case


def a_curator(session):
    curator = make_user(session, is_curator=True)
    session.commit()
    return curator


def summary(page: str) -> str:
    match = re.search(r'<div class="message message-error" id="error-summary".*?</div>', page, re.S)
    assert match, "no error summary"
    return match.group(0)


def test_every_problem_is_shown_at_once_in_the_summary(app, session):
    _buyer, case = open_case(session)
    curator = logged_in_as(app.test_client(), a_curator(session), lang="en")
    response = curator.post(
        f"/cases/{case.id}/resolve?lang=en",
        data={"resolution": "partial_refund", "amount": "", "note": "", "token": "t-1"},
    )
    assert response.status_code == 400
    box = summary(response.get_data(as_text=True))
    assert "Please correct the fields marked below." in box and "autofocus" in box
    assert 'href="#amount"' in box and "Enter the amount to refund." in box
    assert 'href="#note"' in box and "Write a note for the buyer and the seller." in box
    assert 'href="#bank_reference"' in box and "Enter the reference of your transfer back" in box

    # A form error (the amount unreadable) comes with the service's own (the note, the reference).
    response = curator.post(
        f"/cases/{case.id}/resolve?lang=en",
        data={"resolution": "partial_refund", "amount": "1.5", "note": "", "token": "t-1"},
    )
    box = summary(response.get_data(as_text=True))
    assert "Rupiah has no cents" in box and 'href="#note"' in box and 'href="#bank_reference"' in box

    response = curator.post(f"/cases/{case.id}/resolve?lang=en", data={"note": "x", "token": "t-1"})
    box = summary(response.get_data(as_text=True))
    assert 'href="#resolution-0"' in box and "Choose a decision." in box
    session.expire_all()
    assert session.get(Case, case.id).status == CaseStatus.OPEN


def test_the_amount_is_read_as_the_language_writes_rupiah(app, session):
    _buyer, case = open_case(session)
    curator = logged_in_as(app.test_client(), a_curator(session), lang="en")
    page = curator.get(f"/cases/{case.id}?lang=en").get_data(as_text=True)
    assert "In rupiah, e.g. 150,000." in page and "smallest unit" not in page
    too_much = curator.post(
        f"/cases/{case.id}/resolve?lang=en",
        data={"resolution": "partial_refund", "amount": "900,000", "note": "Half", "token": "t-2",
              "bank_reference": "BRI-9"},
    )  # fmt: skip
    assert too_much.status_code == 400 and "Too large: at most" in summary(too_much.get_data(as_text=True))
    response = curator.post(
        f"/cases/{case.id}/resolve?lang=en",
        data={"resolution": "partial_refund", "amount": "50,000", "note": "Half", "token": "t-2",
              "bank_reference": "BRI-9"},
    )  # fmt: skip
    assert response.status_code == 303
    assert session.scalars(sa.select(Refund)).one().amount_minor == 50_000


def test_indonesian_groups_with_points(app, session):
    _buyer, case = open_case(session)
    curator = logged_in_as(app.test_client(), a_curator(session), lang="id")
    page = curator.get(f"/cases/{case.id}?lang=id").get_data(as_text=True)
    assert "Dalam rupiah, mis. 150.000." in page
    response = curator.post(
        f"/cases/{case.id}/resolve?lang=id",
        data={"resolution": "partial_refund", "amount": "50.000", "note": "Separuh", "token": "t-3",
              "bank_reference": "BRI-9"},
    )  # fmt: skip
    assert response.status_code == 303
    assert session.scalars(sa.select(Refund)).one().amount_minor == 50_000


def test_the_problem_report_lists_its_errors_and_puts_radios_beside_labels(app, session):
    buyer, _owner, order, fulfilment = shipped_order(session)
    client = logged_in_as(app.test_client(), buyer, lang="id")
    url = f"/orders/{order.number}/parts/{fulfilment.id}/problem?lang=id"
    page = client.get(url).get_data(as_text=True)
    assert page.count('<div class="choice"><input') == 3
    response = client.post(url, data={"description": ""})
    box = summary(response.get_data(as_text=True))
    # All at once: what went wrong, the words for it and (bank transfer) where a refund goes.
    assert 'href="#problem-0"' in box and 'href="#description"' in box
    assert 'href="#bank_name"' in box and 'href="#account_number"' in box and 'href="#account_holder"' in box


def test_another_currency_is_read_with_its_cents(app):
    from marketplace.cases.forms import ResolveForm

    with app.test_request_context("/?lang=en", method="POST", data={"amount": "20.50"}):
        form = ResolveForm(currency="EUR", meta={"csrf": False})
        form.amount.validate(form)
        assert form.amount.data == 2050
    with app.test_request_context("/?lang=en", method="POST", data={"amount": "20,5x"}):
        form = ResolveForm(currency="EUR", meta={"csrf": False})
        assert not form.amount.validate(form)
        assert [str(e) for e in form.amount.errors] == ["Enter an amount in EUR, e.g. 20.50."]
