"""The demo's workshop photo: Sanggar Batik Sekar Kepuh shows where its batik is drawn.

One picture (drawn locally like the product pictures), approved, so the shop's page shows the
workshop; a shop that has any workshop photo already is left alone (the seed stays idempotent).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.demo.pictures import product_picture
from marketplace.media.images import ProcessedImage, new_storage_key, process_upload, save_renditions
from marketplace.media.storage import MediaStorage
from marketplace.seller.models import Seller, WorkshopPhoto

WORKSHOP_SHOP = "sanggar-batik-sekar-kepuh"
ALT_ID = "Ibu-ibu Sanggar Sekar Kepuh mencanting kain batik di teras sanggar"
ALT_EN = "Women of Sanggar Sekar Kepuh drawing wax on batik cloth on the workshop's porch"


@lru_cache(maxsize=1)  # a process that seeds twice (the tests, once per database) draws it once
def _picture() -> ProcessedImage:
    return process_upload(product_picture("workshop-" + WORKSHOP_SHOP, "batik", "Sanggar Sekar Kepuh", 0))


def seed_demo_workshop(
    session: Session, storage: MediaStorage, sellers: Mapping[str, Seller], *, now: datetime
) -> list[WorkshopPhoto]:
    """Give the demo batik shop an approved workshop photo unless it has one; returns what it added."""
    shop = sellers.get(WORKSHOP_SHOP)
    if shop is None:
        return []
    session.flush()
    if session.scalar(
        sa.select(sa.func.count()).select_from(WorkshopPhoto).where(WorkshopPhoto.seller_id == shop.id)
    ):
        return []
    processed = _picture()
    storage_key = new_storage_key()
    save_renditions(storage, processed, storage_key)
    photo = WorkshopPhoto(
        seller_id=shop.id,
        storage_key=storage_key,
        width=processed.width,
        height=processed.height,
        alt_id=ALT_ID,
        alt_en=ALT_EN,
        created_at=now - timedelta(days=30),
        approved_at=now - timedelta(days=29),
    )
    session.add(photo)
    session.flush()
    return [photo]
