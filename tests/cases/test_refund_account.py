"""Where a problem report's refund goes: a bank-transfer buyer names the account in the report,
may correct it until the refund is made, the curator who pays sees it (and is stopped if it
changed under their page), the seller never does; a card order needs none. A report sent twice
(two tabs) makes one case."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from marketplace.cases import services
from marketplace.cases.models import Case, CaseStatus
from marketplace.email.models import OutboundEmail
from marketplace.errors import InvalidInput, ValidationError
from marketplace.refunds.accounts import check_refund_account
from marketplace.refunds.models import Refund
from marketplace.types import utcnow
from tests.cases.helpers import ACCOUNT, shipped_order
from tests.cases.test_cases import jpeg
from tests.cases.test_decision_form import summary
from tests.factories import make_user
from tests.login import logged_in_as

REPORT = {"problem": "damaged", "description": "The basket is crushed."}


def report_url(order, fulfilment) -> str:
    return f"/orders/{order.number}/parts/{fulfilment.id}/problem"


def the_case(session) -> Case:
    session.expire_all()
    return session.scalars(sa.select(Case)).one()


def test_the_account_is_checked_and_kept_as_digits():
    account = check_refund_account("  Bank  BRI ", "0123 4567-8901", " Siti  Aminah ")
    assert (account.bank_name, account.account_number, account.account_holder) == (
        "Bank BRI",
        "012345678901",
        "Siti Aminah",
    )
    with pytest.raises(InvalidInput) as refused:
        check_refund_account("", "12345", "")
    assert set(refused.value.errors) == {"bank_name", "account_number", "account_holder"}
    for number in ("0123x45678", "12345", "1" * 21, "+62 812 3456 7890"):
        with pytest.raises(InvalidInput) as refused:
            check_refund_account("BCA", number, "Siti")
        assert set(refused.value.errors) == {"account_number"}, number


def test_a_bank_transfer_report_asks_the_account_and_only_buyer_and_curator_see_it(app, session):
    buyer, owner, order, fulfilment = shipped_order(session)
    curator = make_user(session, is_curator=True)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    form = client.get(report_url(order, fulfilment)).get_data(as_text=True)
    assert "Where should a refund go?" in form and 'name="account_number"' in form
    assert 'inputmode="numeric"' in form

    refused = client.post(report_url(order, fulfilment), data={**REPORT, **ACCOUNT, "account_number": "12ab"})
    assert refused.status_code == 400
    box = summary(refused.get_data(as_text=True))
    assert 'href="#account_number"' in box and "digits only, 6 to 20" in box
    assert 'href="#bank_name"' not in box  # the rest was fine
    assert 'value="Siti Aminah"' in refused.get_data(as_text=True)  # what was typed stays
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0

    assert client.post(report_url(order, fulfilment), data={**REPORT, **ACCOUNT}).status_code == 303
    case = the_case(session)
    assert (case.refund_bank_name, case.refund_account_number, case.refund_account_holder) == (
        "BRI",
        "012345678901",
        "Siti Aminah",
    )
    assert "012345678901" in client.get(f"/cases/{case.id}").get_data(as_text=True)

    curator_page = logged_in_as(app.test_client(), curator, lang="en").get(f"/cases/{case.id}")
    text = curator_page.get_data(as_text=True)
    assert "012345678901" in text and "Siti Aminah" in text and "transfer the amount" in text

    seller_page = logged_in_as(app.test_client(), owner, lang="en").get(f"/cases/{case.id}")
    assert seller_page.status_code == 200
    assert "012345678901" not in seller_page.get_data(as_text=True)
    assert "Siti Aminah" not in seller_page.get_data(as_text=True)
    session.expire_all()
    seller_mail = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == owner.email))
    assert all("012345678901" not in (e.body_text + (e.body_html or "")) for e in seller_mail)


def test_the_buyer_corrects_the_account_until_the_refund_is_made(app, session):
    buyer, _owner, order, fulfilment = shipped_order(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    client.post(report_url(order, fulfilment), data={**REPORT, **ACCOUNT})
    case = the_case(session)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'action="/cases/{case.id}/account"' in page and "Correct the account" in page

    wrong = client.post(
        f"/cases/{case.id}/account",
        data={"bank_name": "BCA", "account_number": "98-76", "account_holder": "Siti"},
    )
    assert wrong.status_code == 400 and 'href="#account_number"' in summary(wrong.get_data(as_text=True))
    assert the_case(session).refund_account_number == "012345678901"

    fixed = {"bank_name": "BCA", "account_number": "9876543210", "account_holder": "Siti A."}
    response = client.post(f"/cases/{case.id}/account", data=fixed)
    assert response.status_code == 303 and response.headers["Location"].endswith("#refund-account")
    assert (the_case(session).refund_bank_name, the_case(session).refund_account_number) == (
        "BCA",
        "9876543210",
    )

    curator = make_user(session, is_curator=True)
    session.commit()
    services.resolve_case(
        session, the_case(session), curator=curator, resolution="partial_refund", note="Half back.",
        token="acct-1", amount_minor=40_000, bank_reference="BCA-77", now=utcnow(),
    )  # fmt: skip
    session.commit()
    late = client.post(f"/cases/{case.id}/account", data={**fixed, "account_number": "1111111111"})
    assert late.status_code == 400 and "already decided" in late.get_data(as_text=True)
    assert the_case(session).refund_account_number == "9876543210"
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "The refund was transferred to this account." in page and "9876543210" in page
    assert f'action="/cases/{case.id}/account"' not in page


def test_the_curator_is_stopped_when_the_account_changed_under_the_page(app, session):
    buyer, _owner, order, fulfilment = shipped_order(session)
    curator = make_user(session, is_curator=True)
    session.commit()
    buyer_client = logged_in_as(app.test_client(), buyer, lang="en")
    buyer_client.post(report_url(order, fulfilment), data={**REPORT, **ACCOUNT})
    case = the_case(session)
    desk = logged_in_as(app.test_client(), curator, lang="en")
    page = desk.get(f"/cases/{case.id}").get_data(as_text=True)
    seen = re.search(r'name="account_seen" type="hidden" value="([^"]*)"', page).group(1)
    assert "012345678901" in seen

    # The buyer corrects the account in another tab while the curator transfers.
    buyer_client.post(
        f"/cases/{case.id}/account",
        data={"bank_name": "BNI", "account_number": "5555666677", "account_holder": "Siti Aminah"},
    )
    decision = {
        "resolution": "refund", "note": "Crushed.", "token": "acct-2", "bank_reference": "BRI-1",
        "account_seen": seen,
    }  # fmt: skip
    refused = desk.post(f"/cases/{case.id}/resolve", data=decision)
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "changed their bank account" in summary(text) and "5555666677" in text
    assert the_case(session).status == CaseStatus.OPEN
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0

    # The page shown again carries the new account: recorded this time.
    seen = re.search(r'name="account_seen" type="hidden" value="([^"]*)"', text).group(1)
    assert desk.post(f"/cases/{case.id}/resolve", data={**decision, "account_seen": seen}).status_code == 303
    assert the_case(session).status == CaseStatus.CLOSED
    assert session.scalars(sa.select(Refund)).one().bank_reference == "BRI-1"


def test_a_correction_racing_the_decision_stops_it(session):
    """The check sits in the decision's conditional UPDATE: a correction between read and write wins."""
    buyer, _owner, _order, fulfilment = shipped_order(session)
    curator = make_user(session, is_curator=True)
    case = services.open_case(
        session, fulfilment, buyer=buyer, problem="damaged", description="x", photos=[], storage=None,
        now=utcnow(), refund_account=check_refund_account(**ACCOUNT),
    )  # fmt: skip
    session.commit()
    seen = services.refund_account_of(case).fingerprint()
    session.execute(
        sa.update(Case)
        .where(Case.id == case.id)
        .values(refund_account_number="5555666677")
        .execution_options(synchronize_session=False)
    )
    # The session still holds the old values (as if it had read them just before the UPDATE).
    with pytest.raises(ValidationError):
        services.resolve_case(
            session, case, curator=curator, resolution="refund", note="x", token="acct-3",
            bank_reference="BRI-2", account_seen=seen, now=utcnow(),
        )  # fmt: skip
    session.rollback()
    assert session.get(Case, case.id).status == CaseStatus.OPEN


def test_a_card_order_needs_no_account(app, session):
    buyer, _owner, order, fulfilment = shipped_order(session, payment_method="stripe")
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    form = client.get(report_url(order, fulfilment)).get_data(as_text=True)
    assert 'name="account_number"' not in form
    assert client.post(report_url(order, fulfilment), data=REPORT).status_code == 303
    case = the_case(session)
    assert case.refund_account_number == ""
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "goes back to the card you paid with" in page and f"/cases/{case.id}/account" not in page
    assert client.post(f"/cases/{case.id}/account", data=ACCOUNT).status_code == 400


def test_a_report_sent_twice_makes_one_case_and_the_form_leads_to_it(app, session):
    """Two tabs (or a double click): the second send lands on the first report, nothing doubles."""
    buyer, _owner, order, fulfilment = shipped_order(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    url = report_url(order, fulfilment)
    assert client.get(url).status_code == 200  # both tabs show the form
    first = client.post(url, data={**REPORT, **ACCOUNT})
    case = the_case(session)
    second = client.post(
        url,
        data={**REPORT, **ACCOUNT, "photos": [(io.BytesIO(jpeg()), "b.jpg")]},
        content_type="multipart/form-data",
    )
    assert first.status_code == second.status_code == 303
    assert second.headers["Location"] == f"/cases/{case.id}"
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
    page = client.get(second.headers["Location"]).get_data(as_text=True)
    assert "already sent" in page
    # Other words in the second tab are not lost: they wait in the report's reply box.
    third = client.post(url, data={**REPORT, **ACCOUNT, "description": "Also the lid is missing."})
    assert third.status_code == 409 and f'action="/cases/{case.id}/reply"' in third.get_data(as_text=True)
    assert "Also the lid is missing.</textarea>" in third.get_data(as_text=True)
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
    # The report link opened again (an old tab, the back button) goes to the report too.
    again = client.get(url)
    assert again.status_code == 303 and again.headers["Location"] == f"/cases/{case.id}"


def test_a_part_no_longer_on_its_way_shows_why_instead_of_a_form(app, session):
    buyer, _owner, order, fulfilment = shipped_order(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    assert client.post(f"/orders/{order.number}/parts/{fulfilment.id}/received").status_code == 303
    page = client.get(report_url(order, fulfilment)).get_data(as_text=True)
    assert "no longer on its way" in page and "<textarea" not in page
    refused = client.post(report_url(order, fulfilment), data={**REPORT, **ACCOUNT})
    assert refused.status_code == 400 and "can no longer be reported" in summary(
        refused.get_data(as_text=True)
    )


def test_refused_photos_are_asked_again(app, session):
    buyer, _owner, order, fulfilment = shipped_order(session)
    session.commit()
    client = logged_in_as(app.test_client(), buyer, lang="en")
    refused = client.post(
        report_url(order, fulfilment),
        data={"problem": "damaged", "description": "", **ACCOUNT, "photos": [(io.BytesIO(jpeg()), "a.jpg")]},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and "choose them again" in refused.get_data(as_text=True)
