"""The home page's featured and newest cards and the listings' and searches' pages of cards are kept
per process (cache.kept) while what they show holds: a second request reads no card, count or id
statement, and every kind of change (price, stock crossing zero, publishing, hiding, a placement, a
featured window, a rate, another process's bump) shows on the next request."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.cache import CATALOGUE, CacheGeneration
from marketplace.cache.store import card_counter, facet_counter
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.markets.services import set_rate
from marketplace.money import Money
from marketplace.types import utcnow
from tests.factories import (
    make_cluster,
    make_featured,
    make_handicraft_shop,
    make_product,
    make_seller,
    make_user,
    make_village,
)
from tests.login import logged_in_as


@pytest.fixture
def app_overrides() -> dict:
    # Kept by the page cache's counters, which are bumped on commit when it is on.
    return {"PAGE_CACHE_ENABLED": True}


@pytest.fixture
def shop(session):
    return make_handicraft_shop(session)


@pytest.fixture
def client(app, session):
    # Logged in: never served from the page cache, so every request renders.
    buyer = make_user(session)
    session.commit()
    return logged_in_as(app.test_client(), buyer, lang="en")


def _rupiah(minor: int) -> str:
    return Money(minor, "IDR").format("en")


def _html(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/", "/clusters/kerajinan", "/villages/tambong", "/search?q=kendi"])
def test_a_second_request_reads_no_products_and_a_price_shows_next(
    session, shop, client, count_queries, path
):
    seller, cluster = shop
    product = make_product(session, seller=seller, cluster=cluster, title_en="Clay kendi", price_minor=41_000)
    make_product(session, seller=seller, cluster=cluster, title_en="Other kendi", price_minor=52_000)
    session.commit()
    with count_queries() as first:
        assert _rupiah(41_000) in _html(client, path)
    with count_queries() as second:
        assert _rupiah(41_000) in _html(client, path)
    assert first.product_reads >= 1
    assert second.product_reads == 0, second.statements

    product.price_minor = 43_000
    session.commit()
    with count_queries() as changed:
        html = _html(client, path)
    assert _rupiah(43_000) in html and _rupiah(41_000) not in html
    assert changed.product_reads >= 1
    # An unrelated product's change moves the sequence: one counter read, no products read.
    other = make_product(session, seller=seller, cluster=cluster, status=ProductStatus.DRAFT)
    session.commit()
    _html(client, path)  # a new product is a structural change: read again once
    other.price_minor = 10_000
    session.commit()
    with count_queries() as after_other:
        assert _rupiah(43_000) in _html(client, path)
    assert after_other.product_reads == 0, after_other.statements


@pytest.mark.parametrize("path", ["/", "/clusters/kerajinan", "/search?q=kendi"])
def test_stock_running_out_publishing_and_hiding_show_next(session, shop, client, path):
    seller, cluster = shop
    product = make_product(session, seller=seller, cluster=cluster, title_en="Clay kendi", stock=2)
    session.commit()
    assert "Out of stock" not in _html(client, path)
    product.stock = 0
    session.commit()
    assert "Out of stock" in _html(client, path)

    draft = make_product(
        session, seller=seller, cluster=cluster, title_en="Glazed kendi", status=ProductStatus.DRAFT
    )
    session.commit()
    assert "Glazed kendi" not in _html(client, path)
    draft.status = ProductStatus.ACTIVE
    draft.published_at = utcnow()
    session.commit()
    assert "Glazed kendi" in _html(client, path)
    draft.status = ProductStatus.ARCHIVED
    session.commit()
    assert "Glazed kendi" not in _html(client, path)


def test_the_in_stock_filter_follows_stock_of_a_product_it_does_not_show(session, shop, client):
    seller, cluster = shop
    product = make_product(session, seller=seller, cluster=cluster, title_en="Clay kendi", stock=0)
    session.commit()
    path = "/search?q=kendi&in_stock=1"
    assert "Clay kendi" not in _html(client, path)
    product.stock = 3
    session.commit()
    assert "Clay kendi" in _html(client, path)


def test_a_placement_and_a_featured_window_show_next(session, shop, client):
    seller, cluster = shop
    product = make_product(session, seller=seller, cluster=cluster, title_en="Clay kendi")
    session.commit()
    assert "Pick of the day" not in _html(client, "/")
    make_featured(session, product=product, headline_en="Pick of the day")
    session.commit()
    assert "Pick of the day" in _html(client, "/")

    # A window opening is a change without a write: the kept cards hold until it opens.
    later = make_product(session, seller=seller, cluster=cluster, title_en="Glazed kendi")
    make_featured(
        session,
        product=later,
        headline_en="Opening soon",
        starts_at=utcnow() + timedelta(seconds=1.5),
        ends_at=utcnow() + timedelta(days=1),
    )
    session.commit()
    assert "Opening soon" not in _html(client, "/")
    assert "Opening soon" not in _html(client, "/")
    time.sleep(1.6)
    assert "Opening soon" in _html(client, "/")


def test_a_new_rate_shows_next(session, shop, client):
    seller, cluster = shop
    make_product(session, seller=seller, cluster=cluster, price_minor=125_000)
    set_rate(session, currency="EUR", rate=Decimal("17300"), effective_date=utcnow().date())
    session.commit()
    client.set_cookie("currency", "EUR")
    assert Money(723, "EUR").format("en") in _html(client, "/clusters/kerajinan")
    set_rate(session, currency="EUR", rate=Decimal("17000"), effective_date=utcnow().date())
    session.commit()
    assert Money(735, "EUR").format("en") in _html(client, "/clusters/kerajinan")


def test_another_process_change_shows_once_it_bumps(app, session, shop, client):
    seller, cluster = shop
    product = make_product(session, seller=seller, cluster=cluster, price_minor=41_000)
    session.commit()
    path = "/clusters/kerajinan"
    assert _rupiah(41_000) in _html(client, path)
    # Another process: its write is not seen by this one's session events, only its bump is.
    with session.get_bind().begin() as other:
        other.execute(sa.update(Product).where(Product.id == product.id).values(price_minor=44_000))
    app.extensions["page_cache"].backend.bump_products([card_counter(product.id), facet_counter("price")])
    assert _rupiah(44_000) in _html(client, path)
    with session.get_bind().begin() as other:
        other.execute(sa.update(Product).where(Product.id == product.id).values(title_en="Renamed kendi"))
        other.execute(
            sa.update(CacheGeneration)
            .where(CacheGeneration.name == CATALOGUE)
            .values(value=CacheGeneration.value + 1)
        )
    assert "Renamed kendi" in _html(client, path)


def test_the_choices_are_kept_and_a_new_or_renamed_cluster_shows_next(session, shop, client, count_queries):
    seller, cluster = shop
    make_product(session, seller=seller, cluster=cluster)
    session.commit()
    _html(client, "/search?q=kendi")
    _html(client, "/clusters/kerajinan")
    with count_queries() as second:
        _html(client, "/search?q=kendi")
        _html(client, "/clusters/kerajinan")
    assert not [s for s in second.statements if "from clusters" in s.lower()], second.statements

    assert client.get("/clusters/tenun").status_code == 404
    tenun = make_cluster(session, slug="tenun", name_id="Tenun", name_en="Weaving")
    session.commit()
    assert "Weaving" in _html(client, "/clusters/tenun")
    # The search form offers a cluster once it has a product to show.
    assert 'value="tenun"' not in _html(client, "/search?q=kendi")
    make_product(session, seller=seller, cluster=tenun)
    session.commit()
    assert 'value="tenun"' in _html(client, "/search?q=kendi")
    cluster.name_en = "Clay and craft"
    session.commit()
    assert "Clay and craft" in _html(client, "/clusters/kerajinan")


def test_the_home_lists_are_kept_per_language_and_mount_point_and_follow_a_rename(session, shop, client):
    seller, cluster = shop
    make_product(session, seller=seller, cluster=cluster)
    session.commit()
    english = _html(client, "/?lang=en")
    assert ">Handicraft</a>" in english and ">Kerajinan</a>" not in english
    indonesian = _html(client, "/?lang=id")
    assert ">Kerajinan</a>" in indonesian and ">Handicraft</a>" not in indonesian
    assert 'href="/clusters/kerajinan"' in _html(client, "/?lang=en")
    mounted = client.get("/?lang=en", environ_overrides={"SCRIPT_NAME": "/pasar"}).get_data(as_text=True)
    assert 'href="/pasar/clusters/kerajinan"' in mounted and 'href="/pasar/villages/tambong"' in mounted
    cluster.name_en = "Clay and craft"
    session.commit()
    assert ">Clay and craft</a>" in _html(client, "/?lang=en")


def test_a_desa_heading_and_shops_are_kept_and_follow_a_new_shop(session, shop, client, count_queries):
    seller, cluster = shop
    make_product(session, seller=seller, cluster=cluster)
    session.commit()
    assert client.get("/villages/kalibaru").status_code == 404
    _html(client, "/villages/tambong")
    with count_queries() as second:
        _html(client, "/villages/tambong")
    assert not [s for s in second.statements if "from regions" in s.lower() or "from sellers" in s.lower()]
    make_seller(session, user_id=make_user(session).id, village=seller.village, name="Gerabah Baru")
    session.commit()
    assert "Gerabah Baru" in _html(client, "/villages/tambong")
    make_village(session, name="Kalibaru", slug="kalibaru")
    session.commit()
    assert "Kalibaru" in _html(client, "/villages/kalibaru")
