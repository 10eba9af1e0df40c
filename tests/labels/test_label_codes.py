"""`products.label_codes` follows the labels (database triggers), and the search's label filter,
which reads it on PostgreSQL, answers as the labels themselves do: verified, revoked, expired,
renewed, moved, deleted, a type renamed - on any day."""

from __future__ import annotations

import importlib.util
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.labels import label_codes as upkeep
from marketplace.labels import review
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel
from marketplace.labels.visibility import is_label_visible
from marketplace.storefront import search
from marketplace.storefront.search import search_products
from marketplace.storefront.search_params import parse_search_params
from marketplace.timezones import market_today
from marketplace.types import utcnow
from tests.factories import make_product, make_product_label

MIGRATION = Path(__file__).resolve().parents[2] / "migrations" / "versions" / "0033_label_codes.py"


def expected_codes(session, product_id: int) -> str:
    """The Python twin of `label_codes_sql`: each type of a verified label with its furthest date."""
    furthest: dict[str, date] = {}
    for label in session.scalars(sa.select(ProductLabel).where(ProductLabel.product_id == product_id)):
        if label.status == LabelStatus.VERIFIED:
            until = label.valid_until or date(9999, 12, 31)
            code = label.label_type.code
            furthest[code] = max(until, furthest.get(code, until))
    if not furthest:
        return ""
    return " " + " ".join(f"{code} :{furthest[code]:%Y%m%d}" for code in sorted(furthest)) + " "


def stored_codes(session, product_id: int) -> str:
    return session.execute(sa.select(Product.label_codes).where(Product.id == product_id)).scalar_one()


def assert_codes_follow(session, products) -> None:
    session.flush()
    session.expire_all()
    for product in products:
        assert stored_codes(session, product.id) == expected_codes(session, product.id), product.id


def visible_ids(session, code: str, day: date) -> set[int]:
    session.expire_all()
    labels = session.scalars(sa.select(ProductLabel).join(LabelType).where(LabelType.code == code))
    return {label.product_id for label in labels if is_label_visible(label, day)}


def found_ids(session, args: dict[str, str], day: date) -> set[int]:
    page = search_products(session, parse_search_params(args), today=day)
    return {product.id for product in page.items}


def assert_filter_answers_as_the_labels(session, codes, days) -> None:
    session.flush()
    for window in (search.SEARCH_WINDOW, 2):  # the window whole, or too small: every match read
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(search, "SEARCH_WINDOW", window)
            for day in days:
                for code in codes:
                    expected = visible_ids(session, code, day)
                    # A listing, a text search, sorted, and a word only one product has.
                    for args in ({}, {"q": "produk"}, {"q": "produk", "sort": "price_asc"}, {"q": "langka"}):
                        wanted = expected if args.get("q") != "langka" else expected & {RARE_ID[0]}
                        found = found_ids(session, {**args, "label": code}, day)
                        assert found == wanted, (code, day, args, window)


RARE_ID: list[int] = []


@pytest.fixture
def catalogue(session, world):
    """Six products of one shop: titles "Produk N", one of them also "langka" (rare)."""
    products = [world.product_a, world.product_b]
    for n in range(4):
        products.append(
            make_product(
                session,
                seller=world.seller_a,
                title_id=f"Produk {n}" + (" langka" if n == 0 else ""),
                price_minor=10_000 * (n + 1),
                published_at=utcnow() - timedelta(hours=n),
            )
        )
    for product in products[:2]:
        product.title_id = f"Produk {product.title_id}"
    session.flush()
    RARE_ID[:] = [products[2].id]
    return products


def test_codes_and_filter_follow_every_change(session, world, catalogue):
    today = market_today()
    days = (today - timedelta(days=400), today, today + timedelta(days=1), today + timedelta(days=400))
    codes = ("halal", "handmade", "nothing")
    p = catalogue
    assert_codes_follow(session, p)
    assert all(stored_codes(session, product.id) == "" for product in p)

    valid = make_product_label(session, product=p[0], label_type=world.halal, valid_until=today)
    expired = make_product_label(
        session, product=p[1], label_type=world.halal, valid_until=today - timedelta(days=1)
    )
    endless = make_product_label(session, product=p[2], label_type=world.handmade, valid_until=None)
    make_product_label(session, product=p[2], label_type=world.halal, valid_until=today + timedelta(days=9))
    requested = make_product_label(
        session, product=p[3], label_type=world.halal, status=LabelStatus.REQUESTED, valid_until=None,
        evidence_key="private/label-evidence/halal.pdf",
    )  # fmt: skip
    make_product_label(session, product=p[4], label_type=world.halal, status=LabelStatus.REJECTED)
    assert_codes_follow(session, p)
    assert stored_codes(session, p[2].id) == (
        f" halal :{today + timedelta(days=9):%Y%m%d} handmade :{upkeep.NO_END} "
    )
    assert_filter_answers_as_the_labels(session, codes, days)

    # Verified by a curator (decide_label's conditional UPDATE), and another one rejected.
    assert review.decide_label(
        session, label=requested, approve=True, curator=world.curator, note="", now=utcnow(), no_end_date=True
    )
    # A renewal beside the expired label: the later date counts.
    make_product_label(session, product=p[1], label_type=world.halal, valid_until=today + timedelta(days=30))
    assert_codes_follow(session, p)
    assert_filter_answers_as_the_labels(session, codes, days)

    # Revoked (back to rejected), re-dated into the past, moved to another product, deleted.
    session.execute(
        sa.update(ProductLabel).where(ProductLabel.id == valid.id).values(status=LabelStatus.REJECTED)
    )
    endless.valid_until = today - timedelta(days=2)
    expired.product_id = p[5].id
    session.flush()
    session.delete(session.get(ProductLabel, requested.id))
    assert_codes_follow(session, p)
    assert_filter_answers_as_the_labels(session, codes, days)

    # The type's code renamed: the rows follow, the old code finds nothing.
    world.halal.code = "halal-mui"
    assert_codes_follow(session, p)
    assert_filter_answers_as_the_labels(session, ("halal", "halal-mui", "handmade"), days)


def test_a_code_with_like_wildcards_is_only_itself(session, world, catalogue):
    world.handmade.code = "hand_made"
    make_product_label(session, product=catalogue[0], label_type=world.handmade, valid_until=None)
    make_product_label(session, product=catalogue[1], label_type=world.halal, valid_until=None)
    assert_codes_follow(session, catalogue)
    today = market_today()
    assert found_ids(session, {"label": "hand_made"}, today) == {catalogue[0].id}
    assert found_ids(session, {"label": "handxmade"}, today) == set()
    assert found_ids(session, {"label": "HALAL"}, today) == set()  # codes are lowercase, as before


def test_rebuild_and_the_migrations_copy(session, world, catalogue):
    make_product_label(session, product=catalogue[0], label_type=world.halal, valid_until=None)
    session.flush()
    session.execute(sa.update(Product).values(label_codes=""))  # rows written without the triggers
    assert upkeep.rebuild_label_codes(session.connection()) == 1
    assert_codes_follow(session, catalogue)
    assert upkeep.rebuild_label_codes(session.connection()) == 0

    spec = importlib.util.spec_from_file_location("migration_0033", MIGRATION)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    assert migration.SQLITE_STATEMENTS == upkeep.SQLITE_STATEMENTS
    assert migration.POSTGRES_STATEMENTS == upkeep.POSTGRES_STATEMENTS
    assert migration.SQLITE_DROP == upkeep.SQLITE_DROP
    assert migration.POSTGRES_DROP == upkeep.POSTGRES_DROP
    assert migration.BACKFILL == {name: upkeep.backfill_sql(name) for name in ("sqlite", "postgresql")}
