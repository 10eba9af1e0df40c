"""The shop's own profile (/seller/shops/<id>/profile): the owner and its facilitator edit it, public
text and new workshop photos wait for a curator (/curator/shop-profiles), everything is audited."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.email.models import OutboundEmail
from marketplace.naikkelas.services import ensure_default_naik_kelas
from marketplace.seller.models import ProfileChangeStatus, Seller, ShopProfileRevision, WorkshopPhoto
from marketplace.seller.profile import MAX_WORKSHOP_PHOTOS, ProfileInput, save_profile
from marketplace.types import utcnow
from tests.facilitator.conftest import link_facilitator
from tests.factories import make_user, make_village
from tests.media import samples
from tests.seller.conftest import log_in, notices

OLD_STORY = "Kami menganyam rotan di Tambong sejak 1998, tiga generasi."
NEW_STORY = "Kami menganyam rotan dan bambu di Tambong sejak 1998: kini sepuluh ibu-ibu."
NEW_STORY_EN = "We weave rattan and bamboo in Tambong since 1998: ten women now."


@pytest.fixture
def shop(session, world):
    """Shop A with a story, an owner (Ani) and a facilitator; a curator to decide."""
    world.seller_a.story_id = OLD_STORY
    helper = make_user(session, email="pendamping@example.test", name="Pendamping", locale="en")
    link_facilitator(session, seller=world.seller_a, user=helper)
    session.commit()
    world.helper = helper
    return world


def _url(shop, suffix: str = "") -> str:
    return f"/seller/shops/{shop.seller_a.id}/profile{suffix}"


def _form(shop, **changes) -> dict:
    values = {
        "name": shop.seller_a.name,
        "story_id": OLD_STORY,
        "story_en": "",
        "village_id": str(shop.seller_a.village_id),
        "phone": "081234567890",
    }
    return {**values, **changes}


def _upload(client, shop, data: bytes, alt_id: str = "Ibu Ani menganyam keranjang", alt_en: str = ""):
    return client.post(
        _url(shop, "/photos"),
        data={"photo": (io.BytesIO(data), "bengkel.jpg"), "alt_id": alt_id, "alt_en": alt_en},
        content_type="multipart/form-data",
    )


def _audit(session, seller_id: int) -> list[tuple[str, str, str]]:
    session.expire_all()
    return list(
        session.execute(
            sa.select(AuditEntry.action, AuditEntry.actor_role, AuditEntry.actor_label)
            .where(AuditEntry.seller_id == seller_id)
            .order_by(AuditEntry.id)
        ).all()
    )


def _emails(session, *addresses: str) -> list[OutboundEmail]:
    return notices(session, *addresses)


def test_the_story_waits_for_a_curator_and_goes_live_on_approval(app, session, shop):
    ensure_default_naik_kelas(session)
    session.commit()
    owner = log_in(app.test_client(), shop.user_a.email)
    page = owner.get(_url(shop)).get_data(as_text=True)
    assert "Shop profile" in page and OLD_STORY in page and 'name="phone"' in page
    # The one-shop owner finds the page in the menu; the naik kelas step links it.
    assert f'href="{_url(shop)}"' in page.split("</header>")[0]
    scorecard = owner.get("/seller/naik-kelas").get_data(as_text=True)
    assert f'href="{_url(shop)}">Complete your shop profile</a>' in scorecard

    response = owner.post(
        _url(shop),
        data=_form(
            shop,
            story_id=NEW_STORY,
            story_en=NEW_STORY_EN,
            phone="0812 9999 8888",
            address_line="  Jl. Raya Tambong No. 12,\n RT 02/RW 01 ",
        ),  # fmt: skip
    )
    assert response.status_code == 303
    session.expire_all()
    seller = session.get(Seller, shop.seller_a.id)
    assert seller.phone == "081299998888"  # private: changed at once
    assert seller.address_line == "Jl. Raya Tambong No. 12, RT 02/RW 01"  # private too, on one line
    assert seller.story_id == OLD_STORY and seller.story_en == ""  # public: waits
    page = owner.get(_url(shop)).get_data(as_text=True)
    assert "Waiting for a curator:" in page and NEW_STORY in page  # the form shows what was sent
    public = app.test_client().get(f"/sellers/{seller.slug}").get_data(as_text=True)
    assert OLD_STORY in public and NEW_STORY not in public

    curator = log_in(app.test_client(), shop.curator.email)
    queue = curator.get("/curator/shop-profiles").get_data(as_text=True)
    assert re.search(r"Shop profiles to review <span class=\"badge\">1</span>", queue)
    assert "Rotan Ani" in queue and "Story, in Indonesian, Story, in English" in queue
    review = curator.get(f"/curator/shop-profiles/{seller.id}").get_data(as_text=True)
    assert f"<del>{OLD_STORY}</del>" in review and f"<ins>{NEW_STORY}</ins>" in review
    version = re.search(r'name="version" value="([0-9]+)"', review).group(1)
    decided = curator.post(
        f"/curator/shop-profiles/{seller.id}/decision", data={"decision": "approve", "version": version}
    )
    assert decided.status_code == 303
    session.expire_all()
    seller = session.get(Seller, shop.seller_a.id)
    assert (seller.story_id, seller.story_en) == (NEW_STORY, NEW_STORY_EN)
    for lang, story in (("id", NEW_STORY), ("en", NEW_STORY_EN)):
        visitor = app.test_client()
        visitor.set_cookie("lang", lang)
        assert story in visitor.get(f"/sellers/{seller.slug}").get_data(as_text=True)
    # Deciding twice changes nothing; the owner and the facilitator are told, each once.
    again = curator.post(f"/curator/shop-profiles/{seller.id}/decision", data={"decision": "approve"})
    assert again.status_code == 303
    emails = _emails(session, shop.user_a.email, shop.helper.email)
    assert [(e.to_address, e.lang) for e in emails] == [(shop.user_a.email, "id"), (shop.helper.email, "en")]
    assert "are live" in emails[1].subject
    assert "A curator approved your last changes" in owner.get(_url(shop)).get_data(as_text=True)
    assert _audit(session, seller.id) == [
        ("seller.update", "seller", shop.user_a.email),  # the phone
        ("shop_profile_revision.create", "seller", shop.user_a.email),
        ("shop_profile.approve", "curator", shop.curator.email),
    ]
    approved = session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "shop_profile.approve"))
    assert approved.before == {"story_id": OLD_STORY, "story_en": ""}
    assert approved.after == {"story_id": NEW_STORY, "story_en": NEW_STORY_EN}


def test_a_facilitator_moves_the_desa_and_the_curator_rejects_it_with_a_reason(app, session, shop):
    kemiren = make_village(session, name="Kemiren", slug="kemiren")
    session.commit()
    helper = log_in(app.test_client(), shop.helper.email)
    assert helper.post(_url(shop), data=_form(shop, village_id=str(kemiren.id))).status_code == 303
    assert _audit(session, shop.seller_a.id) == [
        ("shop_profile_revision.create", "facilitator", shop.helper.email)
    ]
    curator = log_in(app.test_client(), shop.curator.email)
    review = curator.get(f"/curator/shop-profiles/{shop.seller_a.id}").get_data(as_text=True)
    assert "<del>Tambong</del>" in review and "<ins>Kemiren</ins>" in review
    url = f"/curator/shop-profiles/{shop.seller_a.id}/decision"
    # The shop changes it again while the curator looks: a decision on the old version is refused.
    seen = re.search(r'name="version" value="([0-9]+)"', review).group(1)
    assert (
        helper.post(
            _url(shop), data=_form(shop, village_id=str(kemiren.id), name="Rotan Ani Kemiren")
        ).status_code
        == 303
    )
    stale = curator.post(url, data={"decision": "approve", "version": seen})
    assert stale.status_code == 303 and stale.headers["Location"].endswith(url.removesuffix("/decision"))
    assert "changed its profile while you were looking" in curator.get(stale.headers["Location"]).get_data(
        as_text=True
    )
    session.expire_all()
    assert session.scalar(sa.select(ShopProfileRevision.status)) == ProfileChangeStatus.PENDING
    refused = curator.post(url, data={"decision": "reject", "note": " "})
    assert refused.status_code == 400 and "Write the reason" in refused.get_data(as_text=True)
    reason = "Menurut data desa, bengkel Anda ada di Tambong."
    assert curator.post(url, data={"decision": "reject", "note": reason}).status_code == 303
    session.expire_all()
    assert session.get(Seller, shop.seller_a.id).village_id == shop.village.id
    revision = session.scalar(sa.select(ShopProfileRevision))
    assert (revision.status, revision.reviewer_note) == (ProfileChangeStatus.REJECTED, reason)
    page = helper.get(_url(shop)).get_data(as_text=True)
    assert "A curator did not approve your last changes" in page and reason in page
    assert all(reason in e.body_text for e in _emails(session, shop.user_a.email, shop.helper.email))
    assert len(_emails(session, shop.user_a.email, shop.helper.email)) == 2
    assert curator.get(url.removesuffix("/decision")).status_code == 404  # nothing waits now


def test_other_accounts_get_404_and_bad_input_is_a_form_error(app, session, shop):
    stranger = log_in(app.test_client(), shop.user_b.email)  # runs another shop
    assert stranger.get(_url(shop)).status_code == 404
    assert stranger.post(_url(shop), data=_form(shop, story_id=NEW_STORY)).status_code == 404
    assert _upload(stranger, shop, samples.jpeg(400, 300)).status_code == 404
    buyer = log_in(app.test_client(), shop.buyer.email)
    assert buyer.get(_url(shop)).status_code == 404
    assert app.test_client().get(_url(shop)).status_code in (302, 303)  # anonymous: log in first

    owner = log_in(app.test_client(), shop.user_a.email)
    bad = owner.post(_url(shop), data=_form(shop, phone="0812-ABCD", story_id="Pendek"))
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Enter a phone number of 8 to 15 digits" in html and "at least 20 characters" in html
    assert 'aria-invalid="true"' in html
    session.expire_all()
    assert session.get(Seller, shop.seller_a.id).phone == "081234567890"
    assert session.scalar(sa.select(sa.func.count()).select_from(ShopProfileRevision)) == 0
    assert _audit(session, shop.seller_a.id) == []


def test_workshop_photos_wait_for_review_then_show_resized_and_lazy(app, session, shop, media_root):
    owner = log_in(app.test_client(), shop.user_a.email)
    refused = _upload(owner, shop, b"GIF89a not a photo")
    assert refused.status_code == 400 and "not a photo we can use" in refused.get_data(as_text=True)
    no_alt = _upload(owner, shop, samples.jpeg(400, 300), alt_id=" ")
    assert no_alt.status_code == 400 and "what the photo shows" in no_alt.get_data(as_text=True)
    assert samples.stored_files(media_root) == []

    assert _upload(owner, shop, samples.jpeg(800, 600), alt_en="Ani weaving a basket").status_code == 303
    photo = session.scalar(sa.select(WorkshopPhoto))
    assert photo.approved_at is None and all(f.endswith(".webp") for f in samples.stored_files(media_root))
    slug = shop.seller_a.slug
    assert "Photos of the workshop" not in app.test_client().get(f"/sellers/{slug}").get_data(as_text=True)

    curator = log_in(app.test_client(), shop.curator.email)
    review = curator.get(f"/curator/shop-profiles/{shop.seller_a.id}").get_data(as_text=True)
    assert "New workshop photos" in review and "Ibu Ani menganyam keranjang" in review
    assert (
        curator.post(
            f"/curator/shop-profiles/{shop.seller_a.id}/decision", data={"decision": "approve"}
        ).status_code
        == 303
    )
    indonesian = app.test_client()
    indonesian.set_cookie("lang", "id")
    public = indonesian.get(f"/sellers/{slug}").get_data(as_text=True)
    img = re.search(r'<img [^>]*alt="Ibu Ani menganyam keranjang"[^>]*>', public).group(0)
    assert 'loading="lazy"' in img and re.search(r'srcset="[^"]+-320\.webp 320w, [^"]+-640\.webp 640w', img)
    english = app.test_client()
    english.set_cookie("lang", "en")
    assert 'alt="Ani weaving a basket"' in english.get(f"/sellers/{slug}").get_data(as_text=True)

    # A live photo's new description waits too; the live one stays until approval.
    described = owner.post(
        _url(shop, f"/photos/{photo.id}"),
        data={f"photo-{photo.id}-alt_id": "Anyaman rotan", f"photo-{photo.id}-alt_en": ""},
    )
    assert described.status_code == 303
    session.expire_all()
    assert session.get(WorkshopPhoto, photo.id).alt_id == "Ibu Ani menganyam keranjang"
    assert "Anyaman rotan" in curator.get(f"/curator/shop-profiles/{shop.seller_a.id}").get_data(as_text=True)

    # At most MAX_WORKSHOP_PHOTOS, live and waiting together.
    for _ in range(MAX_WORKSHOP_PHOTOS - 1):
        assert _upload(owner, shop, samples.jpeg(400, 300)).status_code == 303
    full = _upload(owner, shop, samples.jpeg(400, 300))
    assert full.status_code == 400 and "at most 4 workshop photos" in full.get_data(as_text=True)

    # Rejecting deletes the waiting photos (rows and files) and keeps the live one.
    live_files = {f for f in samples.stored_files(media_root) if photo.storage_key in f}
    assert (
        curator.post(
            f"/curator/shop-profiles/{shop.seller_a.id}/decision",
            data={"decision": "reject", "note": "Buram."},
        ).status_code
        == 303
    )
    session.expire_all()
    assert [p.id for p in session.scalars(sa.select(WorkshopPhoto))] == [photo.id]
    assert set(samples.stored_files(media_root)) == live_files
    assert session.get(WorkshopPhoto, photo.id).alt_id == "Ibu Ani menganyam keranjang"

    # Deleting a live photo takes it off the public page at once; another shop's photo is 404.
    stranger = log_in(app.test_client(), shop.user_b.email)
    own_shop = f"/seller/shops/{shop.seller_b.id}/profile/photos/{photo.id}"
    assert stranger.post(own_shop, data={f"photo-{photo.id}-alt_id": "Bukan milikku"}).status_code == 404
    assert stranger.post(_url(shop, f"/photos/{photo.id}/delete")).status_code == 404
    assert stranger.post(own_shop + "/delete").status_code == 404
    assert owner.post(_url(shop, f"/photos/{photo.id}/delete")).status_code == 303
    assert samples.stored_files(media_root) == []
    assert "Photos of the workshop" not in app.test_client().get(f"/sellers/{slug}").get_data(as_text=True)
    actions = [action for action, _role, _who in _audit(session, shop.seller_a.id)]
    assert actions.count("workshop_photo.create") == MAX_WORKSHOP_PHOTOS
    assert "workshop_photo.delete" in actions and "shop_profile.reject" in actions


def test_writing_the_live_values_back_withdraws_the_change(session, shop):
    seller = shop.seller_a
    data = ProfileInput(
        name="Rotan Ani Tambong",
        story_id=OLD_STORY,
        story_en="",
        village_id=seller.village_id,
        phone="081234567890",
    )
    assert save_profile(session, seller, data=data, actor_id=shop.user_a.id, now=utcnow()).waiting
    back = ProfileInput(**{**data.__dict__, "name": seller.name})
    saved = save_profile(session, seller, data=back, actor_id=shop.user_a.id, now=utcnow())
    assert not saved.waiting and saved.applied == ()
    revision = session.scalar(sa.select(ShopProfileRevision))
    assert revision.status == ProfileChangeStatus.WITHDRAWN
