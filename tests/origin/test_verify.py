"""The public page a tag's QR opens: labels as they stand today, revoked tags, products no longer
on sale, unknown codes, both languages, a fixed number of queries, never a stale cached copy."""

from __future__ import annotations

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.types import utcnow
from tests.factories import make_label_type, make_product_label
from tests.origin.conftest import add_image, give_tag


def test_a_genuine_tag_shows_maker_village_labels_today_and_the_product(app, session, world):
    tag = give_tag(session, world.product)
    response = app.test_client().get(f"/t/{tag.code}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache" and "X-Cache" not in response.headers
    page = response.get_data(as_text=True)
    assert "This tag was issued by" in page
    assert "Sanggar Sekar Kepuh" in page and 'href="/sellers/sekar"' in page
    assert "Pakistaji, Kabat" in page and 'href="/villages/pakistaji"' in page
    assert f'href="/products/{world.product.id}-{world.product.slug}"' in page
    assert "<img" in page and 'alt="Gajah Oling hand-drawn batik cloth"' in page
    assert "SNI-8302-0457" in page and "Verified, valid until" in page
    assert "BMI-0312-OLD" in page and "Expired on" in page  # expired yesterday: said so, not hidden
    assert "HM-REQUESTED" not in page  # a request never vouched for anything
    assert "<script" not in page
    assert "?lang=id" in page and "?lang=en" in page

    indonesian = app.test_client().get(f"/t/{tag.code}?lang=id").get_data(as_text=True)
    assert "Cek asal-usul" in indonesian and "Kedaluwarsa pada" in indonesian
    assert "Kain batik tulis Gajah Oling" in indonesian


def test_a_revoked_tag_says_so_and_vouches_for_nothing(app, session, world):
    tag = give_tag(session, world.product, revoked_at=utcnow(), revoke_reason="Copied onto printed cloth")
    page = app.test_client().get(f"/t/{tag.code}").get_data(as_text=True)
    assert "This tag has been revoked" in page and "Copied onto printed cloth" in page
    assert "This tag was issued by" not in page
    assert "SNI-8302-0457" not in page and "<img" not in page
    assert "Sanggar Sekar Kepuh" not in page and f"/products/{world.product.id}-" not in page


@pytest.mark.parametrize("status", [ProductStatus.ARCHIVED, ProductStatus.DRAFT])
def test_a_product_no_longer_on_sale_keeps_its_origin(app, session, world, status):
    tag = give_tag(session, world.product)
    world.product.status = status
    session.commit()
    page = app.test_client().get(f"/t/{tag.code}").get_data(as_text=True)
    assert "no longer on sale" in page and "SNI-8302-0457" in page
    assert f"/products/{world.product.id}-" not in page


@pytest.mark.parametrize("code", ["AAAAAAAAAAAA", "short", "has space here", "x" * 300, "..%2Fetc"])
def test_an_unknown_code_is_not_found(app, world, code):
    assert app.test_client().get(f"/t/{code}").status_code == 404


def test_the_page_runs_the_same_queries_however_many_labels_and_photos(app, session, world, count_queries):
    url = f"/t/{give_tag(session, world.product).code}"
    client = app.test_client()
    client.get(url)
    with count_queries() as small:
        assert client.get(url).status_code == 200
    for _ in range(6):
        add_image(session, world.product)
        make_product_label(session, product=world.product, label_type=make_label_type(session))
    session.commit()
    with count_queries() as large:
        assert client.get(url).status_code == 200
    # The tag with product, shop, village and cluster; photos; labels; the market's rates (header).
    assert large.count == small.count <= 4, large.statements
