"""Demo contact and questions: Sanggar Batik Sekar Kepuh publishes a WhatsApp number, and buyers'
questions on its batik — answered in Indonesian and in English, and one still waiting for the shop.

Created once, together: when the demo questions exist nothing is touched again (a number changed
or removed while demoing stays as it is).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product
from marketplace.questions.models import ProductQuestion
from marketplace.seller.models import Seller

SHOP = "sanggar-batik-sekar-kepuh"
#: The shop's demo WhatsApp number (E.164), opted in.
WHATSAPP = "+6281234567890"


@dataclass(frozen=True)
class DemoQuestion:
    product: str
    lang: str
    body: str
    answer: Optional[str]
    days_ago: int


QUESTIONS = (
    DemoQuestion(
        "kain-batik-tulis-gajah-oling-sogan",
        "id",
        "Apakah warnanya luntur kalau dicuci? Bagaimana cara merawatnya?",
        "Tidak luntur, Kak. Cuci dengan tangan memakai lerak atau sampo bayi, jangan diperas, lalu "
        "jemur di tempat teduh. Jangan disetrika langsung di atas motifnya.",
        12,
    ),
    DemoQuestion(
        "kain-batik-tulis-gajah-oling-sogan",
        "en",
        "Can you ship this cloth to the Netherlands, and how long does it take?",
        "Yes, we ship abroad by post (EMS). It usually arrives in 7 to 14 days; import duties are paid "
        "on arrival. We fold the cloth in acid-free paper.",
        6,
    ),
    DemoQuestion(
        "kemeja-batik-gajah-oling-pria",
        "id",
        "Kemejanya ada ukuran XXL? Lingkar dada saya 120 cm.",
        None,
        1,
    ),
)


def seed_demo_questions(
    session: Session, users: dict[str, User], *, buyer_email: str, seller_email: str, now: datetime
) -> Counter:
    """Add the demo questions and the shop's WhatsApp contact unless they were added before."""
    created: Counter = Counter()
    shop = session.scalar(sa.select(Seller).where(Seller.slug == SHOP))
    buyer, seller_user = users.get(buyer_email), users.get(seller_email)
    if shop is None or buyer is None or seller_user is None:
        return created
    products = {
        p.slug: p
        for p in session.scalars(
            sa.select(Product).where(
                Product.slug.in_({q.product for q in QUESTIONS}), Product.seller_id == shop.id
            )
        )
    }
    already = session.scalar(
        sa.select(sa.func.count()).select_from(ProductQuestion).where(ProductQuestion.seller_id == shop.id)
    )
    if already or len(products) != len({q.product for q in QUESTIONS}):
        return created
    for q in QUESTIONS:
        asked = now - timedelta(days=q.days_ago)
        session.add(
            ProductQuestion(
                product_id=products[q.product].id,
                seller_id=shop.id,
                asker_id=buyer.id,
                lang=q.lang,
                body=q.body,
                asked_at=asked,
                answer=q.answer or "",
                answered_at=asked + timedelta(hours=5) if q.answer else None,
                answered_by_id=seller_user.id if q.answer else None,
            )
        )
        created["product questions"] += 1
    if not shop.whatsapp_number:
        shop.whatsapp_number = WHATSAPP
        shop.whatsapp_public = True
        created["WhatsApp contacts"] += 1
    session.flush()
    return created
