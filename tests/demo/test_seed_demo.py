"""`flask seed-demo` loads a believable Kabat, twice without change, and never in production."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from werkzeug.security import check_password_hash

from marketplace.accounts.access import user_seller_roles
from marketplace.accounts.models import User
from marketplace.accounts.services import find_default_address
from marketplace.catalogue.models import (
    Cluster,
    Product,
    ProductImage,
    ProductOption,
    ProductStatus,
    ProductVariant,
    Region,
    RegionKind,
)
from marketplace.curation.models import FeaturedPlacement
from marketplace.demo import data
from marketplace.demo.pictures import product_picture
from marketplace.extensions import db
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel
from marketplace.labels.review import verification_problems
from marketplace.media.images import rendition_key, rendition_widths
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order
from marketplace.orders.presenters import history_lines
from marketplace.origin.models import OriginTag
from marketplace.reviews.models import Review
from marketplace.seller.models import Seller, SellerFacilitator, SellerStatus, WorkshopPhoto
from marketplace.timezones import buyer_zone
from marketplace.types import utcnow
from tests.api.demo_document import assert_the_api_describes_the_demo
from tests.factories import make_product

KABAT_DESA = {
    "Bareng",
    "Benelan Lor",
    "Bunder",
    "Dadapan",
    "Gombolirang",
    "Kabat",
    "Kalirejo",
    "Kedayunan",
    "Labanasem",
    "Macan Putih",
    "Pakistaji",
    "Pendarungan",
    "Pondoknongko",
    "Tambong",
}
LABEL_CODES = {
    "halal",
    "p-irt",
    "bpom-md",
    "sni-batik",
    "batikmark",
    "kurasi-kecamatan",
    "handmade",
    "natural-dye",
    "export-ready",
}
TABLES = (
    Region, Cluster, LabelType, User, Seller, Product, ProductLabel, ProductImage, FeaturedPlacement, Review,
    ProductOption, ProductVariant,
)  # fmt: skip


def _counts(session) -> dict[str, int]:
    return {
        model.__tablename__: session.scalar(sa.select(sa.func.count()).select_from(model)) for model in TABLES
    }


def _files(root) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.slow
def test_seed_demo_loads_kabat_and_a_second_run_changes_nothing(client, runner, session, media_root, storage):
    """The one test that seeds the whole demo (seconds of CPU per database): every check that needs
    all of it runs here, on one seeding."""
    first = runner.invoke(args=["seed-demo", "--if-empty"])
    assert first.exit_code == 0, first.output
    assert "curator@demo.test" in first.output
    counts = _counts(session)
    files = _files(media_root)

    _assert_believable_kabat(session, storage)
    _assert_order_histories_say_by_whom(client.application, session)
    _assert_facilitator_runs_two_shops(session)
    _assert_demo_shop_has_a_paid_parcel_to_ship(session)
    assert_the_api_describes_the_demo(client)

    db.session.remove()
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert "nothing new" in second.output
    assert _counts(session) == counts
    assert _files(media_root) == files
    assert session.scalar(sa.select(sa.func.count()).select_from(SellerFacilitator)) == 2


def _assert_order_histories_say_by_whom(app, session) -> None:
    """Every step of every demo order says who took it, as a real order's history does: the buyer
    placed and received it, the district office or the card payment confirmed it, the shop sent it."""
    orders = session.scalars(sa.select(Order).order_by(Order.id)).all()
    assert orders and any(o.buyer_id for o in orders)
    whos = set()
    with app.test_request_context(), force_locale("en"):
        for order in orders:
            for line in history_lines(order, "en", buyer_zone(order.ship_country)):
                assert line["who"], (order.number, line)
                whos.add(f"{line['status_label']} ({line['who']})")
    assert {
        "Order placed (by you)",
        "Paid (by the district office)",
        "Paid (by the card payment)",
        "Shipped (by the shop)",
        "Delivered (by you)",
    } <= whos, whos


def _assert_demo_shop_has_a_paid_parcel_to_ship(session) -> None:
    """seller@demo.test's "Orders to ship" holds the demo buyer's order of yesterday, paid, not late."""
    parcels = session.scalars(
        sa.select(Fulfilment)
        .join(Seller, Seller.id == Fulfilment.seller_id)
        .join(User, User.id == Seller.user_id)
        .where(User.email == data.SELLER_EMAIL, Fulfilment.status == FulfilmentStatus.PROCESSING)
    ).all()
    assert len(parcels) == 1
    order = parcels[0].order
    assert order.paid_at is not None and order.email == data.BUYER_EMAIL


def _assert_facilitator_runs_two_shops(session) -> None:
    """A village facilitator runs two artisans' shops from one account."""
    helper = session.scalars(sa.select(User).where(User.email == data.FACILITATOR_EMAIL)).one()
    roles = user_seller_roles(session, helper)
    assert len(roles) == 2 and set(roles.values()) == {"facilitator"}


def _assert_believable_kabat(session, storage) -> None:
    kecamatan = session.scalars(sa.select(Region).where(Region.kind == RegionKind.KECAMATAN)).one()
    assert (kecamatan.name, kecamatan.code) == ("Kabat", "35.10.14")
    desa = session.scalars(sa.select(Region).where(Region.kind == RegionKind.DESA)).all()
    assert {d.name for d in desa} == KABAT_DESA
    assert all(d.parent_id == kecamatan.id and d.story_id and d.story_en for d in desa)

    clusters = session.scalars(sa.select(Cluster)).all()
    assert len(clusters) == 4
    assert all(c.description_id and c.description_en for c in clusters)
    assert {t.code for t in session.scalars(sa.select(LabelType))} == LABEL_CODES

    sellers = session.scalars(sa.select(Seller)).all()
    by_status = {status: [s for s in sellers if s.status == status] for status in SellerStatus}
    assert len(by_status[SellerStatus.APPROVED]) >= 12
    assert len(by_status[SellerStatus.PENDING]) == 1
    assert len(by_status[SellerStatus.REJECTED]) == 1
    assert len({s.village_id for s in by_status[SellerStatus.APPROVED]}) >= 8

    products = session.scalars(sa.select(Product)).all()
    assert len(products) >= 60
    assert {p.status for p in products} == set(ProductStatus)
    assert any(p.stock == 0 and p.status == ProductStatus.ACTIVE for p in products)
    assert any(p.title_en == "" for p in products)  # English missing: the storefront falls back
    assert all(p.title_id and p.currency == "IDR" and p.price_minor > 0 for p in products)
    assert all(p.published_at is not None for p in products if p.status == ProductStatus.ACTIVE)
    for product in products:
        if product.exportable:
            assert re.fullmatch(r"\d{4}\.\d{2}", product.hs_code or ""), product.slug
    fish = [p for p in products if "ikan" in p.slug or "cumi" in p.slug or "ebi" in p.slug]
    assert fish and not any(p.exportable for p in fish)
    batik_tulis = [p for p in products if p.slug.startswith("kain-batik-tulis") and p.status == "active"]
    assert batik_tulis and all(350_000 <= p.price_minor <= 1_500_000 for p in batik_tulis)

    _assert_variants(session, products)
    _assert_accounts(session)
    _assert_labels(session, storage)
    _assert_featured(session)
    _assert_images(session, storage, products)
    _assert_workshop(session, storage)
    _assert_origin_tags(session)
    _assert_reviews(session)


def _assert_reviews(session) -> None:
    """A few reviews by the demo buyer, in both languages, one with the shop's reply; the
    products' counters agree; one delivered item is left for the visitor to review."""
    reviews = session.scalars(sa.select(Review)).all()
    assert len(reviews) >= 3 and {r.lang for r in reviews} == {"id", "en"}
    assert any(r.reply_body for r in reviews) and any(r.photo_count for r in reviews)
    rated = session.scalars(sa.select(Product).where(Product.rating_count > 0)).all()
    assert sum(p.rating_count for p in rated) == len(reviews)
    assert sum(p.rating_sum for p in rated) == sum(r.rating for r in reviews)
    assert session.scalar(sa.select(sa.func.sum(Product.units_sold))) > 0


def _assert_variants(session, products) -> None:
    by_slug = {p.slug: p for p in products}
    shirt, coffee = by_slug["kemeja-batik-gajah-oling-pria"], by_slug["kopi-arabika-ijen-250g"]
    assert [(o.name_id, o.name_en) for o in shirt.options] == [("Ukuran", "Size")]
    assert [(v.value1, v.stock) for v in shirt.variants] == [
        ("S", 1),
        ("M", 3),
        ("L", 2),
        ("XL", 2),
        ("XXL", 0),
    ]
    assert [(v.value1, v.effective_price_minor) for v in coffee.variants] == [
        ("250 g", 75_000),
        ("500 g", 140_000),
    ]
    for product in products:  # every product: at least one variant, the stock their sum
        assert product.variants and product.stock == sum(v.stock for v in product.variants), product.slug
        assert all(v.effective_price_minor >= product.price_minor for v in product.variants), product.slug


def _check_password(password_hash: str, password: str) -> bool:
    try:
        from marketplace.accounts.passwords import verify_password
    except ImportError:
        return check_password_hash(password_hash, password)
    return verify_password(password_hash, password)


def _assert_accounts(session) -> None:
    users = {u.email: u for u in session.scalars(sa.select(User))}
    assert {"curator@demo.test", "seller@demo.test", "buyer@demo.test"} <= set(users)
    for user in users.values():
        assert _check_password(user.password_hash, "demo12345")
    assert users["curator@demo.test"].is_curator
    assert not users["seller@demo.test"].is_curator and not users["buyer@demo.test"].is_curator

    shop = session.scalars(sa.select(Seller).where(Seller.user_id == users["seller@demo.test"].id)).one()
    assert shop.status == SellerStatus.APPROVED
    active = [p for p in shop.products if p.status == ProductStatus.ACTIVE]
    assert len(active) >= 5
    assert (
        session.scalar(
            sa.select(sa.func.count())
            .select_from(Seller)
            .where(Seller.user_id == users["buyer@demo.test"].id)
        )
        == 0
    )
    # Her checkout opens filled in: she keeps her home address, as a returning buyer does.
    home = find_default_address(session, users["buyer@demo.test"])
    assert home is not None and (home.label, home.district) == ("Rumah", "Genteng")


def _assert_labels(session, storage) -> None:
    today = utcnow().date()
    labels = session.scalars(sa.select(ProductLabel)).all()
    verified = [label for label in labels if label.status == LabelStatus.VERIFIED]
    shown = [label for label in verified if label.valid_until is None or label.valid_until >= today]
    expired = [label for label in verified if label.valid_until is not None and label.valid_until < today]
    requested = [label for label in labels if label.status == LabelStatus.REQUESTED]
    rejected = [label for label in labels if label.status == LabelStatus.REJECTED]
    assert shown and expired and requested and rejected
    assert all(label.reviewer_note for label in rejected)
    assert all(label.reviewed_by_id and label.reviewed_at for label in verified + rejected)
    pirt = [label for label in verified if label.label_type.code == "p-irt"]
    assert pirt and all(re.fullmatch(r"\d{15}", label.certificate_number) for label in pirt)
    certified = [label for label in shown if label.label_type.requires_certificate]
    assert certified and all(label.certificate_number for label in certified)
    # Verified against evidence: each shown label passes the curators' rule (a certificate without
    # a last valid day was confirmed as having none), its certificate file stored privately.
    assert not [label.id for label in shown if verification_problems(label, today=today, no_end_date=True)]
    assert all(storage.read(label.evidence_key).startswith(b"%PDF-") for label in certified)
    # The queue holds requests to verify, and one without its certificate that cannot be.
    ready = [label for label in requested if not verification_problems(label, today=today, no_end_date=True)]
    assert ready and len(ready) == len(requested) - 1


def _assert_featured(session) -> None:
    now = utcnow()
    placements = session.scalars(sa.select(FeaturedPlacement)).all()
    active = [f for f in placements if f.starts_at <= now < f.ends_at]
    assert 4 <= len(active) <= 6
    assert any(f.ends_at <= now for f in placements)
    assert any(f.starts_at > now for f in placements)
    for placement in active:
        assert placement.product.status == ProductStatus.ACTIVE
        assert placement.product.seller.status == SellerStatus.APPROVED
        assert placement.headline_id and placement.headline_en


def _assert_origin_tags(session) -> None:
    tags = session.scalars(sa.select(OriginTag)).all()
    revoked = [tag for tag in tags if tag.is_revoked]
    assert len(tags) >= 4 and len(revoked) == 1 and revoked[0].revoke_reason
    assert all(tag.product.status == ProductStatus.ACTIVE for tag in tags)


def _assert_images(session, storage, products) -> None:
    images = session.scalars(sa.select(ProductImage)).all()
    assert len(images) >= len(products)
    with_images = {image.product_id for image in images}
    assert any(p.id not in with_images for p in products)  # a few have none
    for image in images:
        assert (image.width, image.height) == (1200, 900)
        assert image.alt_id
        for width in rendition_widths(image.width):
            assert storage.exists(rendition_key(image.storage_key, width)), image.storage_key
    # Positions run 0, 1, 2… per product.
    for product in products:
        positions = [image.position for image in product.images]
        assert positions == list(range(len(positions)))


def _assert_workshop(session, storage) -> None:
    """The batik shop's page shows one approved workshop photo, stored like product photos."""
    rows = session.execute(
        sa.select(Seller.slug, WorkshopPhoto).join(WorkshopPhoto, WorkshopPhoto.seller_id == Seller.id)
    ).all()
    assert [(slug, photo.approved_at is not None) for slug, photo in rows] == [
        ("sanggar-batik-sekar-kepuh", True)
    ]
    photo = rows[0][1]
    assert photo.alt_id and photo.alt_en
    assert all(storage.exists(rendition_key(photo.storage_key, w)) for w in rendition_widths(photo.width))


def test_seed_demo_refuses_in_production(app, runner, session, media_root):
    app.config.update(PRODUCTION=True, MARKETPLACE_ENV="production")
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code != 0
    assert "MARKETPLACE_ENV=production" in result.output
    assert all(count == 0 for count in _counts(session).values())
    assert _files(media_root) == set()


def test_if_empty_leaves_a_database_with_products_alone(runner, session, media_root):
    make_product(session)
    session.commit()
    result = runner.invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0, result.output
    assert "already has products" in result.output
    assert session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    assert _files(media_root) == set()


def test_pictures_are_deterministic_and_differ_per_product():
    first = product_picture("kopi-robusta", "agro", "Kopi Robusta", 0)
    assert product_picture("kopi-robusta", "agro", "Kopi Robusta", 0) == first
    assert product_picture("kopi-robusta", "agro", "Kopi Robusta", 1) != first
    assert product_picture("tas-rotan", "kerajinan", "Tas Rotan", 0) != first
