"""Every public page shows a picture when shared: its own photo, or the site's default picture."""

from __future__ import annotations

import io
import json
import re

import pytest
from PIL import Image

from tests.factories import make_product, make_seller
from tests.storefront.conftest import World, add_image


@pytest.fixture
def app_overrides():
    return {"BABEL_DEFAULT_LOCALE": "id"}


def _og_image(html: str) -> str:
    found = re.findall(r'<meta property="og:image" content="([^"]+)">', html)
    assert len(found) == 1, found
    return found[0]


def _json_ld(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))


def _default_image_url(client) -> str:
    return _og_image(client.get("/").get_data(as_text=True))


def test_listing_pages_share_an_absolute_picture_that_exists(client, session, world: World):
    make_product(session, seller=world.seller, cluster=world.cluster)  # no photo anywhere
    session.commit()
    paths = ("/", f"/clusters/{world.cluster.slug}", f"/villages/{world.village.slug}",
             f"/sellers/{world.seller.slug}", "/?lang=en")  # fmt: skip
    for path in paths:
        html = client.get(path).get_data(as_text=True)
        image = _og_image(html)
        assert image.startswith("http://localhost/static/"), path
        assert re.search(r'<meta property="og:image:alt" content="[^"]+">', html), path
        assert '<meta name="twitter:card" content="summary_large_image">' in html, path

    with client.get(_default_image_url(client).removeprefix("http://localhost")) as picture:
        assert picture.status_code == 200 and picture.mimetype == "image/png"
        assert Image.open(io.BytesIO(picture.data)).size == (1200, 630)


def test_private_pages_share_nothing(client):
    for path in ("/cart", "/account/login"):
        assert 'property="og:image"' not in client.get(path).get_data(as_text=True), path


def test_seller_page_shares_the_first_photo_of_its_shop(client, session, world: World):
    make_product(session, seller=world.seller, cluster=world.cluster)  # the newest has no photo
    older = make_product(session, seller=world.seller, cluster=world.cluster)
    older.published_at = older.published_at.replace(year=older.published_at.year - 1)
    photo = add_image(session, older)
    elsewhere = make_product(session, seller=world.other_seller, cluster=world.cluster)
    add_image(session, elsewhere)
    session.commit()

    html = client.get(f"/sellers/{world.seller.slug}").get_data(as_text=True)
    image = _og_image(html)
    assert image.startswith("http://localhost/") and photo.storage_key in image
    assert f'<meta property="og:image:alt" content="{photo.alt_id}">' in html

    # A shop without photos shows the site's picture, like the home page.
    other = make_seller(session, village=world.village, slug="tanpa-foto")
    session.commit()
    assert _og_image(client.get(f"/sellers/{other.slug}").get_data(as_text=True)) == _default_image_url(
        client
    )


def test_product_without_photo_has_an_image_in_json_ld_and_open_graph(client, session, world: World):
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    html = client.get(f"/products/{product.id}-{product.slug}").get_data(as_text=True)
    default = _default_image_url(client)
    assert _json_ld(html)["image"] == [default]
    assert _og_image(html) == default


def test_product_with_photo_shares_its_own_photo(client, session, world: World):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Batik Kawung")
    photo = add_image(session, product)
    session.commit()
    html = client.get(f"/products/{product.id}-{product.slug}").get_data(as_text=True)
    image = _og_image(html)
    assert photo.storage_key in image and image.startswith("http://localhost/")
    assert _json_ld(html)["image"] == [image]
    assert '<meta property="og:image:alt" content="Batik Kawung">' in html
