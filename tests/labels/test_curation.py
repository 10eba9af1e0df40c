"""Curators verify or reject label requests: one effect per decision, emails, audit, public pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.errors import InvalidInput
from marketplace.labels import review as services
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.timezones import market_today
from marketplace.types import utcnow
from tests.factories import make_product_label
from tests.labels.conftest import audit, emails, labels, log_in


@pytest.fixture
def requested(session, world):
    label = make_product_label(
        session,
        product=world.product_a,
        label_type=world.halal,
        status=LabelStatus.REQUESTED,
        certificate_number="ID35110000412340823",
        valid_until=market_today() + timedelta(days=400),
        evidence_key="private/label-evidence/abc.pdf",
    )
    session.commit()
    return label


def product_page(client, world) -> str:
    response = client.get(f"/products/{world.product_a.id}-{world.product_a.slug}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_queue_shows_requests_with_their_evidence_and_a_verify_button(app, world, requested):
    curator = log_in(app.test_client(), world.curator.email)
    page = curator.get("/curator/labels").get_data(as_text=True)
    assert "ID35110000412340823" in page and "Dapur Ani" in page and "Tambong" in page
    assert f"/curator/labels/{requested.id}/evidence" in page
    assert f'action="/curator/labels/{requested.id}/verify"' in page
    assert '<button type="submit">Verify</button>' in page
    assert 'aria-label="Verify Halal for Peanut sambal"' in page
    assert "Label requests" in page  # the console menu entry (with its waiting count)


def test_verify_publishes_the_label_emails_and_audits_once(app, session, world, requested):
    anonymous = app.test_client()
    assert "ID35110000412340823" not in product_page(anonymous, world)
    curator = log_in(app.test_client(), world.curator.email)
    response = curator.post(f"/curator/labels/{requested.id}/verify")
    assert response.status_code == 303
    again = curator.post(f"/curator/labels/{requested.id}/verify")  # a double submit
    assert again.status_code == 303
    assert "nothing changed" in curator.get("/curator/labels").get_data(as_text=True)

    (label,) = labels(session)
    assert label.status == LabelStatus.VERIFIED
    assert label.reviewed_by_id == world.curator.id and label.reviewed_at is not None
    (mail,) = emails(session, "label_decision")
    assert mail.to_address == world.user_a.email and mail.lang == "id"
    (entry,) = audit(session, "label.verify")
    assert entry.actor_id == world.curator.id and entry.seller_id == world.seller_a.id
    assert entry.before == {"status": "requested"} and entry.after == {"status": "verified"}
    assert "ID35110000412340823" in product_page(anonymous, world)


def test_reject_needs_a_reason_and_the_seller_reads_it(app, session, world, requested):
    curator = log_in(app.test_client(), world.curator.email)
    response = curator.post(f"/curator/labels/{requested.id}/reject", data={"note": "   "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Write the reason" in html
    # Named at the top of the page too, linked to that request's reason (a phone shows it at once).
    top = html[html.index('id="error-summary"') : html.index('class="rows label-queue"')]
    assert f'href="#note-{requested.id}"' in top and "Write the reason" in top
    assert labels(session)[0].status == LabelStatus.REQUESTED
    assert emails(session) == [] and audit(session, "label.reject") == []

    response = curator.post(
        f"/curator/labels/{requested.id}/reject", data={"note": "Nomor sertifikat tidak cocok"}
    )
    assert response.status_code == 303
    curator.post(f"/curator/labels/{requested.id}/reject", data={"note": "again"})
    (label,) = labels(session)
    assert label.status == LabelStatus.REJECTED and label.reviewer_note == "Nomor sertifikat tidak cocok"
    (mail,) = emails(session, "label_decision")
    assert "Nomor sertifikat tidak cocok" in mail.body_text
    assert len(audit(session, "label.reject")) == 1

    seller = log_in(app.test_client(), world.user_a.email)
    page = seller.get("/seller/labels").get_data(as_text=True)
    assert "Not verified" in page and "Nomor sertifikat tidak cocok" in page and "Ask again" in page


def test_decisions_on_missing_labels_and_by_non_curators(app, session, world, requested):
    curator = log_in(app.test_client(), world.curator.email)
    assert curator.post("/curator/labels/987654/verify").status_code == 404
    for email in (world.user_a.email, world.buyer.email):
        client = log_in(app.test_client(), email)
        assert client.post(f"/curator/labels/{requested.id}/verify").status_code == 404
        assert client.get("/curator/labels").status_code == 404
    anonymous = app.test_client().post(f"/curator/labels/{requested.id}/verify")
    assert anonymous.status_code == 302
    assert labels(session)[0].status == LabelStatus.REQUESTED
    assert emails(session) == []


def test_decide_label_service_rules(app, session, world, requested):
    with pytest.raises(InvalidInput):
        services.decide_label(
            session, label=requested, approve=False, curator=world.curator, note="", now=utcnow()
        )
    assert services.decide_label(
        session, label=requested, approve=True, curator=world.curator, note="", now=utcnow()
    )
    assert not services.decide_label(
        session, label=requested, approve=False, curator=world.curator, note="late", now=utcnow()
    )
    session.commit()
    assert session.scalar(sa.select(ProductLabel.status)) == LabelStatus.VERIFIED


def test_email_in_the_sellers_language(app, session, world):
    label = make_product_label(
        session,
        product=world.product_b,
        label_type=world.halal,
        status=LabelStatus.REQUESTED,
        evidence_key="private/label-evidence/kopi.pdf",
    )
    session.commit()
    services.decide_label(session, label=label, approve=True, curator=world.curator, note="", now=utcnow())
    session.commit()
    (mail,) = emails(session, "label_decision")
    assert mail.to_address == world.user_b.email and mail.lang == "en"
    assert "Robusta coffee" in mail.subject
