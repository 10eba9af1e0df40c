"""Authorization matrix: every seller route, as seller A, seller B, a buyer and an anonymous visitor.

Someone else's product, photo, stock or parcel answers 404 exactly like a missing one, and the
database is unchanged afterwards. Each route is also shown to work for its owner, so a 404 here
cannot come from a broken route.
"""

from __future__ import annotations

import io
import re

import pytest

from marketplace.catalogue.models import ProductImage
from tests.built_once import built_once
from tests.media import samples
from tests.seller.conftest import log_in, snapshot

PRODUCT_FORM = {
    "cluster_id": "{cluster}",
    "title_id": "Keranjang rotan besar",
    "title_en": "Large rattan basket",
    "description_id": "Keranjang rotan anyaman tangan dari Tambong, kuat dan ringan.",
    "description_en": "",
    "price": "95,000",
    "weight_grams": "800",
    "processing_days": "2",
    "low_stock_threshold": "3",
    "hs_code": "4602.10",
}


def _form(ids, **extra):
    data = {k: v.format(**ids) for k, v in PRODUCT_FORM.items()}
    data.update(extra)
    return data


def _photo(ids):
    return {"photo": (io.BytesIO(samples.jpeg(640, 480)), "photo.jpg")}


# name: (method, url, data builder or None)
OBJECT_ROUTES = {
    "edit_get": ("GET", "/seller/products/{pa}", None),
    "edit_post": ("POST", "/seller/products/{pa}", lambda ids: _form(ids, price="1")),
    "preview": ("GET", "/seller/products/{pa}/preview", None),
    "archive": ("POST", "/seller/products/{pa}/archive", lambda ids: {}),
    "restore": ("POST", "/seller/products/{pa_archived}/restore", lambda ids: {}),
    "submit": ("POST", "/seller/products/{pa_draft}/submit", lambda ids: {}),
    "photo_upload": ("POST", "/seller/products/{pa}/photos", _photo),
    "photo_up": ("POST", "/seller/products/{pa}/photos/i{img2}/up", lambda ids: {}),
    "photo_down": ("POST", "/seller/products/{pa}/photos/i{img1}/down", lambda ids: {}),
    "photo_delete": ("POST", "/seller/products/{pa}/photos/i{img1}/delete", lambda ids: {}),
    "stock_get": ("GET", "/seller/products/{pa}/stock", None),
    "variants_get": ("GET", "/seller/products/{pa}/variants", None),
    "variants_options": (
        "POST",
        "/seller/products/{pa}/variants",
        lambda ids: {"action": "options", "option1_id": "Ukuran", "option1_en": "Size"},
    ),
    "variant_edit_get": ("GET", "/seller/products/{pa}/variants/{va}", None),
    "variant_edit_post": ("POST", "/seller/products/{pa}/variants/{va}", lambda ids: {"sku": "RT-1"}),
    "variant_delete": ("POST", "/seller/products/{pa}/variants/{va}/delete", lambda ids: {}),
    "stock_adjust": (
        "POST",
        "/seller/products/{pa}/stock",
        lambda ids: {"action": "adjust", "adjust-delta": "5", "adjust-reason": "new batch"},
    ),
    "stock_count": (
        "POST",
        "/seller/products/{pa}/stock",
        lambda ids: {
            "action": "count",
            "count-new_stock": "3",
            "count-expected_stock": "8",
            "count-reason": "count",
        },
    ),
    "order_get": ("GET", "/seller/orders/{fa}", None),
    "order_processing": ("POST", "/seller/orders/{fa}/processing", lambda ids: {}),
    "order_ship": (
        "POST",
        "/seller/orders/{fa}/ship",
        lambda ids: {"courier": "JNE", "tracking_number": "JNE0012345678"},
    ),
    "packing_slip": ("GET", "/seller/orders/{fa}/slip", None),
}

AREA_ROUTES = {
    "products": ("GET", "/seller/products", None),
    "new_get": ("GET", "/seller/products/new", None),
    "new_post": ("POST", "/seller/products/new", lambda ids: _form(ids, stock="4")),
    "low_stock": ("GET", "/seller/stock/low", None),
    "orders": ("GET", "/seller/orders", None),
}


@pytest.fixture
def ids(session, world):
    return built_once(session, _build_ids, world)


def _build_ids(session, world):
    from marketplace.catalogue.models import ProductStatus
    from marketplace.curation.models import ProductRevision, RevisionStatus
    from marketplace.seller.models import SellerStatus
    from tests.factories import make_product, make_seller, make_user

    product = world.product_a
    images = []
    for position in range(2):
        image = ProductImage(
            product_id=product.id,
            position=position,
            storage_key=f"key-{product.id}-{position}",
            width=640,
            height=480,
        )
        session.add(image)
        images.append(image)
    archived = make_product(
        session, seller=world.seller_a, cluster=world.cluster, status=ProductStatus.ARCHIVED
    )
    draft = make_product(session, seller=world.seller_a, cluster=world.cluster, status=ProductStatus.DRAFT)
    pending = make_product(
        session,
        seller=world.seller_a,
        cluster=world.cluster,
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    applicant = make_user(session, email="applicant@example.test")
    pending_seller = make_seller(
        session, user_id=applicant.id, village=world.village, status=SellerStatus.PENDING, approved_at=None
    )
    revision = ProductRevision(
        product_id=product.id, status=RevisionStatus.PENDING, changes={"price_minor": 99_000}
    )
    session.add(revision)
    session.commit()
    return {
        "pa": product.id,
        "va": product.variants[0].id,
        "pa_archived": archived.id,
        "pa_draft": draft.id,
        "pa_pending": pending.id,
        "img1": images[0].id,
        "img2": images[1].id,
        "fa": world.fulfilment_a.id,
        "cluster": world.cluster.id,
        "pending_seller": pending_seller.id,
        "revision": revision.id,
    }


def _request(client, route, ids):
    method, url, data = route
    url = url.format(**ids)
    if method == "GET":
        return client.get(url)
    return client.post(url, data=data(ids), content_type="multipart/form-data")


def _clients(app, world):
    anonymous = app.test_client()
    buyer = log_in(app.test_client(), world.buyer.email)
    seller_b = log_in(app.test_client(), world.user_b.email)
    seller_a = log_in(app.test_client(), world.user_a.email)
    return anonymous, buyer, seller_b, seller_a


def _assert_login_redirect(response):
    assert response.status_code in (302, 303), response.status_code
    assert "/account/login" in response.headers["Location"]


@pytest.mark.parametrize("name", list(OBJECT_ROUTES))
def test_someone_elses_things_are_404_and_untouched(app, session, world, ids, name):
    route = OBJECT_ROUTES[name]
    anonymous, buyer, seller_b, seller_a = _clients(app, world)
    before = snapshot(session)

    _assert_login_redirect(_request(anonymous, route, ids))
    assert snapshot(session) == before

    response = _request(buyer, route, ids)
    assert response.status_code == 404, (name, "buyer", response.status_code)
    assert snapshot(session) == before

    response = _request(seller_b, route, ids)
    assert response.status_code == 404, (name, "seller B", response.status_code)
    assert "Keranjang rotan" not in response.get_data(as_text=True)
    assert snapshot(session) == before

    # The owner gets through: the 404s above are about ownership, not a broken route.
    response = _request(seller_a, route, ids)
    assert response.status_code in (200, 303), (name, "seller A", response.status_code)


@pytest.mark.parametrize("name", list(AREA_ROUTES))
def test_seller_area_needs_a_shop(app, session, world, ids, name):
    route = AREA_ROUTES[name]
    anonymous, buyer, seller_b, _seller_a = _clients(app, world)
    before = snapshot(session)

    _assert_login_redirect(_request(anonymous, route, ids))
    response = _request(buyer, route, ids)
    assert response.status_code == 404, (name, response.status_code)
    assert snapshot(session) == before

    response = _request(seller_b, route, ids)
    assert response.status_code in (200, 303), response.status_code
    html = response.get_data(as_text=True)
    # B's pages never list A's products or parcels.
    assert "Keranjang rotan" not in html
    # Whole ids: B's own new product may be number 11 when A's is 1.
    assert not re.search(rf"/seller/orders/{ids['fa']}\b", html)
    assert not re.search(rf"/seller/products/{ids['pa']}\b", html)


def test_dashboard_sends_non_sellers_to_apply_and_anonymous_to_login(app, world):
    anonymous, buyer, seller_b, _ = _clients(app, world)
    _assert_login_redirect(anonymous.get("/seller/"))
    _assert_login_redirect(anonymous.get("/seller/apply"))
    _assert_login_redirect(anonymous.post("/seller/apply", data={"name": "x"}))
    assert buyer.get("/seller/").headers["Location"].endswith("/seller/apply")
    page = seller_b.get("/seller/")
    assert page.status_code == 200
    assert "Batik Budi" in page.get_data(as_text=True) and "Rotan Ani" not in page.get_data(as_text=True)
    # A shop owner does not apply twice.
    assert seller_b.get("/seller/apply").status_code == 302


def test_bad_photo_token_is_404(app, world, ids):
    seller_a = log_in(app.test_client(), world.user_a.email)
    assert seller_a.get("/seller/products/999999").status_code == 404
    assert seller_a.get("/seller/orders/999999").status_code == 404
    assert seller_a.post(f"/seller/products/{ids['pa']}/photos/x1/up").status_code == 404
    assert seller_a.post(f"/seller/products/{ids['pa']}/photos/i999999/up").status_code == 404
    # A photo of B's product, addressed through A's product, is not found either.
    assert seller_a.post(f"/seller/products/{ids['pa']}/photos/p1/delete").status_code == 404
