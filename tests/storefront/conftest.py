"""Catalogue fixtures: a small public world (village, cluster, approved seller) to add products to."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import pytest

from marketplace.catalogue.models import Cluster, ProductImage, Region
from marketplace.seller.models import Seller
from tests.built_once import built_once
from tests.factories import make_cluster, make_kecamatan, make_seller, make_village


@dataclass
class World:
    kecamatan: Region
    village: Region
    other_village: Region
    cluster: Cluster
    other_cluster: Cluster
    seller: Seller
    other_seller: Seller


@pytest.fixture
def world(session) -> World:
    return built_once(session, _build_world)


def _build_world(session) -> World:
    kecamatan = make_kecamatan(session, name="Kabat", slug="kabat")
    village = make_village(
        session,
        name="Pakistaji",
        slug="pakistaji",
        parent=kecamatan,
        story_id="Desa batik tulis di Dusun Kepuh.",
        story_en="A village of hand-drawn batik.",
    )
    other_village = make_village(session, name="Tambong", slug="tambong", parent=kecamatan)
    cluster = make_cluster(session, slug="batik", name_id="Batik", name_en="Batik", position=1)
    other_cluster = make_cluster(
        session, slug="agro", name_id="Pertanian", name_en="Farm produce", position=2
    )
    seller = make_seller(
        session,
        name="KUB Sekar Kepuh",
        slug="kub-sekar-kepuh",
        village=village,
        story_id="Kami membatik sejak 1990.",
        story_en="We have made batik since 1990.",
    )
    other_seller = make_seller(session, name="Tani Tambong", slug="tani-tambong", village=other_village)
    session.commit()
    return World(kecamatan, village, other_village, cluster, other_cluster, seller, other_seller)


_image_seq = itertools.count(1)


def add_image(session, product, *, width: int = 1200, height: int = 900) -> ProductImage:
    image = ProductImage(
        product=product,
        storage_key=f"testimg{next(_image_seq)}",
        width=width,
        height=height,
        alt_id="Foto produk",
        alt_en="Product photo",
    )
    session.add(image)
    session.flush()
    return image
