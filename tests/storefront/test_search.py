"""Search: parsing of query arguments, full-text relevance in both languages, filters, sorts, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.storefront import search, search_params
from marketplace.storefront.search_params import SearchParams, parse_search_params
from marketplace.types import utcnow
from tests.factories import make_label_type, make_product, make_product_label

# ---- parsing -------------------------------------------------------------------------------


def test_parse_defaults():
    params = parse_search_params({})
    assert params == SearchParams(sort="newest")
    assert params.ignored == ()
    assert parse_search_params({"q": "batik"}).sort == "relevance"


def test_parse_valid_values():
    params = parse_search_params(
        {
            "q": "  batik   tulis ",
            "cluster": "batik",
            "village": "pakistaji",
            "label": "halal",
            "min_price": "Rp 50.000",
            "max_price": "200000",
            "in_stock": "1",
            "sort": "price_desc",
            "page": "3",
            "per_page": "12",
        }
    )
    assert params == SearchParams(
        q="batik tulis",
        cluster="batik",
        village="pakistaji",
        label="halal",
        min_price=50_000,
        max_price=200_000,
        in_stock=True,
        sort="price_desc",
        page=3,
        per_page=12,
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ({"page": "-1"}, {"page": 1}),
        ({"page": "abc"}, {"page": 1}),
        ({"page": "0"}, {"page": 1}),
        ({"page": "1.5"}, {"page": 1}),
        ({"page": "99999999999999999999999"}, {"page": 1}),
        ({"page": "٣"}, {"page": 1}),  # an Arabic-Indic digit is not an ASCII number
        ({"per_page": "1000"}, {"per_page": search_params.DEFAULT_PER_PAGE}),
        ({"min_price": "abc"}, {"min_price": None}),
        ({"min_price": "-5"}, {"min_price": None}),
        ({"max_price": "1e9"}, {"max_price": None}),
        ({"max_price": "9" * 30}, {"max_price": None}),
        ({"sort": "anything"}, {"sort": "newest"}),
        ({"sort": "price_asc; DROP TABLE products"}, {"sort": "newest"}),
        ({"in_stock": "maybe"}, {"in_stock": False}),
        ({"cluster": "<script>"}, {"cluster": None}),
        ({"village": "' OR 1=1 --"}, {"village": None}),
        ({"label": "a b"}, {"label": None}),
        ({"price_currency": "XYZ"}, {"price_currency": None}),
        ({"price_currency": "idr; DROP"}, {"price_currency": None}),
    ],
)
def test_parse_ignores_malformed_values(args, expected):
    params = parse_search_params(args)
    for name, value in expected.items():
        assert getattr(params, name) == value
    assert params.ignored == tuple(args)


def test_parse_truncates_long_query_and_strips_control_characters():
    params = parse_search_params({"q": "batik " * 1000})
    assert len(params.q) <= search_params.MAX_QUERY_LENGTH
    assert params.ignored == ("q",)
    assert parse_search_params({"q": "ba\x00tik"}).q == "ba tik"


def test_parse_swaps_reversed_price_range():
    params = parse_search_params({"min_price": "90000", "max_price": "10000"})
    assert (params.min_price, params.max_price) == (10_000, 90_000)


def test_tokens_contain_no_query_syntax():
    assert parse_search_params({"q": "' OR 1=1 --"}).tokens == ("or", "1", "1")
    assert parse_search_params({"q": '"batik"* NEAR(x) kopi:* & !'}).tokens == ("batik", "near", "x", "kopi")
    assert parse_search_params({"q": "tas_rotan"}).tokens == ("tas", "rotan")


def test_to_args_round_trips():
    params = parse_search_params({"q": "kopi", "cluster": "agro", "in_stock": "on", "page": "2"})
    assert parse_search_params(params.to_args()) == params
    assert params.to_args(page=1) == {"q": "kopi", "cluster": "agro", "in_stock": "1"}
    # A price range keeps its currency (tests/storefront/test_search_price_currency.py).
    priced = parse_search_params({"q": "kopi", "price_currency": "EUR", "max_price": "20,50", "page": "2"})
    assert parse_search_params(priced.to_args()) == priced
    assert priced.to_args(page=1) == {"q": "kopi", "price_currency": "EUR", "max_price": "20.50"}


def test_drop_unknown_filters():
    params = parse_search_params({"cluster": "batik", "village": "atlantis", "label": "halal"})
    dropped = search_params.drop_unknown_filters(
        params, cluster_slugs=["batik"], village_slugs=["pakistaji"], label_codes=["halal"]
    )
    assert (dropped.cluster, dropped.village, dropped.label) == ("batik", None, "halal")
    assert dropped.ignored == ("village",)
    # A label code typed in another case is that label (links written by hand: `label=HALAL`).
    upper = search_params.drop_unknown_filters(
        parse_search_params({"label": "HALAL"}), label_codes=["halal", "sni"]
    )
    assert (upper.label, upper.ignored) == ("halal", ())
    unknown = search_params.drop_unknown_filters(
        parse_search_params({"label": "HALAL"}), label_codes=["pirt"]
    )
    assert (unknown.label, unknown.ignored) == (None, ("label",))


# ---- full text -----------------------------------------------------------------------------


def _search(session, **args) -> list[int]:
    return [p.id for p in search.search_products(session, parse_search_params(args)).items]


def test_title_match_ranks_above_description_match(session, world):
    now = utcnow()
    in_title = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        title_id="Batik Gajah Oling",
        title_en="Gajah Oling batik",
        description_id="Kain katun.",
        description_en="Cotton cloth.",
        published_at=now - timedelta(days=30),
    )
    in_description = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        title_id="Kain katun",
        title_en="Cotton cloth",
        description_id="Motif gajah oling yang terkenal, gajah oling asli.",
        description_en="The famous gajah oling motif.",
        published_at=now,
    )
    session.commit()
    assert _search(session, q="gajah") == [in_title.id, in_description.id]
    assert _search(session, q="gajah oling") == [in_title.id, in_description.id]
    # Newest first when asked, whatever the relevance.
    assert _search(session, q="gajah", sort="newest") == [in_description.id, in_title.id]


def test_indonesian_and_english_words_find_the_product(session, world):
    coffee = make_product(
        session,
        seller=world.other_seller,
        cluster=world.other_cluster,
        title_id="Kopi robusta bubuk",
        title_en="Ground robusta coffee",
        description_id="Dari kebun di lereng Ijen.",
        description_en="From gardens on the slopes of Ijen.",
    )
    make_product(
        session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis", title_en="Batik"
    )
    session.commit()
    for q in (
        "kopi",
        "coffee",
        "Kopi Robusta",
        "ground coffee",
        "kebun",
        "slopes",
        "Tambong",
        "Farm produce",
    ):
        assert _search(session, q=q) == [coffee.id], q
    assert _search(session, q="kop") == [coffee.id]  # words of 3+ letters match as prefixes
    assert _search(session, q="ko") == []  # shorter ones only as whole words
    assert _search(session, q="kopi batik") == []  # every word must match


def test_queries_with_syntax_are_harmless(session, world):
    product = make_product(session, seller=world.seller, cluster=world.cluster, title_id="Batik tulis")
    session.commit()
    assert _search(session, q="' OR 1=1 --") == []
    assert _search(session, q="<script>alert(1)</script>") == []
    assert _search(session, q='"batik') == [product.id]
    assert _search(session, q="batik*") == [product.id]
    assert _search(session, q="batik OR NOT x") == []
    # Nothing searchable at all: the words are dropped, every product is listed.
    assert _search(session, q="!!! ---") == [product.id]


# ---- filters, sorts, pages ------------------------------------------------------------------


def test_filters(session, world):
    cheap = make_product(session, seller=world.seller, cluster=world.cluster, price_minor=20_000, stock=0)
    mid = make_product(session, seller=world.seller, cluster=world.cluster, price_minor=75_000)
    dear = make_product(session, seller=world.other_seller, cluster=world.other_cluster, price_minor=300_000)
    halal = make_label_type(session, code="halal")
    make_product_label(session, product=dear, label_type=halal)
    session.commit()

    assert set(_search(session, cluster="batik")) == {cheap.id, mid.id}
    assert _search(session, cluster="agro") == [dear.id]
    assert set(_search(session, village="pakistaji")) == {cheap.id, mid.id}
    assert _search(session, village="tambong") == [dear.id]
    assert _search(session, village=world.kecamatan.slug) == []
    assert _search(session, seller="tani-tambong") == [dear.id]
    assert _search(session, label="halal") == [dear.id]
    assert set(_search(session, min_price="75000")) == {mid.id, dear.id}
    assert set(_search(session, max_price="75.000")) == {cheap.id, mid.id}
    assert _search(session, min_price="50000", max_price="100000") == [mid.id]
    assert set(_search(session, in_stock="1")) == {mid.id, dear.id}
    assert _search(session, cluster="batik", in_stock="1", max_price="100000") == [mid.id]
    assert _search(session, cluster="no-such-cluster") == []


def test_sorts(session, world):
    now = utcnow()
    a = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        price_minor=30_000,
        published_at=now - timedelta(days=1),
    )
    b = make_product(
        session,
        seller=world.seller,
        cluster=world.cluster,
        price_minor=10_000,
        published_at=now - timedelta(days=2),
    )
    c = make_product(
        session, seller=world.seller, cluster=world.cluster, price_minor=20_000, published_at=now
    )
    session.commit()
    assert _search(session) == [c.id, a.id, b.id]
    assert _search(session, sort="newest") == [c.id, a.id, b.id]
    assert _search(session, sort="price_asc") == [b.id, c.id, a.id]
    assert _search(session, sort="price_desc") == [a.id, c.id, b.id]
    # Relevance without words falls back to newest.
    assert _search(session, sort="relevance") == [c.id, a.id, b.id]


def test_pagination(session, world):
    now = utcnow()
    ids = [
        make_product(
            session, seller=world.seller, cluster=world.cluster, published_at=now - timedelta(minutes=i)
        ).id
        for i in range(5)
    ]
    session.commit()
    pages = [search.search_products(session, SearchParams(per_page=2, page=n)) for n in (1, 2, 3)]
    assert [[p.id for p in page.items] for page in pages] == [ids[0:2], ids[2:4], ids[4:5]]
    assert [(p.total, p.pages, p.has_prev, p.has_next) for p in pages] == [
        (5, 3, False, True),
        (5, 3, True, True),
        (5, 3, True, False),
    ]
    assert (pages[2].first_index, pages[2].last_index) == (5, 5)
    # Past the end: the last page.
    beyond = search.search_products(session, SearchParams(per_page=2, page=99))
    assert beyond.page == 3 and [p.id for p in beyond.items] == ids[4:5]


def test_count_is_capped(session, world):
    for _ in range(4):
        make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    page = search.search_products(session, SearchParams(per_page=2), count_cap=3)
    assert (page.total, page.total_capped, page.pages, len(page.items)) == (3, True, 2, 2)
    empty = search.search_products(session, SearchParams(q="zzzz"))
    assert (empty.total, empty.items, empty.pages, empty.has_next) == (0, [], 1, False)


def test_results_carry_their_relations(session, world, count_queries):
    make_product(session, seller=world.seller, cluster=world.cluster)
    session.commit()
    session.expunge_all()
    with count_queries() as counter:
        page = search.search_products(session, SearchParams(q="produk"))
        for product in page.items:
            _ = (product.seller.village.name, product.cluster.slug, product.images)
    # count and page ids (one statement on PostgreSQL), products with seller/village/cluster, images
    assert counter.count <= 4


def test_count_is_exact_or_capped_and_pages_clamp_with_words(session, world):
    for i in range(5):
        make_product(session, seller=world.seller, cluster=world.cluster, title_id=f"Batik {i}")
    session.commit()
    page = search.search_products(session, SearchParams(q="batik", sort="relevance", per_page=2, page=7))
    assert page.page == 3 and len(page.items) == 1
    assert page.total == 5 or (page.total_capped and page.total == search.COUNT_CAP)
