"""API fixtures: a small public catalogue (villages, clusters, sellers in every state) and helpers."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest

from marketplace.catalogue.models import Cluster, ProductImage, Region
from marketplace.markets.context import HOME_CURRENCY, SUPPORTED_CURRENCIES
from marketplace.markets.models import ExchangeRate
from marketplace.seller.models import Seller, SellerStatus
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.factories import make_cluster, make_kecamatan, make_label_type, make_seller, make_village


@dataclass
class World:
    village: Region
    other_village: Region
    cluster: Cluster
    other_cluster: Cluster
    seller: Seller
    other_seller: Seller
    pending_seller: Seller
    suspended_seller: Seller


@pytest.fixture
def world(session) -> World:
    return built_once(session, _build_world)


def _build_world(session) -> World:
    kecamatan = make_kecamatan(session, name="Kabat", slug="kabat")
    village = make_village(
        session, name="Pakistaji", slug="pakistaji", parent=kecamatan,
        story_id="Desa batik tulis.", story_en="A village of hand-drawn batik.",
    )  # fmt: skip
    other_village = make_village(session, name="Tambong", slug="tambong", parent=kecamatan)
    cluster = make_cluster(
        session, slug="batik", name_id="Batik", name_en="Batik", position=1,
        description_id="Kain bergambar malam.", description_en="Wax-resist dyed cloth.",
    )  # fmt: skip
    other_cluster = make_cluster(
        session, slug="agro", name_id="Pertanian", name_en="Farm produce", position=2
    )
    seller = make_seller(session, name="KUB Sekar Kepuh", slug="kub-sekar-kepuh", village=village)
    other_seller = make_seller(session, name="Tani Tambong", slug="tani-tambong", village=other_village)
    pending = make_seller(
        session, name="Baru", slug="baru", village=village, status=SellerStatus.PENDING, approved_at=None
    )
    suspended = make_seller(
        session, name="Diskors", slug="diskors", village=village, status=SellerStatus.SUSPENDED
    )
    session.commit()
    return World(village, other_village, cluster, other_cluster, seller, other_seller, pending, suspended)


_image_seq = itertools.count(1)


def add_image(session, product, *, width: int = 1200, height: int = 900, position: int = 0) -> ProductImage:
    image = ProductImage(
        product=product,
        storage_key=f"apiimg{next(_image_seq)}",
        width=width,
        height=height,
        position=position,
        alt_id="Foto produk",
        alt_en="Product photo",
    )
    session.add(image)
    session.flush()
    return image


@pytest.fixture
def halal(session):
    return make_label_type(
        session, code="halal", name_id="Halal", name_en="Halal", issuer="BPJPH", position=1
    )


@pytest.fixture
def rates(session) -> None:
    """Today's exchange rate for every supported currency (`?currency=` needs one)."""
    for code in SUPPORTED_CURRENCIES:
        if code != HOME_CURRENCY:
            session.add(
                ExchangeRate(
                    currency=code, rate=Decimal("16300.5"), effective_date=utcnow().date(), source="t"
                )
            )
    session.flush()


def minutes_ago(n: int):
    return utcnow() - timedelta(minutes=n)


def error_of(response) -> dict:
    """The error object of a JSON error response (asserting its shape)."""
    assert response.is_json, response.data[:200]
    body = response.get_json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"status", "message"}
    assert body["error"]["status"] == response.status_code
    return body["error"]
