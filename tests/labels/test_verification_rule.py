"""A curator verifies a label only against its evidence: certificate labels need the file, the number
and the last valid day (or the curator's word that there is none); nothing expired is verified."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.errors import InvalidInput
from marketplace.labels import review
from marketplace.labels.models import LabelStatus
from marketplace.timezones import market_today
from marketplace.types import utcnow
from tests.factories import make_product_label
from tests.labels.conftest import audit, emails, labels, log_in

EVIDENCE = "private/label-evidence/sertifikat.pdf"


def _requested(session, world, **overrides):
    values = {
        "product": world.product_a,
        "label_type": world.halal,
        "status": LabelStatus.REQUESTED,
        "certificate_number": "ID35110000731551124",
        "valid_until": market_today() + timedelta(days=400),
        "evidence_key": EVIDENCE,
    }
    values.update(overrides)
    label = make_product_label(session, **values)
    session.commit()
    return label


def _summary(html: str) -> str:
    return html[html.index('id="error-summary"') : html.index('class="rows label-queue"')]


def _nothing_written(session, world):
    (label,) = labels(session)
    assert label.status == LabelStatus.REQUESTED and label.reviewed_by_id is None
    assert audit(session, "label.verify") == [] and emails(session) == []


def test_the_rule_per_kind_of_label(app, session, world):
    today = market_today()
    complete = _requested(session, world)
    assert review.verification_problems(complete, today=today) == {}

    bare = _requested(
        session, world, product=world.product_b, evidence_key=None, certificate_number=" ", valid_until=None
    )
    assert set(review.verification_problems(bare, today=today)) == {
        "evidence",
        "certificate_number",
        "valid_until",
    }
    # The curator's word that the certificate has no end date answers only the missing date.
    assert set(review.verification_problems(bare, today=today, no_end_date=True)) == {
        "evidence",
        "certificate_number",
    }
    # The last valid day itself still counts; the day after, it has passed.
    complete.valid_until = today
    assert review.verification_problems(complete, today=today) == {}
    assert set(review.verification_problems(complete, today=today + timedelta(days=1))) == {"valid_until"}

    # A label the curator gives after a visit needs no file, number or date: the visit is the evidence.
    visit = _requested(
        session, world, label_type=world.handmade, evidence_key=None, certificate_number="", valid_until=None
    )
    assert review.verification_problems(visit, today=today) == {}
    visit.valid_until = today - timedelta(days=1)
    assert set(review.verification_problems(visit, today=today)) == {"valid_until"}


def test_verifying_without_evidence_is_refused_at_the_top_and_in_the_row(app, session, world):
    label = _requested(session, world, evidence_key=None, valid_until=None)
    curator = log_in(app.test_client(), world.curator.email)

    before = curator.get("/curator/labels").get_data(as_text=True)
    assert "Not ready to verify:" in before and "There is no certificate file" in before
    assert 'id="error-summary"' not in before

    response = curator.post(f"/curator/labels/{label.id}/verify")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    top = _summary(html)
    assert f'href="#verify-{label.id}"' in top and "There is no certificate file" in top
    assert "The label was not verified." in top
    assert "Halal · Peanut sambal" in top  # which request, in the curator's language
    # No word of a box to tick while the file itself is missing (the row offers none then).
    assert "tick the box" not in top and f'id="no-end-date-{label.id}"' not in html
    assert f'id="verify-{label.id}"' in html and "Not verified: this request is incomplete." in html
    _nothing_written(session, world)

    # The way out is a rejection with the reason; the seller then sends the request again.
    curator.post(f"/curator/labels/{label.id}/reject", data={"note": "Lampirkan sertifikat halalnya."})
    assert labels(session)[0].status == LabelStatus.REJECTED


def test_the_refusal_reads_in_indonesian(app, session, world):
    label = _requested(session, world, evidence_key=None, certificate_number="")
    curator = log_in(app.test_client(), world.curator.email)
    curator.get("/curator/labels?lang=id")
    top = _summary(curator.post(f"/curator/labels/{label.id}/verify").get_data(as_text=True))
    assert "Tidak ada berkas sertifikat" in top and "Tidak ada nomor sertifikat" in top
    _nothing_written(session, world)


def test_a_certificate_that_expired_while_waiting_is_not_verified(app, session, world):
    label = _requested(session, world, valid_until=market_today() - timedelta(days=1))
    curator = log_in(app.test_client(), world.curator.email)
    response = curator.post(f"/curator/labels/{label.id}/verify")
    assert response.status_code == 400
    assert "The last valid day has passed" in _summary(response.get_data(as_text=True))
    _nothing_written(session, world)
    with pytest.raises(InvalidInput):
        review.decide_label(session, label=label, approve=True, curator=world.curator, note="", now=utcnow())


def test_a_certificate_without_end_date_needs_the_curators_word(app, session, world):
    label = _requested(session, world, valid_until=None)
    curator = log_in(app.test_client(), world.curator.email)
    page = curator.get("/curator/labels").get_data(as_text=True)
    assert f'id="no-end-date-{label.id}"' in page and "Not ready to verify" not in page

    refused = curator.post(f"/curator/labels/{label.id}/verify")
    assert refused.status_code == 400
    html = refused.get_data(as_text=True)
    assert f'href="#no-end-date-{label.id}"' in _summary(html) and "tick the box" in _summary(html)
    assert f'id="no-end-date-{label.id}-error"' in html
    _nothing_written(session, world)

    done = curator.post(f"/curator/labels/{label.id}/verify", data={"no_end_date": "y"})
    assert done.status_code == 303
    (label,) = labels(session)
    assert label.status == LabelStatus.VERIFIED and label.valid_until is None
    (entry,) = audit(session, "label.verify")
    assert entry.after == {"status": "verified", "no_end_date": True}


def test_a_visit_label_is_verified_without_a_file(app, session, world):
    label = _requested(
        session, world, label_type=world.handmade, evidence_key=None, certificate_number="", valid_until=None
    )
    curator = log_in(app.test_client(), world.curator.email)
    assert "Not ready to verify" not in curator.get("/curator/labels").get_data(as_text=True)
    assert curator.post(f"/curator/labels/{label.id}/verify").status_code == 303
    (label,) = labels(session)
    assert label.status == LabelStatus.VERIFIED
    assert audit(session, "label.verify")[0].after == {"status": "verified"}


def test_two_curators_in_two_tabs_decide_once(app, session, world):
    label = _requested(session, world)
    other = make_product_label(
        session, product=world.product_a, label_type=world.handmade, status=LabelStatus.REQUESTED
    )
    session.commit()
    first = log_in(app.test_client(), world.curator.email)
    second = log_in(app.test_client(), world.curator.email)
    first.get("/curator/labels")
    second.get("/curator/labels")  # both tabs show the request

    assert first.post(f"/curator/labels/{label.id}/verify").status_code == 303
    # The second tab, still showing it, rejects it (even without a reason) or verifies it.
    for action, data in (("reject", {"note": ""}), ("verify", {})):
        assert second.post(f"/curator/labels/{label.id}/{action}", data=data).status_code == 303
        page = second.get("/curator/labels").get_data(as_text=True)
        assert "This label was not waiting for a decision: nothing changed." in page
    assert labels(session)[0].status == LabelStatus.VERIFIED
    assert len(audit(session, "label.verify")) == 1 and audit(session, "label.reject") == []
    assert len(emails(session, "label_decision")) == 1
    assert labels(session)[1].id == other.id and labels(session)[1].status == LabelStatus.REQUESTED
