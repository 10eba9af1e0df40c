"""Naik kelas fixtures: a shop with hand-countable data (profile, products, photos, labels, parcels)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.catalogue.models import ProductImage, ProductStatus
from marketplace.labels.models import LabelStatus
from marketplace.naikkelas.models import NaikKelasCriterion, NaikKelasLevel
from marketplace.orders.models import FulfilmentStatus, OrderStatus
from marketplace.seller.models import SellerPayoutAccount
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.factories import (
    make_cluster,
    make_product,
    make_product_label,
    make_seller,
    make_user,
    make_village,
)
from tests.orders.helpers import make_cart, place


def add_photos(session, product, n: int) -> None:
    for i in range(n):
        session.add(
            ProductImage(
                product_id=product.id, position=i, storage_key=f"k{product.id}-{i}", width=800, height=600
            )
        )
    session.flush()


def parcel(session, product, *, paid_days_ago: float | None, shipped_days_ago: float | None, now):
    """An order of one unit of `product`, paid and shipped at the given times (None: not)."""
    order = place(
        session, make_cart(session, {product: 1}), now=now - timedelta(days=(paid_days_ago or 0) + 0.01)
    )
    fulfilment = order.fulfilments[0]
    if paid_days_ago is not None:
        order.status = OrderStatus.PAID
        order.paid_at = now - timedelta(days=paid_days_ago)
        fulfilment.status = FulfilmentStatus.PROCESSING
    if shipped_days_ago is not None:
        order.status = OrderStatus.SHIPPED
        fulfilment.status = FulfilmentStatus.SHIPPED
        fulfilment.shipped_at = now - timedelta(days=shipped_days_ago)
    session.flush()
    return fulfilment


def level(session, code: str, position: int, *criteria: tuple[str, str]) -> NaikKelasLevel:
    lvl = NaikKelasLevel(code=code, position=position, name_id=f"Level {code}", name_en=f"Level {code} (en)")
    for index, (metric, threshold) in enumerate(criteria):
        lvl.criteria.append(
            NaikKelasCriterion(
                metric=metric, threshold=Decimal(threshold), name_id=f"Target {metric}",
                name_en=f"Target {metric}", hint_id="Lakukan ini", hint_en=f"Do this for {metric}",
                position=index,
            )
        )  # fmt: skip
    session.add(lvl)
    session.flush()
    return lvl


@dataclass
class Shop:
    user_a: object
    user_b: object
    buyer: object
    curator: object
    seller_a: object
    seller_b: object
    now: object


@pytest.fixture
def shop(session) -> Shop:
    return built_once(session, _build_shop)


def _build_shop(session) -> Shop:
    """Seller A, counted by hand:

    profile: story_id, phone and payout account, no English story → 3 of 4 = 75.0 %
    active products: 3 (plus a draft); with ≥ 3 photos: 1 of 3 → 33.3 %
    verified unexpired labels on active products: 1 (an expired one and a requested one do not count)
    export-ready: 1 active exportable with HS code (an exportable draft does not count)
    parcels (processing 2 days → due paid + 3 days): on time 1, late 1, overdue unshipped 1,
    not yet due 1 (not counted), shipped late 100 days ago (outside the window) → 1 of 3 = 33.3 %
    orders shipped, all time: 3
    """
    now = utcnow()
    village = make_village(session)
    cluster = make_cluster(session)
    user_a = make_user(session, email="ani@example.test")
    user_b = make_user(session, email="budi@example.test")
    buyer = make_user(session, email="buyer@example.test")
    curator = make_user(session, email="curator@example.test", is_curator=True)
    seller_a = make_seller(
        session, user_id=user_a.id, village=village, name="Rotan Ani",
        story_id="Cerita rotan kami dari desa.", story_en="", phone="081234567890",
    )  # fmt: skip
    seller_b = make_seller(
        session, user_id=user_b.id, village=village, name="Batik Budi", story_id="", story_en="", phone=""
    )
    session.add(
        SellerPayoutAccount(
            seller_id=seller_a.id, bank_name="BRI", account_number="1234567", account_holder="Ani"
        )
    )
    common = {"seller": seller_a, "cluster": cluster, "processing_days": 2, "stock": 50}
    photos_ok = make_product(session, **common, exportable=True, hs_code="4602.10")
    plain = make_product(session, **common)
    labelled = make_product(session, **common)
    make_product(session, **common, status=ProductStatus.DRAFT, exportable=True, hs_code="4602.10")
    add_photos(session, photos_ok, 3)
    add_photos(session, plain, 2)
    make_product_label(session, product=labelled)
    make_product_label(session, product=labelled, valid_until=(now - timedelta(days=1)).date())
    make_product_label(session, product=plain, status=LabelStatus.REQUESTED)
    parcel(session, plain, paid_days_ago=10, shipped_days_ago=8, now=now)  # on time
    parcel(session, plain, paid_days_ago=10, shipped_days_ago=4, now=now)  # late (due after 3 + 2 days)
    parcel(session, plain, paid_days_ago=10, shipped_days_ago=None, now=now)  # overdue
    parcel(session, plain, paid_days_ago=1, shipped_days_ago=None, now=now)  # not yet due
    parcel(session, plain, paid_days_ago=100, shipped_days_ago=90, now=now)  # long ago, late: counted
    make_product(session, seller=seller_b, cluster=cluster)
    session.commit()
    return Shop(user_a, user_b, buyer, curator, seller_a, seller_b, now)
