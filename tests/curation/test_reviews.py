"""Review queues: applications, new products and changes — decisions, emails, audit, double submit."""

from __future__ import annotations

import re

import pytest

from marketplace.catalogue.models import Product, ProductStatus
from marketplace.curation import reviews
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.errors import Conflict, InvalidInput
from marketplace.seller.models import Seller, SellerStatus
from marketplace.types import utcnow
from tests.curation.conftest import audit_rows, emails_to, log_in, make_revision, snapshot
from tests.factories import make_product, make_seller, make_user

# ---------------------------------------------------------------------------------------------
# Seller applications
# ---------------------------------------------------------------------------------------------


def test_approving_an_application_emails_the_applicant_and_audits(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    page = curator.get("/curator/applications").get_data(as_text=True)
    assert "Batik Budi" in page and "1234567890" in page and "applicant@example.test" in page

    response = curator.post(
        f"/curator/applications/{desk.pending_seller.id}/decision", data={"decision": "approve", "note": ""}
    )
    assert response.status_code == 303
    seller = session.get(Seller, desk.pending_seller.id)
    session.refresh(seller)
    assert seller.status == SellerStatus.APPROVED and seller.approved_at is not None
    [email] = emails_to(session, "applicant@example.test")
    assert "approved" in email.subject and email.lang == "en"
    [entry] = audit_rows(session, "seller.")
    assert entry.action == "seller.approve" and entry.actor_id == desk.curator.id
    assert entry.actor_role == "curator" and entry.seller_id == seller.id
    assert entry.before["status"] == "pending" and entry.after["status"] == "approved"
    # An approval without a note logs the status alone, not an empty note changing to empty.
    assert "review_note" not in entry.before and "review_note" not in entry.after
    assert f'id="app-{seller.id}"' not in curator.get("/curator/applications").get_data(as_text=True)


def test_rejecting_needs_a_reason_which_the_seller_then_sees(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    url = f"/curator/applications/{desk.pending_seller.id}/decision"
    before = snapshot(session)
    response = curator.post(url, data={"decision": "reject", "note": "   "})
    assert response.status_code == 400
    assert "Write the reason" in response.get_data(as_text=True)
    assert snapshot(session) == before

    response = curator.post(url, data={"decision": "reject", "note": "Foto KTP belum ada."})
    assert response.status_code == 303
    seller = session.get(Seller, desk.pending_seller.id)
    session.refresh(seller)
    assert seller.status == SellerStatus.REJECTED and seller.review_note == "Foto KTP belum ada."
    [email] = emails_to(session, "applicant@example.test")
    assert "Foto KTP belum ada." in email.body_text
    [entry] = audit_rows(session, "seller.")
    assert entry.action == "seller.reject" and entry.note == "Foto KTP belum ada."

    applicant = log_in(app.test_client(), desk.applicant.email)
    dashboard = applicant.get("/seller/").get_data(as_text=True)
    assert "Foto KTP belum ada." in dashboard


def test_double_submitted_approval_has_one_effect(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    url = f"/curator/applications/{desk.pending_seller.id}/decision"
    assert curator.post(url, data={"decision": "approve"}).status_code == 303
    second = curator.post(url, data={"decision": "approve"}, follow_redirects=True)
    assert second.status_code == 200
    assert "already decided" in second.get_data(as_text=True)
    assert len(emails_to(session, "applicant@example.test")) == 1
    assert len(audit_rows(session, "seller.")) == 1
    # A later "reject" of the decided application changes nothing either.
    curator.post(url, data={"decision": "reject", "note": "Terlambat."})
    session.expire_all()
    assert session.get(Seller, desk.pending_seller.id).status == SellerStatus.APPROVED
    assert len(emails_to(session, "applicant@example.test")) == 1


def test_bad_decision_values_are_400(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    before = snapshot(session)
    assert (
        curator.post(
            f"/curator/applications/{desk.pending_seller.id}/decision", data={"decision": "maybe"}
        ).status_code
        == 400
    )
    assert curator.post(f"/curator/products/{desk.new.id}/decision", data={}).status_code == 400
    assert (
        curator.post(
            f"/curator/products/{desk.live.id}/decision", data={"decision": "approve", "revision_id": "x"}
        ).status_code
        == 400
    )
    assert (
        curator.post("/curator/applications/999999/decision", data={"decision": "approve"}).status_code == 404
    )
    assert curator.post("/curator/products/999999/decision", data={"decision": "approve"}).status_code == 404
    assert curator.get("/curator/products/999999").status_code == 404
    assert snapshot(session) == before


# ---------------------------------------------------------------------------------------------
# New products
# ---------------------------------------------------------------------------------------------


def test_new_product_review_shows_all_fields_and_approve_publishes(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    queue = curator.get("/curator/products").get_data(as_text=True)
    assert "Tas pandan" in queue and "Keranjang rotan" in queue
    page = curator.get(f"/curator/products/{desk.new.id}").get_data(as_text=True)
    assert "Tas pandan" in page and "Pandan bag" in page and "Rp" in page
    assert ">Approve</button>" in page

    response = curator.post(f"/curator/products/{desk.new.id}/decision", data={"decision": "approve"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/curator/products")
    session.expire_all()
    product = session.get(Product, desk.new.id)
    assert product.status == ProductStatus.ACTIVE and product.published_at is not None
    [email] = emails_to(session, "ani@example.test")
    assert "Tas pandan" in email.subject
    [entry] = audit_rows(session, "product.")
    assert entry.action == "product.approve" and entry.target_id == product.id
    assert entry.before == {"status": "pending_review"} and entry.after == {"status": "active"}
    # Buyers see it now.
    assert app.test_client().get(f"/products/{product.id}").status_code in (200, 301, 302, 308)


def test_new_product_reject_needs_reason_and_sends_it_back(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    url = f"/curator/products/{desk.new.id}/decision"
    before = snapshot(session)
    response = curator.post(url, data={"decision": "reject", "note": ""})
    assert response.status_code == 400 and "Write the reason" in response.get_data(as_text=True)
    assert snapshot(session) == before

    assert curator.post(url, data={"decision": "reject", "note": "Fotonya buram."}).status_code == 303
    session.expire_all()
    assert session.get(Product, desk.new.id).status == ProductStatus.DRAFT
    [email] = emails_to(session, "ani@example.test")
    assert "Fotonya buram." in email.body_text
    [entry] = audit_rows(session, "product.")
    assert entry.action == "product.reject" and entry.note == "Fotonya buram."
    owner = log_in(app.test_client(), desk.owner.email)
    assert "Fotonya buram." in owner.get("/seller/").get_data(as_text=True)
    assert "Fotonya buram." in owner.get(f"/seller/products/{desk.new.id}").get_data(as_text=True)


def test_new_product_double_submit(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    url = f"/curator/products/{desk.new.id}/decision"
    curator.post(url, data={"decision": "approve"})
    second = curator.post(url, data={"decision": "approve"}, follow_redirects=True)
    assert "already decided" in second.get_data(as_text=True)
    assert len(emails_to(session, "ani@example.test")) == 1
    assert len(audit_rows(session, "product.")) == 1


# ---------------------------------------------------------------------------------------------
# Changes to products on sale
# ---------------------------------------------------------------------------------------------


def test_side_by_side_shows_live_and_proposed_values_with_markers(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    page = curator.get(f"/curator/products/{desk.live.id}").get_data(as_text=True)
    assert '<del><span lang="id">Keranjang rotan</span></del>' in page
    assert '<ins><span lang="id">Keranjang rotan besar</span></ins>' in page
    assert re.search(r"<del><span>Rp\W*85[.,]000</span></del>", page)
    assert re.search(r"<ins><span>Rp\W*95[.,]000</span></ins>", page)
    assert page.count('class="changed-mark"') == 2  # title and price; the rest is unchanged
    assert f'name="revision_id" value="{desk.revision.id}"' in page
    queue = curator.get("/curator/products").get_data(as_text=True)
    assert "Name, in Indonesian, Price" in queue


def test_approving_a_change_applies_it_emails_and_audits(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    page = curator.get(f"/curator/products/{desk.live.id}").get_data(as_text=True)
    version = page.split('name="version" value="')[1].split('"')[0]
    response = curator.post(
        f"/curator/products/{desk.live.id}/decision",
        data={"decision": "approve", "revision_id": str(desk.revision.id), "version": version},
    )
    assert response.status_code == 303
    session.expire_all()
    product = session.get(Product, desk.live.id)
    assert product.title_id == "Keranjang rotan besar" and product.price_minor == 95_000
    assert session.get(ProductRevision, desk.revision.id).status == RevisionStatus.APPROVED
    [email] = emails_to(session, "ani@example.test")
    assert email.lang == "id"
    [entry] = audit_rows(session, "product_change.")
    assert entry.action == "product_change.approve"
    assert entry.before == {"title_id": "Keranjang rotan", "price_minor": 85_000}
    assert entry.after == {"title_id": "Keranjang rotan besar", "price_minor": 95_000}
    # double submit: one effect
    again = curator.post(
        f"/curator/products/{desk.live.id}/decision",
        data={"decision": "approve", "revision_id": str(desk.revision.id), "version": version},
        follow_redirects=True,
    )
    assert "already decided" in again.get_data(as_text=True)
    assert len(emails_to(session, "ani@example.test")) == 1
    assert len(audit_rows(session, "product_change.")) == 1
    owner = log_in(app.test_client(), desk.owner.email)
    assert "Changes approved" in owner.get("/seller/").get_data(as_text=True)


def test_rejecting_a_change_keeps_the_live_product(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    response = curator.post(
        f"/curator/products/{desk.live.id}/decision",
        data={"decision": "reject", "note": "Harga terlalu tinggi.", "revision_id": str(desk.revision.id)},
    )
    assert response.status_code == 303
    session.expire_all()
    product = session.get(Product, desk.live.id)
    assert product.title_id == "Keranjang rotan" and product.price_minor == 85_000
    revision = session.get(ProductRevision, desk.revision.id)
    assert revision.status == RevisionStatus.REJECTED and revision.reviewer_note == "Harga terlalu tinggi."
    [email] = emails_to(session, "ani@example.test")
    assert "Harga terlalu tinggi." in email.body_text
    [entry] = audit_rows(session, "product_change.")
    assert entry.action == "product_change.reject" and entry.note == "Harga terlalu tinggi."
    owner = log_in(app.test_client(), desk.owner.email)
    assert "Harga terlalu tinggi." in owner.get("/seller/").get_data(as_text=True)


def test_a_change_edited_while_the_curator_looked_is_not_approved_blind(app, session, desk):
    review = reviews.get_product_review(session, desk.live.id)
    stale = review.version
    revision = session.get(ProductRevision, desk.revision.id)
    revision.changes = {**revision.changes, "price_minor": 1_000}
    revision.updated_at = utcnow()
    session.commit()
    with pytest.raises(Conflict):
        reviews.decide_product(
            session, product=desk.live, approve=True, curator=desk.curator, note="", now=utcnow(),
            revision_id=desk.revision.id, version=stale,
        )  # fmt: skip
    session.rollback()
    curator = log_in(app.test_client(), desk.curator.email)
    response = curator.post(
        f"/curator/products/{desk.live.id}/decision",
        data={"decision": "approve", "revision_id": str(desk.revision.id), "version": stale},
        follow_redirects=True,
    )
    assert "changed this product while you were looking" in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(Product, desk.live.id).price_minor == 85_000
    assert audit_rows(session) == []


def test_service_reject_without_reason_raises(session, desk):
    with pytest.raises(InvalidInput):
        reviews.decide_product(
            session, product=desk.live, approve=False, curator=desk.curator, note=" ", now=utcnow(),
            revision_id=desk.revision.id,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Bounded queries
# ---------------------------------------------------------------------------------------------


def _more_work(session, desk, n: int):
    for i in range(n):
        user = make_user(session)
        seller = make_seller(
            session, user_id=user.id, village=desk.village, status=SellerStatus.PENDING, approved_at=None
        )
        make_product(session, seller=desk.seller, cluster=desk.cluster, status=ProductStatus.PENDING_REVIEW)
        live = make_product(session, seller=seller, cluster=desk.cluster)
        make_revision(session, live, price_minor=1000 + i)
    session.commit()


def test_queue_pages_run_a_bounded_number_of_queries(app, session, desk, count_queries):
    curator = log_in(app.test_client(), desk.curator.email)
    counts = {}
    for label in ("few", "many"):
        if label == "many":
            _more_work(session, desk, 6)
        for url in ("/curator/applications", "/curator/products"):
            curator.get(url)  # warm-up (session, locale)
            with count_queries() as counter:
                assert curator.get(url).status_code == 200
            counts[(label, url)] = counter.count
    for url in ("/curator/applications", "/curator/products"):
        assert counts[("many", url)] == counts[("few", url)], counts
        assert counts[("many", url)] <= 12, counts
    html = curator.get("/curator/products").get_data(as_text=True)
    assert html.count("/curator/products/") >= 14
