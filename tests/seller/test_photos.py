"""Photos: upload without JavaScript, reorder, delete; hostile files are refused and nothing is stored."""

from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from marketplace.curation.models import ProductRevision, RevisionPhoto
from tests.media import samples
from tests.seller.conftest import log_in, product_images, snapshot


def upload(client, product_id, data: bytes, name="foto.jpg"):
    return client.post(
        f"/seller/products/{product_id}/photos",
        data={"photo": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_upload_reorder_delete_on_a_product_in_review(app, session, world, draft, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    for width in (700, 800, 900):
        response = upload(client, draft.id, samples.jpeg(width, 500))
        assert response.status_code == 303, response.status_code
    first, second, third = product_images(session, draft.id)
    assert [i.width for i in (first, second, third)] == [700, 800, 900]
    assert samples.stored_files(media_root)  # renditions written

    page = client.get(f"/seller/products/{draft.id}").get_data(as_text=True)
    assert f'/photos/i{second.id}/up"' in page and "Cover photo" in page

    client.post(f"/seller/products/{draft.id}/photos/i{third.id}/up")
    assert [i.id for i in product_images(session, draft.id)] == [first.id, third.id, second.id]
    client.post(f"/seller/products/{draft.id}/photos/i{first.id}/down")
    assert [i.id for i in product_images(session, draft.id)] == [third.id, first.id, second.id]

    key = first.storage_key
    assert any(key in name for name in samples.stored_files(media_root))
    client.post(f"/seller/products/{draft.id}/photos/i{first.id}/delete")
    remaining = product_images(session, draft.id)
    assert [i.id for i in remaining] == [third.id, second.id]
    assert [i.position for i in remaining] == [0, 1]
    assert not any(key in name for name in samples.stored_files(media_root))


HOSTILE = {
    "html_as_jpeg": (samples.HTML_AS_JPEG, "not a photo we can use"),
    "html_with_jpeg_magic": (samples.HTML_WITH_JPEG_MAGIC, "damaged or incomplete"),
    "svg": (samples.SVG, "not a photo we can use"),
    "decompression_bomb": (samples.png_bomb(), "too many pixels"),
    "truncated": (samples.truncated_jpeg(), "damaged or incomplete"),
    "gif": (samples.gif(), "JPEG, PNG or WebP"),
    "empty": (b"", "The file is empty"),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_upload_rerenders_with_the_message_and_stores_nothing(
    app, session, world, draft, media_root, name
):
    data, message = HOSTILE[name]
    client = log_in(app.test_client(), world.user_a.email)
    before = snapshot(session)
    response = upload(client, draft.id, data, name="kucing.jpg")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message.lower() in html.lower(), html[html.find('id="photo-error"') - 200 :][:600]
    assert 'id="photo-error"' in html and 'name="title_id"' in html  # the product page, re-rendered
    assert snapshot(session) == before
    assert samples.stored_files(media_root) == []


def test_fifty_megabytes_is_refused_with_a_message(app, session, world, draft, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    before = snapshot(session)
    # The body is built in memory: the test client would otherwise spool it to a temporary file
    # that it never closes once the app refuses to read it.
    boundary = "pasar-desa-boundary"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n"
        ).encode()
        + samples.FIFTY_MB
        + f"\r\n--{boundary}--\r\n".encode()
    )
    response = client.post(
        f"/seller/products/{draft.id}/photos",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "too large" in html and 'id="photo-error"' in html
    assert snapshot(session) == before
    assert samples.stored_files(media_root) == []


def test_photo_changes_on_a_live_product_wait_for_review(app, session, world, media_root):
    product = world.product_a
    client = log_in(app.test_client(), world.user_a.email)
    # Give the live product one photo first (through review, as a seller would).
    upload(client, product.id, samples.jpeg(700, 500))
    assert product_images(session, product.id) == []  # not live yet
    revision = session.scalars(sa.select(ProductRevision)).one()
    curator = log_in(app.test_client(), world.curator.email)
    curator.post(
        f"/curator/products/{revision.product_id}/decision",
        data={"revision_id": str(revision.id), "decision": "approve"},
    )
    (live,) = product_images(session, product.id)
    assert live.width == 700
    assert any(live.storage_key in n for n in samples.stored_files(media_root))  # files kept on approval

    # Now: add a second photo, make it the cover, delete the old one — all pending.
    upload(client, product.id, samples.jpeg(900, 500))
    new_photo = session.scalars(sa.select(RevisionPhoto)).one()
    new_key, old_key = new_photo.storage_key, live.storage_key
    client.post(f"/seller/products/{product.id}/photos/p{new_photo.id}/up")
    client.post(f"/seller/products/{product.id}/photos/i{live.id}/delete")
    assert [i.id for i in product_images(session, product.id)] == [live.id]  # buyers still see the old photo
    page = client.get(f"/seller/products/{product.id}").get_data(as_text=True)
    assert f"/photos/p{new_photo.id}/" in page and f"/photos/i{live.id}/" not in page

    revision = session.scalars(sa.select(ProductRevision).where(ProductRevision.status == "pending")).one()
    curator.post(
        f"/curator/products/{revision.product_id}/decision",
        data={"revision_id": str(revision.id), "decision": "approve"},
    )
    (only,) = product_images(session, product.id)
    assert only.storage_key == new_key and only.width == 900 and only.position == 0
    files = samples.stored_files(media_root)
    assert not any(old_key in n for n in files) and any(new_key in n for n in files)
    assert session.scalar(sa.select(sa.func.count()).select_from(RevisionPhoto)) == 0


def test_rejected_photo_is_deleted_from_storage(app, session, world, media_root):
    product = world.product_a
    client = log_in(app.test_client(), world.user_a.email)
    upload(client, product.id, samples.jpeg(700, 500))
    assert samples.stored_files(media_root)
    revision = session.scalars(sa.select(ProductRevision)).one()
    curator = log_in(app.test_client(), world.curator.email)
    curator.post(
        f"/curator/products/{revision.product_id}/decision",
        data={"revision_id": str(revision.id), "decision": "reject", "note": "Foto buram."},
    )
    assert product_images(session, product.id) == []
    assert samples.stored_files(media_root) == []
