"""Demo origin tags for `seed-demo`: three products whose hang-tags are out there, one tag revoked.

The demo's codes are fixed so the README can link them (`/t/DemoGajahOling`); real codes are
random (`services.new_code`). Idempotent: a product that has a tag keeps it as it is. Flushes only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product
from marketplace.origin.models import OriginTag
from marketplace.origin.services import revoke_tag

#: Product slug → (code, days since the first print, the curator's reason for revoking or "").
DEMO_TAGS = {
    "kain-batik-tulis-gajah-oling-sogan": ("DemoGajahOling", 40, ""),
    "keranjang-rotan-bundar-bertutup": ("DemoRotanTambong", 25, ""),
    "klemben": ("DemoKlemben", 90, ""),  # its P-IRT expired 40 days ago: the page says so
    "kain-batik-cap-kopi-pecah": (
        "DemoKopiPecah",
        60,
        "Label gantung ini ditemukan terpasang pada kain printing (bukan batik cap) di sebuah toko "
        "oleh-oleh. Sampai produk diperiksa ulang, label ini tidak menjamin asal-usulnya.",
    ),
}


def ensure_demo_tags(session: Session, *, curator: User, now: datetime) -> int:
    """Make the demo tags that are missing (and revoke the one that is revoked); how many were made."""
    products = session.scalars(sa.select(Product).where(Product.slug.in_(list(DEMO_TAGS)))).all()
    tagged = set(session.scalars(sa.select(OriginTag.product_id)))
    codes = set(
        session.scalars(
            sa.select(OriginTag.code).where(OriginTag.code.in_([v[0] for v in DEMO_TAGS.values()]))
        )
    )
    made = 0
    for product in sorted(products, key=lambda p: p.slug):
        code, age_days, reason = DEMO_TAGS[product.slug]
        if product.id in tagged or code in codes:
            continue
        tag = OriginTag(
            product_id=product.id,
            code=code,
            created_at=now - timedelta(days=age_days),
            created_by_id=product.seller.user_id,
        )
        session.add(tag)
        session.flush()
        if reason:
            revoke_tag(session, tag=tag, curator=curator, reason=reason, now=now - timedelta(days=3))
        made += 1
    return made
