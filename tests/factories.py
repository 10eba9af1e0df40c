"""Callable factories: `make_product(session, **overrides)` builds a valid row and flushes it.

A factory that needs rows of its own (a product's seller, village, kecamatan and cluster) builds them
unflushed and flushes once: one flush of five rows costs a third of five flushes.
"""

from __future__ import annotations

import io
import itertools
from datetime import timedelta
from functools import lru_cache

import sqlalchemy as sa
from PIL import Image
from werkzeug.security import generate_password_hash

from marketplace.accounts.models import User
from marketplace.catalogue.models import (
    Cluster,
    Product,
    ProductOption,
    ProductStatus,
    ProductVariant,
    Region,
    RegionKind,
)
from marketplace.catalogue.photos import add_processed_image
from marketplace.curation.models import FeaturedPlacement
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel
from marketplace.media.images import ProcessedImage, process_upload
from marketplace.seller.models import Seller, SellerStatus
from marketplace.types import utcnow

_seq = itertools.count(1)

# Hashing is deliberately slow; tests share one hash of this password.
TEST_PASSWORD = "correct horse battery"
#: The tests' PASSWORD_HASH_METHOD (tests/conftest.py): a login checks in microseconds, not ~120 ms.
TEST_HASH_METHOD = "pbkdf2:sha256:1"
_PASSWORD_HASH = generate_password_hash(TEST_PASSWORD, method=TEST_HASH_METHOD)


def _n() -> int:
    return next(_seq)


def _added(session, row, flush: bool):
    session.add(row)
    if flush:
        session.flush()
    return row


def make_user(session, **overrides) -> User:
    n = _n()
    values = {"email": f"user{n}@example.test", "name": f"User {n}", "password_hash": _PASSWORD_HASH}
    values.update(overrides)
    return _added(session, User(**values), True)


def make_kecamatan(session, *, _flush: bool = True, **overrides) -> Region:
    n = _n()
    values = {"kind": RegionKind.KECAMATAN, "name": f"Kecamatan {n}", "slug": f"kecamatan-{n}"}
    values.update(overrides)
    return _added(session, Region(**values), _flush)


def make_village(session, *, _flush: bool = True, **overrides) -> Region:
    n = _n()
    if "parent" not in overrides and "parent_id" not in overrides:
        overrides["parent"] = make_kecamatan(session, _flush=False)
    values = {"kind": RegionKind.DESA, "name": f"Desa {n}", "slug": f"desa-{n}"}
    values.update(overrides)
    return _added(session, Region(**values), _flush)


def make_cluster(session, *, _flush: bool = True, **overrides) -> Cluster:
    n = _n()
    values = {"slug": f"cluster-{n}", "name_id": f"Klaster {n}", "name_en": f"Cluster {n}"}
    values.update(overrides)
    return _added(session, Cluster(**values), _flush)


def make_seller(session, *, _flush: bool = True, **overrides) -> Seller:
    n = _n()
    if "village" not in overrides and "village_id" not in overrides:
        overrides["village"] = make_village(session, _flush=False)
    values = {
        "name": f"Seller {n}",
        "slug": f"seller-{n}",
        "status": SellerStatus.APPROVED,
        "approved_at": utcnow(),
    }
    values.update(overrides)
    return _added(session, Seller(**values), _flush)


def make_product(session, *, _flush: bool = True, **overrides) -> Product:
    n = _n()
    if "seller" not in overrides and "seller_id" not in overrides:
        overrides["seller"] = make_seller(session, _flush=False)
    if "cluster" not in overrides and "cluster_id" not in overrides:
        overrides["cluster"] = make_cluster(session, _flush=False)
    values = {
        "slug": f"product-{n}",
        "title_id": f"Produk {n}",
        "title_en": f"Product {n}",
        "description_id": f"Deskripsi produk {n}",
        "description_en": f"Description of product {n}",
        "price_minor": 50_000,
        "currency": "IDR",
        "stock": 10,
        "weight_grams": 500,
        "status": ProductStatus.ACTIVE,
        "published_at": utcnow(),
    }
    values.update(overrides)
    return _added(session, Product(**values), _flush)


def make_sized_product(session, sizes: dict[str, int], **overrides) -> Product:
    """A product sold in sizes ("Ukuran"), `sizes` their stock in order, its total their sum."""
    product = make_product(session, stock=next(iter(sizes.values())), **overrides)
    session.add(ProductOption(product_id=product.id, position=1, name_id="Ukuran", name_en="Size"))
    first, *others = sizes.items()
    product.variants[0].value1 = first[0]
    for position, (size, stock) in enumerate(others, start=1):
        product.variants.append(ProductVariant(position=position, value1=size, stock=stock))
    session.flush()
    session.execute(sa.update(Product).where(Product.id == product.id).values(stock=sum(sizes.values())))
    session.expire(product, ["stock"])
    return product


def make_label_type(session, *, _flush: bool = True, **overrides) -> LabelType:
    n = _n()
    values = {"code": f"label-{n}", "name_id": f"Label {n}", "name_en": f"Label {n}"}
    values.update(overrides)
    return _added(session, LabelType(**values), _flush)


def make_product_label(session, **overrides) -> ProductLabel:
    if "product" not in overrides and "product_id" not in overrides:
        overrides["product"] = make_product(session, _flush=False)
    if "label_type" not in overrides and "label_type_id" not in overrides:
        overrides["label_type"] = make_label_type(session, _flush=False)
    values = {
        "status": LabelStatus.VERIFIED,
        "certificate_number": f"CERT-{_n()}",
        "issuer": "BPJPH",
        "valid_until": (utcnow() + timedelta(days=365)).date(),
    }
    values.update(overrides)
    label = ProductLabel(**values)
    session.add(label)
    session.flush()
    return label


def make_featured(session, **overrides) -> FeaturedPlacement:
    if "product" not in overrides and "product_id" not in overrides:
        overrides["product"] = make_product(session, _flush=False)
    now = utcnow()
    values = {
        "headline_id": "Pilihan minggu ini",
        "headline_en": "This week's pick",
        "position": 0,
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=6),
    }
    values.update(overrides)
    placement = FeaturedPlacement(**values)
    session.add(placement)
    session.flush()
    return placement


@lru_cache(maxsize=32)
def processed_photo(colour: tuple[int, int, int]) -> ProcessedImage:
    """A plain 900×675 camera JPEG in `colour`, through the real upload pipeline, once per process.

    Pages with photos (the browser tests) need many; re-encoding each into WebP renditions cost
    ~50 ms of CPU apiece and is not what those tests test (tests/media does).
    """
    buffer = io.BytesIO()
    Image.new("RGB", (900, 675), colour).save(buffer, "JPEG", quality=85)
    return process_upload(buffer.getvalue())


def add_photo(session, storage, *, product, colour: tuple[int, int, int], alt_id: str = "", alt_en: str = ""):
    """Store a photo of `colour` as `product`'s last, as an upload would (renditions, row, position)."""
    return add_processed_image(
        session, storage, product=product, processed=processed_photo(colour), alt_id=alt_id, alt_en=alt_en
    )


def make_handicraft_shop(session):
    """A shop in desa Tambong and the cluster kerajinan ("Handicraft"), committed: (seller, cluster)."""
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan", name_en="Handicraft")
    seller = make_seller(session, user_id=make_user(session).id, village=village)
    session.commit()
    return seller, cluster
