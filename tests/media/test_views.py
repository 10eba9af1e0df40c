"""The /media/ route serves stored images with long caching, and nothing else."""

from __future__ import annotations

import pytest

from marketplace.catalogue.photos import store_product_image
from marketplace.media.images import rendition_key
from tests.factories import make_product
from tests.media import samples


@pytest.fixture
def stored_image(session, storage):
    product = make_product(session)
    image = store_product_image(session, storage, product=product, data=samples.jpeg(700, 500))
    session.commit()
    return image


def test_existing_rendition_is_served_with_long_cache(client, stored_image):
    with client.get("/media/" + rendition_key(stored_image.storage_key, 320)) as response:
        response.direct_passthrough = False  # read the streamed file (and close it)
        body = response.get_data()
    assert response.status_code == 200
    assert response.mimetype == "image/webp"
    assert body[:4] == b"RIFF" and body[8:12] == b"WEBP"
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_picture_attrs_point_at_the_route(app, client, stored_image):
    from marketplace.media.images import picture_attrs

    attrs = picture_attrs(stored_image, wanted_width=640)
    assert attrs["width"] == 640 and attrs["height"] == round(500 * 640 / 700)
    urls = [attrs["src"]] + [candidate.split(" ")[0] for candidate in attrs["srcset"].split(", ")]
    assert len(urls) == 4
    for url in urls:
        with client.get(url) as response:
            assert response.status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/media/products/missing-320.webp",
        "/media/..%2f..%2fetc%2fpasswd",
        "/media/products/..%2f..%2f..%2fetc%2fpasswd",
        "/media/products/%2e%2e/%2e%2e/secret.webp",
        "/media/products/../../secret.webp",
        "/media/%2fetc%2fpasswd",
        "/media/private/evidence.webp",
        "/media/products/notes.txt",
    ],
)
def test_missing_private_or_traversing_paths_are_404(client, media_root, path):
    (media_root / "private").mkdir()
    (media_root / "private" / "evidence.webp").write_bytes(b"private")
    (media_root / "products").mkdir()
    (media_root / "products" / "notes.txt").write_bytes(b"text")
    (media_root.parent / "secret.webp").write_bytes(b"outside the root")
    # Werkzeug may first redirect a doubled slash; wherever it ends, nothing is served.
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 404
