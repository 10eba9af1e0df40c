"""Search ranking: title matches first, then newest; the same pages whichever way they are found.

A text search first reads a window of the first products in the sort's order and falls back to
the full match set (GIN on PostgreSQL, FTS5 on SQLite); these tests shrink the window so both
paths (and the cut between them) run on a handful of rows and must give identical pages.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.storefront import search as services
from marketplace.storefront.search_params import SearchParams
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.factories import make_product


@pytest.fixture
def ranked(session, world):
    return built_once(session, _build_ranked, world)


def _build_ranked(session, world):
    """Nine products (newest first in creation order) with 'batik'/'merah' in titles or text."""
    now = utcnow()
    specs = [
        # (title_id, title_en, description, hits for "batik merah")
        ("Kain katun biru", "Blue cotton cloth", "Motif batik merah asli.", 0),
        ("Batik tulis merah", "Red hand-drawn batik", "Kain halus.", 2),
        ("Batik cap biru", "Blue stamped batik", "Warna merah di tepi.", 1),
        ("Selendang merah", "Red shawl", "Bermotif batik.", 1),
        ("Batik merah tua", "Dark red batik", "Kain halus.", 2),
        ("Kain katun hijau", "Green cotton cloth", "Batik merah kecil.", 0),
        ("Batik sutra merah", "Red silk batik", "Kain halus.", 2),
        ("Udeng hitam", "Black head cloth", "Tanpa motif.", None),  # no match at all
        ("Batik hijau", "Green batik", "Hiasan merah.", 1),
    ]
    made = []
    for i, (title_id, title_en, description, hits) in enumerate(specs):
        product = make_product(
            session,
            seller=world.seller,
            cluster=world.cluster,
            title_id=title_id,
            title_en=title_en,
            description_id=description,
            description_en=description,
            published_at=now - timedelta(hours=i),
            price_minor=10_000 * ((i * 7) % 9 + 1) if i != 4 else 20_000,  # one tie: id decides
        )
        made.append((product.id, hits))
    session.commit()
    return made


def _pages(session, q, per_page=2, sort="relevance"):
    pages = []
    for n in range(1, 7):
        page = services.search_products(session, SearchParams(q=q, sort=sort, per_page=per_page, page=n))
        if page.page != n:
            break
        pages.append([p.id for p in page.items])
    return pages


def test_title_words_rank_first_then_newest(session, ranked):
    expected = [pid for pid, hits in sorted((r for r in ranked if r[1] is not None), key=lambda r: -r[1])]
    flat = [pid for page in _pages(session, "batik merah") for pid in page]
    assert [dict(ranked)[pid] for pid in flat] == [2, 2, 2, 1, 1, 1, 0, 0]
    assert flat == expected


#: Windows from one row to more than the match set: the cut between window and full match moves.
WINDOWS = (1, 2, 3, 5, 8, 1000)


@pytest.mark.parametrize(("q", "sort"), [("batik merah", "relevance"), ("batik", "relevance"),
                                         ("merah", "newest"), ("bat", "relevance"),
                                         ("batik", "price_asc"), ("merah", "price_desc"),
                                         ("batik", "rating"),
                                         # Words mostly outside titles: PostgreSQL's title index path
                                         ("merah", "relevance"), ("kain halus", "relevance"),
                                         ("halus", "relevance"), ("motif", "relevance"),
                                         # No title holds both: the top tier is empty
                                         ("merah halus", "relevance")])  # fmt: skip
def test_window_and_full_match_give_the_same_pages(session, ranked, monkeypatch, q, sort):
    # The windows are looped here, not parametrized: the nine products are made once for all six.
    reference = _pages(session, q, sort=sort)
    for window in WINDOWS:
        with monkeypatch.context() as patch:
            patch.setattr(services, "SEARCH_WINDOW", window)
            assert _pages(session, q, sort=sort) == reference, window
            patch.setattr(services, "SQLITE_TITLED_MIN_MATCHES", 0)  # SQLite's title table too
            assert _pages(session, q, sort=sort) == reference, window
            patch.setattr(services, "TITLED_CAP", 1)  # too many titled matches: the full match set
            assert _pages(session, q, sort=sort) == reference, window
            first = services.search_products(session, SearchParams(q=q, sort=sort, per_page=2))
            assert first.total_capped or first.total == sum(len(page) for page in reference), window


def test_small_window_caps_the_count_honestly(session, ranked, monkeypatch):
    monkeypatch.setattr(services, "SEARCH_WINDOW", 3)
    page = services.search_products(session, SearchParams(q="batik", sort="newest", per_page=1))
    # Three newest products all match: the page comes from the window, the count is "more than".
    assert page.total_capped and page.total == 3 and len(page.items) == 1
    past = services.search_products(session, SearchParams(q="batik", sort="newest", per_page=2, page=9))
    assert (past.page, past.total, past.total_capped) == (5, 9, False)


def test_hidden_products_never_match(session, ranked, world, monkeypatch):
    monkeypatch.setattr(services, "SEARCH_WINDOW", 2)
    draft = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Batik merah draf")
    draft.status = services.ProductStatus.DRAFT
    session.commit()
    ids = [pid for page in _pages(session, "batik merah") for pid in page]
    assert draft.id not in ids and len(ids) == 8


def test_search_vector_follows_title_edits(session, ranked, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Tikar mendong")
    session.commit()
    assert [p.id for p in services.search_products(session, SearchParams(q="mendong")).items] == [product.id]
    product.title_id = "Tikar pandan"
    product.title_en = "Pandan mat"
    session.commit()
    assert services.search_products(session, SearchParams(q="mendong")).items == []
    assert [p.id for p in services.search_products(session, SearchParams(q="pandan")).items] == [product.id]
    if session.get_bind().dialect.name == "postgresql":
        weights = session.scalar(
            sa.text("SELECT search_vector::text FROM products WHERE id = :id"), {"id": product.id}
        )
        assert re.search(r"'pandan':[0-9A-D,]*A", weights), weights  # title words carry weight A


@pytest.mark.parametrize("q", ["batik merah", "batik", "merah", "kain halus", "bat", "motif", "zzzq"])
def test_a_price_range_keeps_relevance_pages(session, ranked, monkeypatch, q):
    """A price range skips SQLite's window, so every match is ranked: the pages must be the ones
    the unfiltered search gives (every product here costs at least 10,000)."""

    def pages(**extra) -> list:
        found = []
        for n in range(1, 7):
            params = SearchParams(q=q, sort="relevance", per_page=2, page=n, **extra)
            page = services.search_products(session, params)
            found.append((page.page, [p.id for p in page.items], page.total))
        return found

    reference = [(page, ids) for page, ids, _total in pages()]
    for cap in (services.TITLED_CAP, 1):
        monkeypatch.setattr(services, "TITLED_CAP", cap)
        ranged = pages(min_price=1, max_price=10**9)
        assert [(page, ids) for page, ids, _total in ranged] == reference
        assert len({total for _page, _ids, total in ranged}) == 1  # one exact count on every page


@pytest.mark.one_database  # SQLite (the first): only its window walks under a price range
@pytest.mark.parametrize(("q", "sort"), [("batik merah", "relevance"), ("merah", "newest"),
                                         ("halus", "relevance"), ("batik", "rating")])  # fmt: skip
@pytest.mark.parametrize(("low", "high"), [(1, 10**9), (30_000, 70_000), (None, 40_000), (90_000, None)])
def test_a_bounded_walk_under_a_price_range_gives_the_same_pages(
    session, ranked, monkeypatch, q, sort, low, high
):
    """SQLite's window under a price range walks at most SQLITE_PRICE_WALK products in the sort's
    order: whether the walk ends early, holds the page or falls back, the pages stay the same."""

    def pages() -> list:
        found = []
        for n in range(1, 7):
            params = SearchParams(q=q, sort=sort, per_page=2, page=n, min_price=low, max_price=high)
            page = services.search_products(session, params)
            found.append((page.page, [p.id for p in page.items]))
        return found

    if session.get_bind().dialect.name != "sqlite":  # TEST_DATABASES=postgresql: nothing to walk
        pytest.skip("only SQLite's window walks under a price range")
    reference = pages()
    for walk in (1, 3, 8, 1000):
        monkeypatch.setattr(services, "SQLITE_PRICE_WALK", walk)
        for window in (1, 3, 1000):
            monkeypatch.setattr(services, "SEARCH_WINDOW", window)
            assert pages() == reference, (walk, window)


@pytest.mark.parametrize("sort", ["rating", "best_selling"])
def test_a_cluster_sorted_by_rating_or_sales_pages_from_its_window(session, ranked, world, monkeypatch, sort):
    """Under a cluster sorted by rating or best selling, both databases walk the cluster's own index
    (a window) before the full match: the same pages whatever the window. PostgreSQL then says "more
    than N" as its other windows do; SQLite counts as its full match does."""
    cluster = world.cluster.slug

    def pages() -> list:
        shown = []
        for n in range(1, 7):
            page = services.search_products(
                session, SearchParams(q="merah", sort=sort, cluster=cluster, per_page=2, page=n)
            )
            if page.page != n:
                break
            shown.append([p.id for p in page.items])
        return shown

    reference = pages()  # the window holds the whole cluster: exact
    assert sum(len(ids) for ids in reference) == 8
    for window in WINDOWS:
        monkeypatch.setattr(services, "SEARCH_WINDOW", window)
        assert pages() == reference, window
    monkeypatch.setattr(services, "SEARCH_WINDOW", 3)
    first = services.search_products(session, SearchParams(q="merah", sort=sort, cluster=cluster, per_page=1))
    assert [p.id for p in first.items] == reference[0][:1]
    if session.get_bind().dialect.name == "postgresql":
        assert first.total_capped and first.total < 8
    else:
        assert (first.total, first.total_capped) == (8, False)


@pytest.mark.one_database  # SQLite (the first): these paths are SQLite's
@pytest.mark.parametrize(("q", "sort", "in_cluster", "window", "pages"), [
    ("batik", "relevance", False, 2, 1),  # the first window holds one title match: a wider one
    ("batik merah", "relevance", False, 1, 1),  # no title in it holds both: the title table
    ("merah", "rating", True, 2, 5),  # a cluster sorted by rating or best selling: its window
    ("batik", "best_selling", True, 3, 5),
])  # fmt: skip
def test_sqlite_window_answers_keep_the_full_match_count(
    session, ranked, world, monkeypatch, q, sort, in_cluster, window, pages
):
    """SQLite's wider window, its every-word title lookup and its window under a cluster sorted by
    rating or best selling give the pages the full match gives, and its count (exact up to
    COUNT_CAP): where a search read an exact total, it still does."""
    if session.get_bind().dialect.name != "sqlite":  # TEST_DATABASES=postgresql
        pytest.skip("SQLite's window paths")
    cluster = world.cluster.slug if in_cluster else None

    def found() -> list:
        shown = []
        for n in range(1, pages + 1):
            params = SearchParams(q=q, sort=sort, cluster=cluster, per_page=2, page=n)
            page = services.search_products(session, params)
            shown.append((page.page, [p.id for p in page.items], page.total, page.total_capped))
        return shown

    reference = found()  # the window holds the whole catalogue: exact
    assert not any(capped for *_rest, capped in reference)
    monkeypatch.setattr(services, "SEARCH_WINDOW", window)
    monkeypatch.setattr(services, "SQLITE_TITLED_MIN_MATCHES", 0)
    assert found() == reference
