"""Problem cases end to end: report with photos → seller reply → curator decision → refund rows,
the signals payouts listen to, emails to the other side, and 404 for everyone else."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa
from PIL import Image

from marketplace import signals
from marketplace.audit.models import AuditEntry
from marketplace.cases import services
from marketplace.cases.models import Case, CaseResolution, CaseStatus
from marketplace.email.models import OutboundEmail
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.orders.models import Fulfilment, FulfilmentStatus
from marketplace.orders.queries import guest_order_token
from marketplace.refunds.models import Refund, RefundLine
from marketplace.types import utcnow
from tests.cases.helpers import ACCOUNT, shipped_order
from tests.factories import make_user
from tests.login import logged_in_as


def jpeg(width: int = 800) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, 600), (180, 90, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def heard():
    """What case_opened / case_closed sent (the payouts hold listens to the same)."""
    seen = []

    def opened(sender, **kw):
        seen.append(("opened", kw["fulfilment"].id, kw["amount_idr"]))

    def closed(sender, **kw):
        seen.append(("closed", kw["fulfilment"].id, kw["amount_idr"]))

    signals.case_opened.connect(opened)
    signals.case_closed.connect(closed)
    yield seen
    signals.case_opened.disconnect(opened)
    signals.case_closed.disconnect(closed)


def emails_to(session, address: str) -> list[OutboundEmail]:
    session.expire_all()
    return list(session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == address)))


def test_report_reply_refund_through_the_pages(app, session, heard):
    buyer, owner, order, fulfilment = shipped_order(session, units=2, price=85_000)
    curator = make_user(session, is_curator=True)
    stranger = make_user(session)
    session.commit()
    buyer_client = logged_in_as(app.test_client(), buyer, lang="en")
    assert "Report a problem with this part" in buyer_client.get(f"/orders/{order.number}").get_data(
        as_text=True
    )

    response = buyer_client.post(
        f"/orders/{order.number}/parts/{fulfilment.id}/problem",
        data={
            "problem": "damaged",
            "description": "The basket is crushed.",
            "photos": [(io.BytesIO(jpeg()), "a.jpg")],
            **ACCOUNT,
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    session.expire_all()
    case = session.scalars(sa.select(Case)).one()
    assert case.amount_idr == 170_000 + order.fulfilments[0].shipping_minor
    assert heard == [("opened", fulfilment.id, case.amount_idr)]
    assert session.get(Fulfilment, fulfilment.id).has_open_case
    assert any("reported a problem" in e.subject for e in emails_to(session, owner.email))
    photo_url = f"/cases/{case.id}/photos/{case.photos[0].id}"
    assert buyer_client.get(photo_url).headers["Content-Type"] == "image/webp"
    assert case.photos[0].storage_key.startswith("private/")

    # Another buyer, another seller: nothing to see.
    stranger_client = logged_in_as(app.test_client(), stranger, lang="en")
    for url in (f"/cases/{case.id}", photo_url, f"/orders/{order.number}/parts/{fulfilment.id}/problem"):
        assert stranger_client.get(url).status_code == 404
    assert stranger_client.post(f"/cases/{case.id}/reply", data={"body": "hi"}).status_code == 404
    assert stranger_client.post(f"/cases/{case.id}/resolve", data={"resolution": "reject"}).status_code == 404

    seller_client = logged_in_as(app.test_client(), owner, lang="en")
    assert "Problem reports" in seller_client.get(f"/seller/orders/{fulfilment.id}").get_data(as_text=True)
    assert seller_client.get(photo_url).status_code == 200
    assert seller_client.post(f"/cases/{case.id}/reply", data={"body": ""}).status_code == 400
    assert (
        seller_client.post(f"/cases/{case.id}/reply", data={"body": "Sorry, sent a new one?"}).status_code
        == 303
    )
    assert seller_client.post(f"/cases/{case.id}/resolve", data={"resolution": "reject"}).status_code == 404
    assert any("seller answered" in e.subject for e in emails_to(session, buyer.email))

    curator_client = logged_in_as(app.test_client(), curator, lang="en")
    assert order.number in curator_client.get("/curator/cases").get_data(as_text=True)
    page = curator_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Sorry, sent a new one?" in page and "Record the decision" in page
    missing_reference = curator_client.post(
        f"/cases/{case.id}/resolve", data={"resolution": "refund", "note": "Crushed.", "token": "t-case-1"}
    )
    assert missing_reference.status_code == 400  # bank transfer: the reference of the transfer back
    session.expire_all()
    assert session.get(Case, case.id).status == CaseStatus.OPEN  # rolled back whole
    response = curator_client.post(
        f"/cases/{case.id}/resolve",
        data={"resolution": "refund", "note": "Crushed.", "token": "t-case-1", "bank_reference": "BRI-1"},
    )
    assert response.status_code == 303
    session.expire_all()
    case = session.get(Case, case.id)
    refund = session.scalars(sa.select(Refund)).one()
    assert (case.status, case.resolution, case.refund_id) == (
        CaseStatus.CLOSED,
        CaseResolution.REFUND,
        refund.id,
    )
    assert refund.amount_minor == 170_000 + fulfilment.shipping_minor
    lines = session.scalars(sa.select(RefundLine).order_by(RefundLine.id)).all()
    assert [(line.quantity, line.amount_minor) for line in lines] == [
        (2, 170_000),
        (0, fulfilment.shipping_minor),
    ]
    f = session.get(Fulfilment, fulfilment.id)
    assert f.status == FulfilmentStatus.DELIVERED and not f.has_open_case
    assert heard[-1] == ("closed", fulfilment.id, case.amount_idr)
    audit = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "case.resolve")).one()
    assert audit.target_id == case.id
    assert any("decided" in e.subject for e in emails_to(session, buyer.email))
    assert any("decided" in e.subject for e in emails_to(session, owner.email))
    assert "Crushed." in buyer_client.get(f"/cases/{case.id}").get_data(as_text=True)
    # Decided once: a second decision is refused.
    again = curator_client.post(
        f"/cases/{case.id}/resolve", data={"resolution": "reject", "note": "x", "token": "t-case-2"}
    )
    assert (
        again.status_code in (303, 400)
        and session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 1
    )


def test_partial_refund_and_rejection_by_service(session):
    buyer, _owner, order, fulfilment = shipped_order(session, units=2, price=85_000)
    curator = make_user(session, is_curator=True)
    case = services.open_case(
        session, fulfilment, buyer=buyer, problem="wrong_item", description="Blue, not red.", photos=[],
        storage=None, now=utcnow(),
    )  # fmt: skip
    session.commit()
    with pytest.raises(ValidationError):  # one open case per part
        services.open_case(
            session, fulfilment, buyer=buyer, problem="damaged", description="Again", photos=[],
            storage=None, now=utcnow(),
        )  # fmt: skip
    session.rollback()
    with pytest.raises(ValidationError):
        services.resolve_case(
            session,
            case,
            curator=curator,
            resolution="partial_refund",
            note="Half",
            token="p-1",
            now=utcnow(),
        )
    session.rollback()
    services.resolve_case(
        session, session.get(Case, case.id), curator=curator, resolution="partial_refund", note="Half",
        token="p-1", amount_minor=40_000, bank_reference="BRI-2", now=utcnow(),
    )  # fmt: skip
    session.commit()
    refund = session.scalars(sa.select(Refund)).one()
    assert refund.amount_minor == 40_000
    assert sum(line.amount_idr for line in refund.lines) == 40_000
    assert all(line.quantity == 0 for line in refund.lines)
    with pytest.raises(Conflict):
        services.resolve_case(
            session, session.get(Case, case.id), curator=curator, resolution="reject", note="No", token="p-2",
            now=utcnow(),
        )  # fmt: skip
    session.rollback()


def test_rejection_refunds_nothing_and_too_many_photos_are_refused(session, heard):
    buyer, _owner, _order, fulfilment = shipped_order(session)
    curator = make_user(session, is_curator=True)
    session.commit()
    with pytest.raises(ValidationError):
        services.open_case(
            session, fulfilment, buyer=buyer, problem="damaged", description="x",
            photos=[b"1", b"2", b"3", b"4"], storage=None, now=utcnow(),
        )  # fmt: skip
    with pytest.raises(ValidationError):  # not a picture
        services.open_case(
            session, fulfilment, buyer=buyer, problem="damaged", description="x", photos=[b"<svg/>"],
            storage=None, now=utcnow(),
        )  # fmt: skip
    session.rollback()
    case = services.open_case(
        session, fulfilment, buyer=buyer, problem="not_received", description="Nothing came.", photos=[],
        storage=None, now=utcnow(),
    )  # fmt: skip
    services.resolve_case(
        session,
        case,
        curator=curator,
        resolution="reject",
        note="Courier shows it delivered.",
        token="r-1",
        now=utcnow(),
    )
    session.commit()
    assert session.scalar(sa.select(sa.func.count()).select_from(Refund)) == 0
    assert [kind for kind, _f, _a in heard] == ["opened", "closed"]
    assert session.get(Fulfilment, fulfilment.id).status == FulfilmentStatus.DELIVERED


def test_a_guest_reports_follows_and_answers_through_the_order_link(app, session, heard):
    """A guest order (no account): the signed order link opens the report, the case, its photo and
    the reply form, and carries on in every link; no token, a wrong one or another guest's: nothing."""
    _none, owner, order, fulfilment = shipped_order(session, guest_email="tamu@example.test")
    _none, _owner2, other_order, _other_part = shipped_order(session, guest_email="lain@example.test")
    curator = make_user(session, is_curator=True)
    stranger = make_user(session)
    session.commit()
    secret = app.config["SECRET_KEY"]
    token = guest_order_token(order, secret_key=secret)
    other_token = guest_order_token(other_order, secret_key=secret)
    guest = app.test_client()
    guest.set_cookie("lang", "en")
    report_url = f"/orders/{order.number}/parts/{fulfilment.id}/problem"
    order_page = guest.get(f"/orders/{order.number}?token={token}").get_data(as_text=True)
    assert f'href="{report_url}?token={token}"' in order_page
    report_page = guest.get(f"{report_url}?token={token}").get_data(as_text=True)
    assert f'action="{report_url}?token={token}"' in report_page
    assert f'href="/orders/{order.number}?token={token}"' in report_page  # back to the order

    def no_case_written():
        session.expire_all()
        return session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0

    report = {"problem": "damaged", "description": "The basket is crushed.", **ACCOUNT}
    logged_out_refusals = [("", (302,)), ("?token=bad", (404,)), (f"?token={other_token}", (404,))]
    for query, statuses in logged_out_refusals:
        assert guest.get(report_url + query).status_code in statuses, query
        assert guest.post(report_url + query, data=report).status_code in statuses, query
    assert guest.get(report_url).headers["Location"].startswith("/account/login")
    stranger_client = logged_in_as(app.test_client(), stranger, lang="en")
    assert stranger_client.post(report_url, data=report).status_code == 404
    assert no_case_written()

    response = guest.post(
        f"{report_url}?token={token}",
        data={**report, "photos": [(io.BytesIO(jpeg()), "a.jpg")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    session.expire_all()
    case = session.scalars(sa.select(Case)).one()
    assert response.headers["Location"] == f"/cases/{case.id}?token={token}"
    assert case.buyer_id is None and case.messages[0].author_id is None
    assert heard == [("opened", fulfilment.id, case.amount_idr)]
    assert any("reported a problem" in e.subject for e in emails_to(session, owner.email))

    case_url, photo_url = f"/cases/{case.id}", f"/cases/{case.id}/photos/{case.photos[0].id}"
    page = guest.get(f"{case_url}?token={token}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "The basket is crushed." in text and "Buyer" in text
    assert f'action="{case_url}/reply?token={token}"' in text
    assert f'href="{photo_url}?token={token}"' in text
    photo = guest.get(f"{photo_url}?token={token}")
    assert photo.status_code == 200 and photo.headers["Content-Type"] == "image/webp"
    for query, statuses in logged_out_refusals:
        for url in (case_url, photo_url):
            assert guest.get(url + query).status_code in statuses, (url, query)
        assert guest.post(f"{case_url}/reply{query}", data={"body": "Hello?"}).status_code in statuses
    # The token opens only its buyer's pages: not the curator's decision, not a stranger's view.
    assert guest.post(f"{case_url}/resolve?token={token}", data={"resolution": "reject"}).status_code == 302
    assert stranger_client.get(f"{case_url}?token={other_token}").status_code == 404
    session.expire_all()
    assert len(session.get(Case, case.id).messages) == 1

    # The order page's "See your report" leads to the case, token and all; the guest answers.
    order_page = guest.get(f"/orders/{order.number}?token={token}").get_data(as_text=True)
    part_url = f"/orders/{order.number}/parts/{fulfilment.id}/case?token={token}"
    assert f'href="{part_url}"' in order_page
    assert guest.get(part_url).headers["Location"] == f"{case_url}?token={token}"
    response = guest.post(f"{case_url}/reply?token={token}", data={"body": "Any news?"})
    assert response.status_code == 303 and response.headers["Location"] == f"{case_url}?token={token}"
    session.expire_all()
    message = session.get(Case, case.id).messages[-1]
    assert (message.author_id, message.side, message.body) == (None, "buyer", "Any news?")
    assert any("buyer wrote again" in e.subject for e in emails_to(session, owner.email))

    seller_client = logged_in_as(app.test_client(), owner, lang="en")
    assert "Any news?" in seller_client.get(case_url).get_data(as_text=True)
    assert seller_client.post(f"{case_url}/reply", data={"body": "A new one is coming."}).status_code == 303
    curator_client = logged_in_as(app.test_client(), curator, lang="en")
    response = curator_client.post(
        f"{case_url}/resolve",
        data={"resolution": "refund", "note": "Crushed.", "token": "t-guest-1", "bank_reference": "BRI-9"},
    )
    assert response.status_code == 303
    session.expire_all()
    assert session.get(Case, case.id).status == CaseStatus.CLOSED
    assert session.scalars(sa.select(Refund)).one().order_id == order.id

    # Every email to the guest about the case links to it with the token, and the link opens it.
    sent = emails_to(session, "tamu@example.test")
    case_emails = [e for e in sent if "seller answered" in e.subject or "decided" in e.subject]
    assert len(case_emails) == 2
    links = {re.search(r"http://localhost(/cases/\S+)", e.body_text).group(1) for e in case_emails}
    assert links == {f"{case_url}?token={token}"}
    decided = app.test_client().get(links.pop())
    assert decided.status_code == 200 and "Crushed." in decided.get_data(as_text=True)
    # The seller's emails link to the page without a token: they log in.
    seller_links = " ".join(e.body_text for e in emails_to(session, owner.email))
    assert "token=" not in seller_links and f"http://localhost{case_url}" in seller_links


def test_the_services_keep_guests_to_guest_orders(session):
    """`buyer=None` opens a case only on a guest order; `author=None` answers only as its buyer."""
    buyer, _owner, _order, fulfilment = shipped_order(session)
    _none, _owner2, _guest_order, guest_part = shipped_order(session, guest_email="tamu2@example.test")
    with pytest.raises(NotFound):  # an account's order needs its buyer
        services.open_case(
            session, fulfilment, buyer=None, problem="damaged", description="x", photos=[], storage=None,
            now=utcnow(),
        )  # fmt: skip
    with pytest.raises(NotFound):  # and a guest order no account
        services.open_case(
            session, guest_part, buyer=buyer, problem="damaged", description="x", photos=[], storage=None,
            now=utcnow(),
        )  # fmt: skip
    session.rollback()
    account_case = services.open_case(
        session, fulfilment, buyer=buyer, problem="damaged", description="x", photos=[], storage=None,
        now=utcnow(),
    )  # fmt: skip
    guest_case = services.open_case(
        session, guest_part, buyer=None, problem="damaged", description="x", photos=[], storage=None,
        now=utcnow(),
    )  # fmt: skip
    with pytest.raises(NotFound):
        services.reply_case(session, account_case, author=None, side="buyer", body="hi", now=utcnow())
    with pytest.raises(NotFound):
        services.reply_case(session, guest_case, author=None, side="seller", body="hi", now=utcnow())
    assert (
        services.reply_case(session, guest_case, author=None, side="buyer", body="hi", now=utcnow()).author_id
        is None
    )
    session.rollback()
