"""Origin-tag fixtures: a batik shop in Pakistaji (Kabat) with a live product carrying labels in
every state, another shop, a curator; helpers to read tags and audit rows."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import ProductImage
from marketplace.labels.models import LabelStatus
from marketplace.origin.models import OriginTag
from marketplace.origin.services import new_code
from marketplace.timezones import market_today
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.factories import (
    make_cluster,
    make_kecamatan,
    make_label_type,
    make_product,
    make_product_label,
    make_seller,
    make_user,
    make_village,
)
from tests.login import logged_in_as

_images = itertools.count(1)


@dataclass
class World:
    owner: object
    other_owner: object
    curator: object
    seller: object
    product: object
    other_product: object


def add_image(session, product) -> ProductImage:
    image = ProductImage(
        product=product,
        storage_key=f"origintest{next(_images)}",
        width=1200,
        height=900,
        alt_id="",
        alt_en="",
    )
    session.add(image)
    session.flush()
    return image


@pytest.fixture
def world(session) -> World:
    return built_once(session, _build_world)


def _build_world(session) -> World:
    kabat = make_kecamatan(session, name="Kabat", slug="kabat")
    pakistaji = make_village(session, name="Pakistaji", slug="pakistaji", parent=kabat)
    batik = make_cluster(session, slug="batik", name_id="Batik", name_en="Batik")
    owner = make_user(session, email="siti@example.test", name="Siti")
    other_owner = make_user(session, email="budi@example.test", name="Budi")
    curator = make_user(session, email="curator@example.test", name="Kurator", is_curator=True)
    seller = make_seller(
        session, user_id=owner.id, village=pakistaji, name="Sanggar Sekar Kepuh", slug="sekar"
    )
    other = make_seller(session, user_id=other_owner.id, village=make_village(session), name="Kopi Budi")
    product = make_product(
        session,
        seller=seller,
        cluster=batik,
        title_id="Kain batik tulis Gajah Oling",
        title_en="Gajah Oling hand-drawn batik cloth",
    )
    add_image(session, product)
    today = market_today()
    sni = make_label_type(session, code="sni-batik", name_id="SNI batik", name_en="SNI batik", position=1)
    batikmark = make_label_type(
        session, code="batikmark", name_id="Batikmark", name_en="Batikmark", position=2
    )
    handmade = make_label_type(
        session, code="handmade", name_id="Buatan tangan", name_en="Handmade", position=3
    )
    make_product_label(
        session, product=product, label_type=sni, certificate_number="SNI-8302-0457",
        valid_until=today + timedelta(days=300),
    )  # fmt: skip
    make_product_label(
        session, product=product, label_type=batikmark, certificate_number="BMI-0312-OLD",
        valid_until=today - timedelta(days=1),
    )  # fmt: skip
    make_product_label(
        session, product=product, label_type=handmade, certificate_number="HM-REQUESTED",
        status=LabelStatus.REQUESTED, valid_until=None,
    )  # fmt: skip
    other_product = make_product(
        session, seller=other, cluster=batik, title_id="Kopi robusta", title_en="Robusta coffee"
    )
    session.commit()
    return World(owner, other_owner, curator, seller, product, other_product)


def give_tag(session, product, **values) -> OriginTag:
    tag = OriginTag(product_id=product.id, code=new_code(), created_at=utcnow(), **values)
    session.add(tag)
    session.commit()
    return tag


def tags(session) -> list[OriginTag]:
    session.expire_all()
    return list(session.scalars(sa.select(OriginTag).order_by(OriginTag.id)))


def audit(session, action: str) -> list[AuditEntry]:
    session.expire_all()
    stmt = sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
    return list(session.scalars(stmt))


def log_in(client, user, lang: str = "en"):
    return logged_in_as(client, user, lang=lang)
