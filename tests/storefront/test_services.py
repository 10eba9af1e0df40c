"""Catalogue services: who and what is public, labels, featuring, lookups and listings."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.errors import NotFound
from marketplace.labels import visibility
from marketplace.labels.models import LabelStatus
from marketplace.seller.models import SellerStatus
from marketplace.storefront import listings as storefront_listings
from marketplace.storefront import search as storefront_search
from marketplace.storefront import search_params
from marketplace.timezones import market_today
from marketplace.types import utcnow
from tests.factories import (
    make_featured,
    make_label_type,
    make_product,
    make_product_label,
    make_seller,
)


def _everywhere(session, world) -> dict[str, set[int]]:
    """Ids of products each public listing shows."""
    params = search_params.SearchParams(per_page=60)
    return {
        "search": {p.id for p in storefront_search.search_products(session, params).items},
        "search_q": {
            p.id
            for p in storefront_search.search_products(
                session, params.replace(q="tenun", sort="relevance")
            ).items
        },
        "newest": {p.id for p in storefront_listings.list_newest_products(session, 60)},
        "featured": {
            f.product_id for f in storefront_listings.list_active_featured(session, utcnow(), limit=60)
        },
        "village": {
            p.id
            for p in storefront_search.search_products(
                session, params.replace(village=world.village.slug)
            ).items
        },
        "cluster": {
            p.id
            for p in storefront_search.search_products(
                session, params.replace(cluster=world.cluster.slug)
            ).items
        },
    }


@pytest.mark.parametrize(
    "status", [ProductStatus.DRAFT, ProductStatus.PENDING_REVIEW, ProductStatus.ARCHIVED]
)
def test_only_active_products_are_public(session, world, status):
    shown = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Tenun ikat")
    hidden = make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Tenun ikat", status=status
    )
    make_featured(session, product=shown)
    make_featured(session, product=hidden)
    session.commit()

    for name, ids in _everywhere(session, world).items():
        assert shown.id in ids, name
        assert hidden.id not in ids, name
    with pytest.raises(NotFound):
        storefront_listings.get_public_product(session, hidden.id)
    assert storefront_listings.get_public_product(session, shown.id).id == shown.id
    counts = {s.cluster.slug: s.product_count for s in storefront_listings.list_clusters(session)}
    assert counts[world.cluster.slug] == 1
    villages = {s.village.slug: s.product_count for s in storefront_listings.list_villages(session)}
    assert villages[world.village.slug] == 1


@pytest.mark.parametrize("status", [SellerStatus.PENDING, SellerStatus.REJECTED, SellerStatus.SUSPENDED])
def test_products_of_unapproved_sellers_are_hidden(session, world, status):
    shown = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Tenun ikat")
    seller = make_seller(session, village=world.village, status=status, approved_at=None)
    hidden = make_product(session, seller=seller, cluster=world.cluster, title_id="Tenun ikat")
    make_featured(session, product=hidden)
    session.commit()

    for name, ids in _everywhere(session, world).items():
        assert hidden.id not in ids, name
    assert shown.id in _everywhere(session, world)["search"]
    with pytest.raises(NotFound):
        storefront_listings.get_public_product(session, hidden.id)
    with pytest.raises(NotFound):
        storefront_listings.get_seller_by_slug(session, seller.slug)
    assert storefront_listings.get_seller_by_slug(session, world.seller.slug).id == world.seller.id
    assert {s.village.slug: s.product_count for s in storefront_listings.list_villages(session)}[
        world.village.slug
    ] == 1
    assert seller not in storefront_listings.list_village_sellers(session, world.village)


def test_visible_labels_are_verified_and_unexpired(session, world):
    today = date(2026, 6, 15)
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    halal = make_label_type(session, code="halal", name_id="Halal", name_en="Halal", position=1)
    pirt = make_label_type(session, code="pirt", name_id="P-IRT", name_en="P-IRT", position=2)
    sni = make_label_type(session, code="sni", name_id="SNI", name_en="SNI", position=3)
    kurasi = make_label_type(session, code="kurasi", name_id="Kurasi", name_en="Curated", position=4)
    extra = make_label_type(session, code="extra", name_id="X", name_en="X", position=5)
    valid = make_product_label(session, product=product, label_type=halal, valid_until=today)
    no_expiry = make_product_label(session, product=product, label_type=kurasi, valid_until=None)
    make_product_label(session, product=product, label_type=pirt, valid_until=today - timedelta(days=1))
    make_product_label(session, product=product, label_type=sni, status=LabelStatus.REQUESTED)
    make_product_label(session, product=product, label_type=extra, status=LabelStatus.REJECTED)
    session.commit()

    loaded = storefront_listings.get_public_product(session, product.id)
    assert [label.id for label in visibility.visible_labels(loaded, today)] == [valid.id, no_expiry.id]
    # The day after its last valid day the label disappears by itself.
    assert [label.id for label in visibility.visible_labels(loaded, today + timedelta(days=1))] == [
        no_expiry.id
    ]

    def with_label(code, day):
        params = search_params.SearchParams(label=code)
        return [p.id for p in storefront_search.search_products(session, params, today=day).items]

    assert with_label("halal", today) == [product.id]
    assert with_label("halal", today + timedelta(days=1)) == []
    assert with_label("kurasi", today) == [product.id]
    assert with_label("pirt", today) == []
    assert with_label("sni", today) == []
    assert with_label("extra", today) == []


def test_market_today_is_jakarta_date():
    # 18:00 UTC is already 01:00 the next day in Jakarta (UTC+7).
    assert market_today(datetime(2026, 3, 1, 18, 0, tzinfo=UTC)) == date(2026, 3, 2)
    assert market_today(datetime(2026, 3, 1, 16, 59, tzinfo=UTC)) == date(2026, 3, 1)


def test_featured_only_inside_window(session, world):
    now = utcnow()
    current = make_featured(
        session,
        product=make_product(session, seller=world.seller, cluster=world.cluster),
        position=2,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(hours=1),
    )
    first = make_featured(
        session,
        product=make_product(session, seller=world.seller, cluster=world.cluster),
        position=1,
        starts_at=now,
        ends_at=now + timedelta(days=1),
    )
    make_featured(
        session,
        product=make_product(session, seller=world.seller, cluster=world.cluster),
        starts_at=now + timedelta(minutes=1),
        ends_at=now + timedelta(days=1),
    )
    make_featured(
        session,
        product=make_product(session, seller=world.seller, cluster=world.cluster),
        starts_at=now - timedelta(days=2),
        ends_at=now,
    )
    session.commit()

    assert [f.id for f in storefront_listings.list_active_featured(session, now)] == [first.id, current.id]
    later = now + timedelta(hours=2)
    later_ids = [f.id for f in storefront_listings.list_active_featured(session, later)]
    assert first.id in later_ids
    assert current.id not in later_ids


def test_featured_shows_a_product_once(session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster)
    make_featured(session, product=product, position=1)
    make_featured(session, product=product, position=2)
    session.commit()
    assert [f.product_id for f in storefront_listings.list_active_featured(session, utcnow())] == [product.id]


def test_newest_products_order_and_limit(session, world):
    now = utcnow()
    old = make_product(
        session, seller=world.seller, cluster=world.cluster, published_at=now - timedelta(days=3)
    )
    new = make_product(
        session, seller=world.seller, cluster=world.cluster, published_at=now - timedelta(hours=1)
    )
    mid = make_product(
        session, seller=world.seller, cluster=world.cluster, published_at=now - timedelta(days=1)
    )
    session.commit()
    assert [p.id for p in storefront_listings.list_newest_products(session, 2)] == [new.id, mid.id]
    assert [p.id for p in storefront_listings.list_newest_products(session, 10)] == [new.id, mid.id, old.id]


def test_lookups_raise_not_found(session, world):
    assert storefront_listings.get_cluster_by_slug(session, "batik").id == world.cluster.id
    assert storefront_listings.get_village_by_slug(session, "pakistaji").id == world.village.id
    with pytest.raises(NotFound):
        storefront_listings.get_cluster_by_slug(session, "nope")
    with pytest.raises(NotFound):
        storefront_listings.get_village_by_slug(session, "nope")
    # The kecamatan is a region but not a village.
    with pytest.raises(NotFound):
        storefront_listings.get_village_by_slug(session, world.kecamatan.slug)
    with pytest.raises(NotFound):
        storefront_listings.get_seller_by_slug(session, "nope")
    with pytest.raises(NotFound):
        storefront_listings.get_public_product(session, 987654)


def test_lists_with_counts(session, world):
    make_product(session, seller=world.seller, cluster=world.cluster)
    make_product(session, seller=world.seller, cluster=world.cluster)
    make_product(session, seller=world.other_seller, cluster=world.other_cluster)
    make_product(session, seller=world.other_seller, cluster=world.other_cluster, stock=0)
    make_product(session, seller=world.other_seller, cluster=world.other_cluster, status=ProductStatus.DRAFT)
    session.commit()
    assert [(s.cluster.slug, s.product_count) for s in storefront_listings.list_clusters(session)] == [
        ("batik", 2),
        ("agro", 2),
    ]
    assert [(s.village.slug, s.product_count) for s in storefront_listings.list_villages(session)] == [
        ("pakistaji", 2),
        ("tambong", 2),
    ]
    assert [s.village.slug for s in storefront_listings.list_villages(session, with_counts=False)] == [
        "pakistaji",
        "tambong",
    ]
    assert [s.slug for s in storefront_listings.list_village_sellers(session, world.village)] == [
        "kub-sekar-kepuh"
    ]


def test_a_renewed_label_shows_once_the_longest_lasting(session, world):
    from datetime import date

    from marketplace.labels.models import LabelStatus
    from marketplace.labels.visibility import visible_labels
    from marketplace.storefront.listings import get_public_product
    from tests.factories import make_label_type, make_product, make_product_label

    product = make_product(session, seller=world.seller, cluster=world.cluster)
    halal = make_label_type(session, code="halal-renewal")
    old = make_product_label(
        session, product=product, label_type=halal, status=LabelStatus.VERIFIED, valid_until=date(2030, 1, 31)
    )
    renewed = make_product_label(
        session, product=product, label_type=halal, status=LabelStatus.VERIFIED, valid_until=date(2033, 1, 31)
    )
    session.commit()
    session.expire_all()
    shown = visible_labels(get_public_product(session, product.id), date(2029, 6, 1))
    assert [label.id for label in shown] == [renewed.id]
    assert old.id != renewed.id
    assert [
        label.id for label in visible_labels(get_public_product(session, product.id), date(2031, 6, 1))
    ] == [renewed.id]
