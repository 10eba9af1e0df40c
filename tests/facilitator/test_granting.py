"""Granting and removing a facilitator's access: by the shop's owner, or by a curator with consent."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.email.models import OutboundEmail
from marketplace.seller import facilitators as services
from marketplace.seller.models import SellerFacilitator
from marketplace.types import utcnow
from tests.facilitator.conftest import log_in
from tests.factories import make_seller, make_user


def _links(session, seller_id):
    session.expire_all()
    return list(
        session.scalars(
            sa.select(SellerFacilitator)
            .where(SellerFacilitator.seller_id == seller_id)
            .order_by(SellerFacilitator.id)
        )
    )


def _count(session, model):
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_an_owner_grants_access_by_email_and_the_facilitator_is_emailed(app, session, world):
    helper = make_user(session, email="pendamping@example.test", name="Pak Pendamping", locale="en")
    session.commit()
    owner = log_in(app.test_client(), world.user_a.email)
    response = owner.post(
        f"/seller/facilitators/shops/{world.seller_a.id}",
        data={f"s{world.seller_a.id}-email": "  Pendamping@Example.test "},
    )
    assert response.status_code == 303
    (link,) = _links(session, world.seller_a.id)
    assert link.facilitator_id == helper.id and link.granted_by_id == world.user_a.id
    assert link.granted_via == "owner" and link.revoked_at is None
    email = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == helper.email)).one()
    assert "Rotan Ani" in email.subject and "/seller/" in email.body_text
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "facilitator.grant")).one()
    assert entry.actor_id == world.user_a.id and entry.actor_role == "seller"
    assert entry.seller_id == world.seller_a.id and entry.after["facilitator"] == helper.email
    # The new facilitator reaches the shop at once.
    assert (
        log_in(app.test_client(), helper.email).get(f"/seller/products/{world.product_a.id}").status_code
        == 200
    )


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "This field is required."),
        ("nobody@example.test", "No account uses this email address."),
        ("ani@example.test", "This account already owns the shop."),
        ("pendamping@example.test", "This facilitator already has access to the shop."),
    ],
)
def test_bad_grants_rerender_with_a_message_and_write_nothing(
    app, session, world, facilitators, email, message
):
    before = (_count(session, SellerFacilitator), _count(session, AuditEntry), _count(session, OutboundEmail))
    owner = log_in(app.test_client(), world.user_a.email)
    response = owner.post(
        f"/seller/facilitators/shops/{world.seller_a.id}", data={f"s{world.seller_a.id}-email": email}
    )
    assert response.status_code == 400
    assert message.replace("'", "&#39;") in response.get_data(as_text=True)
    assert (
        _count(session, SellerFacilitator),
        _count(session, AuditEntry),
        _count(session, OutboundEmail),
    ) == before


def test_the_service_refuses_a_facilitator_passing_access_on(session, world, facilitators):
    other = make_user(session)
    with pytest.raises(services.OwnerOnly):
        services.grant_by_owner(
            session, seller=world.seller_a, owner=facilitators.active, email=other.email, now=utcnow()
        )


# A curator links a facilitator to an artisan without an account ---------------------------


@pytest.fixture
def offline(session, world):
    artisan = make_seller(session, user_id=None, village=world.village, name="Ibu Sumi (tanpa akun)")
    helper = make_user(session, email="helper@example.test", name="Pendamping")
    session.commit()
    return artisan, helper


def test_a_curator_links_a_facilitator_with_the_artisans_consent(app, session, world, offline):
    artisan, helper = offline
    curator = log_in(app.test_client(), world.curator.email)
    url = f"/curator/sellers/{artisan.id}/facilitators"
    assert curator.get(url).status_code == 200
    response = curator.post(
        url,
        data={
            "email": helper.email,
            "consent": "y",
            "consent_note": "Agreed at the village hall, 3 Nov, with the kepala desa",
        },
    )
    assert response.status_code == 303
    (link,) = _links(session, artisan.id)
    assert link.granted_via == "curator" and link.granted_by_id == world.curator.id
    assert "village hall" in link.consent_note
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "facilitator.grant")).one()
    assert entry.actor_role == "curator" and entry.seller_id == artisan.id and "village hall" in entry.note
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(OutboundEmail)
            .where(OutboundEmail.to_address == helper.email)
        )
        == 1
    )
    page = log_in(app.test_client(), helper.email).get("/seller/")
    assert "Ibu Sumi" in page.get_data(as_text=True)

    # The curator can remove it again.
    response = curator.post(f"{url}/{link.id}/revoke")
    assert response.status_code == 303
    assert _links(session, artisan.id)[0].revoked_at is not None
    assert log_in(app.test_client(), helper.email).get("/seller/products").status_code == 404


def test_a_curators_link_needs_consent_and_a_note(app, session, world, offline):
    artisan, helper = offline
    curator = log_in(app.test_client(), world.curator.email)
    response = curator.post(
        f"/curator/sellers/{artisan.id}/facilitators", data={"email": "nobody@example.test"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Confirm that the artisan agreed to this facilitator." in html
    assert "Say how the artisan agreed" in html
    assert "No account uses this email address." in html
    assert _links(session, artisan.id) == [] and _count(session, AuditEntry) == 0


def test_a_shop_with_its_own_account_is_linked_by_its_owner_not_a_curator(app, session, world, offline):
    _artisan, helper = offline
    curator = log_in(app.test_client(), world.curator.email)
    url = f"/curator/sellers/{world.seller_a.id}/facilitators"
    assert "its owner chooses its facilitators" in curator.get(url).get_data(as_text=True)
    response = curator.post(
        url, data={"email": helper.email, "consent": "y", "consent_note": "agreed by phone"}
    )
    assert response.status_code == 400
    assert _links(session, world.seller_a.id) == []


def test_the_curator_page_is_for_curators_only(app, session, world, offline, facilitators):
    artisan, helper = offline
    url = f"/curator/sellers/{artisan.id}/facilitators"
    data = {"email": helper.email, "consent": "y", "consent_note": "agreed at the village hall"}
    anonymous = app.test_client()
    assert "/account/login" in anonymous.get(url).headers["Location"]
    assert "/account/login" in anonymous.post(url, data=data).headers["Location"]
    for email in (world.buyer.email, world.user_a.email, facilitators.active.email):
        client = log_in(app.test_client(), email)
        assert client.get(url).status_code == 404
        assert client.post(url, data=data).status_code == 404
    assert _links(session, artisan.id) == []
    assert (
        log_in(app.test_client(), world.curator.email).get("/curator/sellers/999999/facilitators").status_code
        == 404
    )


def test_the_curator_index_lists_shops_with_their_facilitators(app, session, world, offline, facilitators):
    artisan, _helper = offline
    curator = log_in(app.test_client(), world.curator.email)
    page = curator.get("/curator/facilitators")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f"/curator/sellers/{artisan.id}/facilitators" in html
    assert "pendamping@example.test" in html and "mantan@example.test" not in html
    assert log_in(app.test_client(), world.user_a.email).get("/curator/facilitators").status_code == 404


def test_the_database_holds_one_active_link_per_shop_and_facilitator(session, world, facilitators):
    from sqlalchemy.exc import IntegrityError

    from tests.facilitator.conftest import link_facilitator

    # A revoked link and a new active one for the same pair are fine (history is kept)...
    link_facilitator(session, seller=world.seller_a, user=facilitators.revoked)
    session.commit()
    # ...two active ones are not.
    with pytest.raises(IntegrityError):
        link_facilitator(session, seller=world.seller_a, user=facilitators.active)
    session.rollback()
