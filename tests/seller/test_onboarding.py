"""Applying to sell, the waiting dashboard, and the curator's decision (with the email it sends)."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.email.models import OutboundEmail
from marketplace.seller.models import Seller, SellerPayoutAccount, SellerStatus
from tests.factories import make_cluster, make_user, make_village
from tests.seller.conftest import log_in


def application(village, clusters, **overrides):
    data = {
        "name": "Anyaman Bambu Sari",
        "kind": "kub",
        "village_id": str(village.id),
        "cluster_ids": [str(c.id) for c in clusters],
        "story_id": "Kelompok pengrajin bambu di Tambong sejak 1998, semua dianyam tangan.",
        "story_en": "A bamboo weavers' group in Tambong since 1998.",
        "phone": "0812-3456-7890",
        "bank_name": "BRI",
        "account_number": "0123 4567 8901 234",
        "account_holder": "Sari Wulandari",
    }
    data.update(overrides)
    return data


def test_apply_wait_and_get_approved(app, session):
    village = make_village(session, name="Tambong")
    clusters = [make_cluster(session), make_cluster(session)]
    user = make_user(session, email="sari@example.test", name="Sari", locale="en")
    curator = make_user(session, email="kurator@example.test", is_curator=True)
    session.commit()
    client = log_in(app.test_client(), user.email)

    assert client.get("/seller/").headers["Location"].endswith("/seller/apply")
    page = client.get("/seller/apply")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'for="account_number"' in html and "Tambong" in html

    response = client.post(
        "/seller/apply", data=application(village, clusters, seller_id="999", status="approved")
    )
    assert response.status_code == 303
    seller = session.scalars(sa.select(Seller).where(Seller.user_id == user.id)).one()
    assert seller.status == SellerStatus.PENDING and seller.name == "Anyaman Bambu Sari"
    assert seller.phone == "081234567890" and seller.kind == "kub"
    assert {c.id for c in seller.clusters} == {c.id for c in clusters}
    account = session.scalars(
        sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id == seller.id)
    ).one()
    assert account.account_number == "012345678901234"
    assert account.account_holder == "Sari Wulandari"

    dashboard = client.get("/seller/").get_data(as_text=True)
    assert "Waiting for approval" in dashboard or "waiting" in dashboard.lower()
    # Pending shops cannot list products yet.
    response = client.get("/seller/products/new")
    assert response.status_code == 303 and response.headers["Location"].endswith("/seller/")

    curator_client = log_in(app.test_client(), curator.email)
    queue = curator_client.get("/curator/applications").get_data(as_text=True)
    assert "Anyaman Bambu Sari" in queue and "012345678901234" in queue and "Artisan group (KUB)" in queue
    response = curator_client.post(
        f"/curator/applications/{seller.id}/decision", data={"decision": "approve", "note": ""}
    )
    assert response.status_code == 303
    session.expire_all()
    assert seller.status == SellerStatus.APPROVED and seller.approved_at is not None
    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == user.email)).one()
    assert "approved" in email.subject and email.lang == "en"
    assert "/seller/" in email.body_text
    assert client.get("/seller/products/new").status_code == 200
    assert "BRI ••••1234 (Sari Wulandari)" in client.get("/seller/").get_data(as_text=True)


def test_bad_application_rerenders_with_messages_and_saves_nothing(app, session):
    village = make_village(session)
    cluster = make_cluster(session)
    user = make_user(session)
    session.commit()
    client = log_in(app.test_client(), user.email)
    bad = application(
        village,
        [cluster],
        village_id="abc",
        cluster_ids=[],
        phone="12",
        account_number="12-ab",
        story_id="short",
    )
    response = client.post("/seller/apply", data=bad)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    for message in (
        "Choose your village.",
        "Choose at least one kind",
        "8 to 15 digits",
        "6 to 20 digits",
        "20 characters",
    ):
        assert message in html, message
    assert 'value="Anyaman Bambu Sari"' in html  # nothing the applicant typed is lost
    assert session.scalar(sa.select(sa.func.count()).select_from(Seller)) == 0
    assert session.scalar(sa.select(sa.func.count()).select_from(SellerPayoutAccount)) == 0


def test_rejection_needs_a_reason_is_emailed_and_the_applicant_can_apply_again(app, session):
    village = make_village(session)
    cluster = make_cluster(session)
    user = make_user(session, email="rudi@example.test")
    curator = make_user(session, is_curator=True)
    session.commit()
    client = log_in(app.test_client(), user.email)
    client.post("/seller/apply", data=application(village, [cluster]))
    seller = session.scalars(sa.select(Seller)).one()
    curator_client = log_in(app.test_client(), curator.email)

    curator_client.post(
        f"/curator/applications/{seller.id}/decision", data={"decision": "reject", "note": " "}
    )
    session.expire_all()
    assert seller.status == SellerStatus.PENDING  # no reason, no rejection

    curator_client.post(
        f"/curator/applications/{seller.id}/decision",
        data={"decision": "reject", "note": "Foto KTP belum ada."},
    )
    session.expire_all()
    assert seller.status == SellerStatus.REJECTED
    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == user.email)).one()
    assert "Foto KTP belum ada." in email.body_text
    # Deciding twice changes nothing.
    curator_client.post(f"/curator/applications/{seller.id}/decision", data={"decision": "approve"})
    session.expire_all()
    assert seller.status == SellerStatus.REJECTED

    assert client.get("/seller/apply").status_code == 200
    client.post("/seller/apply", data=application(village, [cluster], name="Anyaman Bambu Sari Baru"))
    session.expire_all()
    assert session.scalar(sa.select(sa.func.count()).select_from(Seller)) == 1
    assert seller.status == SellerStatus.PENDING and seller.name == "Anyaman Bambu Sari Baru"
