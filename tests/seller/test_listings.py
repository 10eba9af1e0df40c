"""Listings: create, validate, curator review, edits to live products held for review, archive."""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductStatus
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.money import Money
from marketplace.stock.models import StockMovement, StockMovementKind
from tests.factories import make_product
from tests.seller.conftest import log_in, notices, snapshot


def form(cluster, **overrides):
    data = {
        "cluster_id": str(cluster.id),
        "title_id": "Tas anyaman pandan",
        "title_en": "Woven pandan bag",
        "description_id": "Tas anyaman pandan buatan tangan pengrajin Tambong, kuat untuk belanja.",
        "description_en": "A hand-woven pandan bag from Tambong.",
        "price": "Rp 125,000",
        "weight_grams": "400",
        "length_cm": "35",
        "width_cm": "10",
        "height_cm": "30",
        "processing_days": "3",
        "low_stock_threshold": "2",
        "hs_code": "4602.19",
        "exportable": "y",
        "stock": "12",
    }
    data.update(overrides)
    return data


def count(session, model) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model))


def test_create_product_goes_to_review_with_opening_stock(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    assert client.get("/seller/products/new").status_code == 200
    # Fields the form does not offer are ignored.
    extra = {"seller_id": str(world.seller_b.id), "status": "active", "slug": "x", "currency": "USD"}
    response = client.post("/seller/products/new", data=form(world.cluster, **extra))
    assert response.status_code == 303
    product = session.scalars(sa.select(Product).where(Product.title_id == "Tas anyaman pandan")).one()
    assert product.seller_id == world.seller_a.id
    assert product.status == ProductStatus.PENDING_REVIEW and product.currency == "IDR"
    assert product.price_minor == 125_000 and product.stock == 12
    assert (product.length_mm, product.width_mm, product.height_mm) == (350, 100, 300)
    assert product.exportable and product.hs_code == "4602.19"
    movement = session.scalars(sa.select(StockMovement).where(StockMovement.product_id == product.id)).one()
    assert movement.kind == StockMovementKind.ADJUSTMENT and movement.quantity_delta == 12
    assert movement.actor_id == world.user_a.id
    # Its one (default) variant holds the opening stock, and the ledger row names it.
    assert [(v.id, v.stock) for v in product.variants] == [(movement.variant_id, 12)]

    # Not public until a curator approves it.
    assert app.test_client().get(f"/products/{product.id}-{product.slug}").status_code == 404
    listing = client.get("/seller/products").get_data(as_text=True)
    assert "Woven pandan bag" in listing and "Waiting for review" in listing


def test_bad_values_rerender_with_messages_and_create_nothing(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    before = snapshot(session)
    cases = {
        "price": ("-5", "Enter an amount above Rp 0, without a minus sign."),
        "weight_grams": ("0", "more than 0"),
    }
    for field, (value, message) in cases.items():
        response = client.post("/seller/products/new", data=form(world.cluster, **{field: value}))
        assert response.status_code == 400, field
        assert message in response.get_data(as_text=True), field
    checks = [
        ({"price": "1,000,000,001"}, "Too large: at most Rp\u00a01,000,000,000."),
        ({"price": "12,5"}, "Rupiah has no cents"),
        ({"price": "1.5"}, "Rupiah has no cents"),
        ({"weight_grams": "30001"}, "30000 grams"),
        ({"hs_code": "46"}, "6 to 10 digits"),
        ({"hs_code": "", "exportable": "y"}, "need an HS code"),
        ({"stock": "-1"}, "whole number"),
        ({"processing_days": "365"}, "0 to 90"),
        ({"title_id": "", "cluster_id": "abc"}, "Choose the kind of product."),
    ]
    for overrides, message in checks:
        response = client.post("/seller/products/new", data=form(world.cluster, **overrides))
        assert response.status_code == 400, overrides
        html = response.get_data(as_text=True)
        assert message in html, (overrides, message)
        assert 'aria-invalid="true"' in html
    assert snapshot(session) == before  # no product, no ledger row


def test_curator_approves_a_new_product_and_the_seller_is_emailed(app, session, world):
    product = make_product(
        session,
        seller=world.seller_a,
        cluster=world.cluster,
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    session.commit()
    curator = log_in(app.test_client(), world.curator.email)
    assert product.title_id in curator.get("/curator/products").get_data(as_text=True)
    curator.post(f"/curator/products/{product.id}/decision", data={"decision": "approve"})
    session.expire_all()
    assert product.status == ProductStatus.ACTIVE and product.published_at is not None
    (email,) = notices(session, world.user_a.email)
    assert product.title_id in email.subject


def test_curator_sends_back_with_a_reason_and_the_seller_resubmits(app, session, world):
    product = make_product(
        session,
        seller=world.seller_a,
        cluster=world.cluster,
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    session.commit()
    curator = log_in(app.test_client(), world.curator.email)
    curator.post(
        f"/curator/products/{product.id}/decision", data={"decision": "reject", "note": "Fotonya buram."}
    )
    session.expire_all()
    assert product.status == ProductStatus.DRAFT
    (email,) = notices(session, world.user_a.email)
    assert "Fotonya buram." in email.body_text
    seller = log_in(app.test_client(), world.user_a.email)
    assert "Fotonya buram." in seller.get(f"/seller/products/{product.id}").get_data(as_text=True)
    assert seller.post(f"/seller/products/{product.id}/submit").status_code == 303
    session.expire_all()
    assert product.status == ProductStatus.PENDING_REVIEW
    assert "Fotonya buram." not in seller.get(f"/seller/products/{product.id}").get_data(as_text=True)


def test_edit_of_a_live_product_waits_for_review_while_buyers_see_the_old_version(app, session, world):
    product = world.product_a
    client = log_in(app.test_client(), world.user_a.email)
    page = client.get(f"/seller/products/{product.id}").get_data(as_text=True)
    assert re.search(r'value="85[.,]000"', page)  # grouped as the seller's language writes it

    response = client.post(
        f"/seller/products/{product.id}",
        data=form(
            world.cluster, title_id="Keranjang rotan jumbo", price="99,000", weight_grams="900",
            hs_code="4602.10", status="archived", seller_id=str(world.seller_b.id),
            product_id=str(world.product_b.id), id=str(world.product_b.id), stock="999",
        ),
    )  # fmt: skip
    assert response.status_code == 303
    session.expire_all()
    # Live text and price unchanged; weight (not reviewed) applied at once; status/seller ignored.
    assert product.title_id == "Keranjang rotan" and product.price_minor == 85_000
    assert product.weight_grams == 900 and product.hs_code == "4602.10"
    assert product.status == ProductStatus.ACTIVE and product.seller_id == world.seller_a.id
    assert product.stock == 8  # stock changes only through the ledger
    other = world.product_b
    assert (other.title_id, other.price_minor, other.weight_grams) == ("Batik tulis", 450_000, 500)
    revision = session.scalars(sa.select(ProductRevision)).one()
    assert revision.status == RevisionStatus.PENDING
    assert (
        revision.changes["price_minor"] == 99_000 and revision.changes["title_id"] == "Keranjang rotan jumbo"
    )
    assert revision.submitted_by_id == world.user_a.id
    public = app.test_client().get(f"/products/{product.id}-{product.slug}").get_data(as_text=True)
    # Tests read English: product_a has no English title, so the Indonesian one shows; neither
    # proposed title nor the proposed price is public, the old price (as the page formats it) is.
    assert "Keranjang rotan jumbo" not in public and "Woven pandan bag" not in public
    assert Money(85_000, "IDR").format("en") in public and Money(99_000, "IDR").format("en") not in public

    # The form shows the seller's proposed values; the preview too.
    page = client.get(f"/seller/products/{product.id}").get_data(as_text=True)
    assert re.search(r'value="99[.,]000"', page) and "waiting for a curator" in page
    preview = client.get(f"/seller/products/{product.id}/preview").get_data(as_text=True)
    assert "Woven pandan bag" in preview and "99,000" in preview  # the proposed English title and price

    # A second edit updates the same pending change.
    client.post(
        f"/seller/products/{product.id}",
        data=form(world.cluster, title_id="Keranjang rotan jumbo", price="97,000", weight_grams="900"),
    )  # noqa: E501
    assert count(session, ProductRevision) == 1
    session.expire_all()
    assert session.scalars(sa.select(ProductRevision)).one().changes["price_minor"] == 97_000

    curator = log_in(app.test_client(), world.curator.email)
    assert "Keranjang rotan" in curator.get("/curator/products").get_data(as_text=True)
    review = curator.get(f"/curator/products/{product.id}").get_data(as_text=True)
    assert "Rp" in review and "Keranjang rotan jumbo" in review
    curator.post(
        f"/curator/products/{revision.product_id}/decision",
        data={"revision_id": str(revision.id), "decision": "approve"},
    )
    session.expire_all()
    assert product.title_id == "Keranjang rotan jumbo" and product.price_minor == 97_000
    assert revision.status == RevisionStatus.APPROVED and revision.reviewed_by_id == world.curator.id


def test_rejected_change_leaves_the_live_product_alone(app, session, world):
    product = world.product_a
    client = log_in(app.test_client(), world.user_a.email)
    client.post(f"/seller/products/{product.id}", data=form(world.cluster, price="1", hs_code="4602.10"))
    revision = session.scalars(sa.select(ProductRevision)).one()
    curator = log_in(app.test_client(), world.curator.email)
    curator.post(
        f"/curator/products/{revision.product_id}/decision",
        data={"revision_id": str(revision.id), "decision": "reject", "note": "Harga terlalu rendah."},
    )
    session.expire_all()
    assert revision.status == RevisionStatus.REJECTED and product.price_minor == 85_000
    (email,) = notices(session, world.user_a.email)
    assert "Harga terlalu rendah." in email.body_text
    assert "Harga terlalu rendah." in client.get(f"/seller/products/{product.id}").get_data(as_text=True)


def test_bad_edit_saves_nothing(app, session, world):
    product = world.product_a
    client = log_in(app.test_client(), world.user_a.email)
    before = snapshot(session)
    response = client.post(
        f"/seller/products/{product.id}", data=form(world.cluster, weight_grams="900", price="2000000000")
    )
    assert response.status_code == 400
    assert "at most Rp\u00a01,000,000,000" in response.get_data(as_text=True)
    assert snapshot(session) == before  # the valid weight was not half-saved either


def test_archive_and_restore(app, session, world):
    product = world.product_a
    client = log_in(app.test_client(), world.user_a.email)
    client.post(f"/seller/products/{product.id}", data=form(world.cluster, price="90,000", hs_code="4602.10"))
    assert client.post(f"/seller/products/{product.id}/archive").status_code == 303
    session.expire_all()
    assert product.status == ProductStatus.ARCHIVED
    assert session.scalars(sa.select(ProductRevision)).one().status == RevisionStatus.DISCARDED
    assert app.test_client().get(f"/products/{product.id}-{product.slug}").status_code == 404
    # An archived product is not edited until restored.
    response = client.post(f"/seller/products/{product.id}", data=form(world.cluster, hs_code="4602.10"))
    assert response.status_code == 400 and "Restore the product" in response.get_data(as_text=True)
    client.post(f"/seller/products/{product.id}/restore")
    session.expire_all()
    assert product.status == ProductStatus.PENDING_REVIEW
