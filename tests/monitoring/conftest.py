"""A known set of orders across two villages, two clusters and three Jakarta months.

Hand-computed figures for 2026-01-01..2026-03-31 (Jakarta) are in tests/monitoring/test_figures.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from marketplace.catalogue.models import ProductStatus
from marketplace.labels.models import LabelStatus
from marketplace.mentoring.models import MentoringKind, MentoringNote
from marketplace.orders.models import OrderStatus
from marketplace.seller.models import SellerStatus
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.clients import IsolatedClient
from tests.factories import (
    make_cluster,
    make_product,
    make_product_label,
    make_seller,
    make_user,
    make_village,
)
from tests.login import logged_in_as_email
from tests.monitoring.helpers import make_order


@pytest.fixture
def app(app):
    app.test_client_class = IsolatedClient
    return app


def log_in(client, email: str, lang: str = "en"):
    """Log in without the form (tests/accounts test it), pages in English unless `lang`."""
    return logged_in_as_email(client, email, lang=lang)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


@dataclass
class World:
    tambong: object
    kabat: object
    batik: object
    food: object
    s1: object
    s2: object
    s3: object
    p1: object
    p2: object
    p3: object
    curator: object
    u1: object
    u2: object
    seller_user: object


@pytest.fixture
def world(session) -> World:
    return built_once(session, _build_world)


def _build_world(session) -> World:
    tambong = make_village(session, name="Tambong", slug="tambong")
    kabat = make_village(session, name="Kabat", slug="kabat", parent=tambong.parent)
    batik = make_cluster(session, slug="batik", name_id="Batik", name_en="Batik", position=1)
    food = make_cluster(session, slug="pangan", name_id="Makanan", name_en="Food", position=2)
    seller_user = make_user(session, email="owner@example.test")
    s1 = make_seller(session, name="Batik Sri", village=tambong, clusters=[batik], user_id=seller_user.id)
    s2 = make_seller(session, name="Dapur Kabat", village=kabat, clusters=[food])
    s3 = make_seller(session, name="Anyaman Kabat", village=kabat, clusters=[batik])
    make_seller(
        session, name="Belum Disetujui", village=tambong, status=SellerStatus.PENDING, approved_at=None
    )
    p1 = make_product(session, seller=s1, cluster=batik, title_en="Batik cloth", price_minor=100_000)
    p2 = make_product(session, seller=s2, cluster=food, title_en="Banana chips", price_minor=25_000)
    p3 = make_product(session, seller=s1, cluster=food, title_en="Coffee", price_minor=40_000)
    curator = make_user(session, email="curator@example.test", is_curator=True)
    u1 = make_user(session, email="u1@example.test")
    u2 = make_user(session, email="u2@example.test")
    u3 = make_user(session, email="u3@example.test")

    # In range (Jakarta 2026-01-01 .. 2026-03-31):
    # O9: 2025-12-31 17:30 UTC is 1 January 00:30 in Jakarta.
    make_order(session, [(p2, 1, 25_000, s2)], paid_at=utc(2025, 12, 31, 17, 30), email="g3@example.test")
    make_order(session, [(p1, 2, 100_000, s1)], paid_at=utc(2026, 1, 10, 3), buyer=u1)  # O1
    # O2: 31 January 18:00 UTC is 1 February in Jakarta; international, paid in USD.
    make_order(
        session,
        [(p2, 4, 25_000, s2)],
        paid_at=utc(2026, 1, 31, 18),
        email="g1@example.test",
        ship_country="SG",
        currency="USD",
    )
    make_order(
        session, [(p1, 1, 100_000, s1), (p2, 2, 25_000, s2)], paid_at=utc(2026, 2, 15, 5), buyer=u1
    )  # O3
    # O4: one line's product was deleted since (still seller 2, Kabat).
    make_order(session, [(p3, 3, 40_000, s1), (None, 1, 30_000, s2)], paid_at=utc(2026, 3, 5, 10), buyer=u2)
    make_order(session, [(p2, 2, 25_000, s2)], paid_at=utc(2026, 3, 20, 2), email="g2@example.test")  # O5

    # Out of range or not sales:
    make_order(session, [(p2, 1, 25_000, s2)], paid_at=utc(2025, 12, 20, 2), email="g2@example.test")  # O0
    make_order(session, [(p1, 1, 100_000, s1)], paid_at=utc(2026, 3, 31, 17, 30), buyer=u3)  # O8: 1 April WIB
    make_order(  # cancelled although the payment arrived: never a sale, not u2's first order
        session, [(p1, 5, 100_000, s1)], paid_at=utc(2025, 11, 1, 2), buyer=u2, status=OrderStatus.CANCELLED
    )
    make_order(session, [(p1, 3, 100_000, s1)], paid_at=None, status=OrderStatus.CANCELLED, buyer=u1)  # O6
    make_order(session, [(p3, 7, 40_000, s1)], paid_at=None, email="g4@example.test")  # O7 unpaid

    # Catalogue health (snapshots on today's date).
    now = utcnow()
    make_product(session, seller=s3, cluster=batik, title_en="Empty basket", stock=0)
    make_product(
        session, seller=s3, cluster=batik, title_en="Old basket", stock=0, status=ProductStatus.ARCHIVED
    )
    make_product(
        session, seller=s3, cluster=batik, title_en="Forgotten mat", updated_at=now - timedelta(days=100)
    )
    today = now.date()
    make_product_label(session, product=p1, status=LabelStatus.REQUESTED, valid_until=None)
    make_product_label(session, product=p1, valid_until=today + timedelta(days=365))
    make_product_label(session, product=p2, valid_until=today + timedelta(days=10))
    make_product_label(session, product=p2, valid_until=today - timedelta(days=2))
    make_product_label(session, product=p3, valid_until=None)
    make_product_label(session, product=p3, status=LabelStatus.REJECTED)
    session.add(
        MentoringNote(
            seller_id=s3.id,
            author_id=curator.id,
            kind=MentoringKind.VISIT,
            visited_on=datetime(2026, 1, 20).date(),
            body="Visited the workshop.",
        )
    )
    session.commit()
    return World(tambong, kabat, batik, food, s1, s2, s3, p1, p2, p3, curator, u1, u2, seller_user)
