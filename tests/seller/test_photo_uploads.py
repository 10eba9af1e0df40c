"""Several photos in one go (issue 15): the uploader script's JSON answers, and the plain form's
`multiple` POST where each file is checked on its own (the good ones stored, the refused ones named)."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import ProductStatus
from marketplace.curation.models import RevisionPhoto
from marketplace.media import get_storage
from marketplace.media.images import rendition_key, rendition_widths
from marketplace.seller.common import MAX_PHOTOS
from tests.factories import add_photo, make_product
from tests.media import samples
from tests.seller.conftest import log_in, product_images, snapshot

JSON = {"Accept": "application/json"}


def post_photos(client, product_id, *files: tuple[bytes, str], headers=None, data=None):
    return client.post(
        f"/seller/products/{product_id}/photos",
        data={**(data or {}), "photo": [(io.BytesIO(content), name) for content, name in files]},
        content_type="multipart/form-data",
        headers=headers or {},
    )


def test_the_script_gets_201_with_the_stored_photo(app, session, world, draft, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    response = post_photos(client, draft.id, (samples.jpeg(900, 600), "IMG_1.jpg"), headers=JSON)
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    (image,) = product_images(session, draft.id)
    (photo,) = body["photos"]
    assert photo["token"] == f"i{image.id}" and photo["awaiting_review"] is False
    assert photo["src"].endswith(f"{image.storage_key}-320.webp") and photo["width"] == 320
    assert body["message"] == "Photo added."
    stored = samples.stored_files(media_root)
    assert sorted(rendition_key(image.storage_key, w) for w in rendition_widths(image.width)) == stored


def test_on_a_live_product_the_photo_waits_for_review(app, session, world, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    response = post_photos(client, world.product_a.id, (samples.jpeg(900, 600), "a.jpg"), headers=JSON)
    assert response.status_code == 201
    (photo,) = response.get_json()["photos"]
    pending = session.scalars(sa.select(RevisionPhoto)).one()
    assert photo["token"] == f"p{pending.id}" and photo["awaiting_review"] is True
    assert product_images(session, world.product_a.id) == []


@pytest.mark.parametrize(
    ("lang", "message"),
    [("en", "not a photo we can use"), ("id", "bukan foto yang bisa kami gunakan")],
)
def test_a_refused_file_is_a_400_in_the_sellers_language(
    app, session, world, draft, media_root, lang, message
):
    client = log_in(app.test_client(), world.user_a.email, lang=lang)
    before = snapshot(session)
    response = post_photos(client, draft.id, (samples.SVG, "kucing.jpg"), headers=JSON)
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and error["file"] == "kucing.jpg"
    assert message in error["message"].lower() and "kucing" not in error["message"]  # the file is named apart
    assert snapshot(session) == before and samples.stored_files(media_root) == []


def test_another_shops_product_is_a_404_json(app, session, world, media_root):
    client = log_in(app.test_client(), world.user_a.email)
    before = snapshot(session)
    response = post_photos(client, world.product_b.id, (samples.jpeg(800, 600), "a.jpg"), headers=JSON)
    assert response.status_code == 404 and response.get_json()["error"]["message"] == "Not found."
    # The plain form gets the usual page.
    plain = post_photos(client, world.product_b.id, (samples.jpeg(800, 600), "a.jpg"))
    assert plain.status_code == 404 and plain.mimetype == "text/html"
    assert snapshot(session) == before and samples.stored_files(media_root) == []


def test_the_csrf_token_is_required(app, session, world, draft, media_root):
    app.config["WTF_CSRF_ENABLED"] = True  # put back after the test
    client = log_in(app.test_client(), world.user_a.email)
    page = client.get(f"/seller/products/{draft.id}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    response = post_photos(client, draft.id, (samples.jpeg(800, 600), "a.jpg"), headers=JSON)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "The form expired. Please open the page again."
    assert product_images(session, draft.id) == []

    # The script sends it in the form and as a header; either is enough.
    response = post_photos(
        client, draft.id, (samples.jpeg(800, 600), "a.jpg"), headers={**JSON, "X-CSRFToken": token}
    )
    assert response.status_code == 201
    response = post_photos(
        client, draft.id, (samples.jpeg(800, 600), "b.jpg"), headers=JSON, data={"csrf_token": token}
    )
    assert response.status_code == 201
    assert len(product_images(session, draft.id)) == 2


def test_the_photo_limit_is_enforced_with_a_message(app, session, world, draft, media_root):
    storage = get_storage(app)
    for n in range(MAX_PHOTOS - 1):
        add_photo(session, storage, product=draft, colour=(n * 20, 90, 40))
    session.commit()
    client = log_in(app.test_client(), world.user_a.email)

    response = post_photos(
        client, draft.id, (samples.jpeg(800, 600), "7.jpg"), (samples.jpeg(800, 600), "8.jpg")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f"8.jpg: A product can have at most {MAX_PHOTOS} photos. Delete one first." in html
    assert "Photo added." in html and "7.jpg" not in html
    assert len(product_images(session, draft.id)) == MAX_PHOTOS
    assert 'name="photo"' not in html  # the product is full: no upload form

    response = post_photos(client, draft.id, (samples.jpeg(800, 600), "9.jpg"), headers=JSON)
    assert response.status_code == 409
    assert response.get_json()["error"] == {
        "status": 409,
        "message": f"A product can have at most {MAX_PHOTOS} photos. Delete one first.",
        "file": "9.jpg",
    }
    assert len(product_images(session, draft.id)) == MAX_PHOTOS


def test_the_plain_form_takes_several_files_and_names_each_refused_one(
    app, session, world, draft, media_root
):
    client = log_in(app.test_client(), world.user_a.email)
    response = post_photos(
        client,
        draft.id,
        (samples.jpeg(700, 500), "depan.jpg"),
        (samples.HTML_AS_JPEG, "<img src=x onerror=alert(1)>.jpg"),
        (samples.jpeg(900, 500), "belakang.jpg"),
        (samples.jpeg(200, 150), "kecil.jpg"),
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    error = html[html.index('id="photo-error"') :][:800]
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg: This file is not a photo we can use." in error
    assert "kecil.jpg: " in error and "depan.jpg" not in error
    assert "2 photos added." in html
    assert [image.width for image in product_images(session, draft.id)] == [700, 900]

    # All good: back to the page, one message.
    response = post_photos(
        client, draft.id, (samples.jpeg(640, 480), "a.jpg"), (samples.jpeg(640, 480), "b.jpg")
    )
    assert response.status_code == 303 and response.headers["Location"].endswith("#photos")
    assert "2 photos added." in client.get(response.headers["Location"]).get_data(as_text=True)
    assert len(product_images(session, draft.id)) == 4


def test_an_archived_product_takes_no_photo(app, session, world, media_root):
    product = make_product(
        session, seller=world.seller_a, cluster=world.cluster, status=ProductStatus.ARCHIVED
    )
    session.commit()
    client = log_in(app.test_client(), world.user_a.email)
    response = post_photos(client, product.id, (samples.jpeg(800, 600), "a.jpg"), headers=JSON)
    assert response.status_code == 409
    assert response.get_json()["error"]["message"] == "Restore the product before you change its photos."
    response = post_photos(client, product.id, (samples.jpeg(800, 600), "a.jpg"))
    assert response.status_code == 303
    assert "Restore the product" in client.get(response.headers["Location"]).get_data(as_text=True)
    assert product_images(session, product.id) == [] and samples.stored_files(media_root) == []
