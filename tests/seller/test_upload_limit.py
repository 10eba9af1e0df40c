"""A file over MAX_CONTENT_LENGTH, with CSRF on as in production: the product page comes back with
the message (the request is refused before the CSRF check even reads the form)."""

from __future__ import annotations

import io
import re

import pytest

from marketplace.catalogue.models import ProductStatus
from tests.factories import TEST_PASSWORD, make_product
from tests.media import samples
from tests.seller.conftest import snapshot


@pytest.fixture
def app_overrides(media_root):
    return {"MEDIA_ROOT": str(media_root), "WTF_CSRF_ENABLED": True, "MAX_CONTENT_LENGTH": 1024 * 1024}


BOUNDARY = "pasar-desa-boundary"


def _multipart(fields: dict[str, str], photo: bytes) -> bytes:
    """The request body built in memory: the test client would spool a large file to a temporary
    file that it never closes once the app refuses to read it."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="photo"; filename="big.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_too_large_upload_with_csrf_on(app, session, world, media_root):
    product = make_product(
        session,
        seller=world.seller_a,
        cluster=world.cluster,
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    session.commit()
    client = app.test_client()
    client.set_cookie("lang", "en")
    token = _token(client.get("/account/login").get_data(as_text=True))
    client.post(
        "/account/login", data={"email": world.user_a.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    page = client.get(f"/seller/products/{product.id}")
    assert page.status_code == 200
    token = _token(page.get_data(as_text=True))
    before = snapshot(session)

    big = samples.jpeg(3000, 3000) + b"\x00" * (1024 * 1024)
    response = client.post(
        f"/seller/products/{product.id}/photos",
        data=_multipart({"csrf_token": token}, big),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "too large" in html and "1 MB" in html and 'id="photo-error"' in html
    assert snapshot(session) == before
    assert samples.stored_files(media_root) == []

    # A small photo with the token still works afterwards.
    response = client.post(
        f"/seller/products/{product.id}/photos",
        data={"csrf_token": token, "photo": (io.BytesIO(samples.jpeg(640, 480)), "ok.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    # Without the token: refused, nothing stored.
    before = snapshot(session)
    response = client.post(
        f"/seller/products/{product.id}/photos",
        data={"photo": (io.BytesIO(samples.jpeg(640, 480)), "ok.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert snapshot(session) == before

    # The uploader script's request gets the message as JSON (it sends one photo at a time, made
    # smaller; one it could not shrink may still be too large).
    response = client.post(
        f"/seller/products/{product.id}/photos",
        data=_multipart({"csrf_token": token}, big),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 413
    assert response.get_json()["error"]["message"] == (
        "The upload is too large: at most 1 MB at once. Please choose fewer or smaller photos."
    )
    assert snapshot(session) == before
