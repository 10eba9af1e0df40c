"""Public product search: filters, ranking and paging over the full-text index.

Longer than 600 lines because the two databases' search paths (the window, the titled matches,
PostgreSQL's match page, SQLite's bounded walks) share the filters, orders and limits defined
here, and the tests tune those limits on this one module: split, each would import the others'.

Every function takes the SQLAlchemy session first and never touches Flask request globals, so the
HTML views, the JSON API (`/api/v1`), CLI commands and tests call the same code.

    search_products(session, params, *, today=None, count_cap=COUNT_CAP) -> ProductPage

Query budget: a fixed number of SQL statements whatever the catalogue's size; counts are capped.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.cache import PRICE, RATING, SALES, STOCK
from marketplace.catalogue.models import (
    Cluster,
    Product,
    ProductStatus,
    Region,
    RegionKind,
    has_offered_stock_expression,
)
from marketplace.catalogue.queries import newest_order
from marketplace.labels.visibility import has_listed_label_filter, has_visible_label_filter
from marketplace.seller.models import Seller
from marketplace.seller.visibility import approved_seller_ids
from marketplace.storefront.cards import load_cards
from marketplace.storefront.listings import CARD_OPTIONS
from marketplace.storefront.search_index import POSTGRES_TITLE_VECTOR
from marketplace.storefront.search_params import SearchParams, fold_accents
from marketplace.storefront.search_statements import (
    LABEL_DAY,
    LABEL_TOKEN,
    TODAY,
    Filters,
    bind_filters,
    built,
)
from marketplace.timezones import market_today

#: Listings without words stop counting here: "more than 1,000 products" is as useful as the exact
#: figure and far cheaper. (A search with words counts its matches exactly, in the same statement.)
COUNT_CAP = 1_000
#: Shorter words match whole words only: a one- or two-letter prefix expands to most of the index.
MIN_PREFIX_LENGTH = 3


def listing_facets(params: SearchParams) -> list[str]:
    """What, besides the structure of the catalogue, decides which products a listing shows and in
    which order: the page cache keeps the page (and `cache.kept` its rows) until one of these
    changes on any product."""
    facets = []
    if params.in_stock:
        facets.append(STOCK)
    if params.has_price_range or params.sort in ("price_asc", "price_desc"):
        facets.append(PRICE)
    if params.sort == "rating":
        facets.append(RATING)
    if params.sort == "best_selling":
        facets.append(SALES)
    return facets


@dataclass(frozen=True)
class ProductPage:
    """One page of products. `total` stops at COUNT_CAP (`total_capped` then True)."""

    items: list[Product]
    total: int
    page: int
    per_page: int
    total_capped: bool = False

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def first_index(self) -> int:
        """1-based position of the first item on this page (0 when empty)."""
        return (self.page - 1) * self.per_page + 1 if self.items else 0

    @property
    def last_index(self) -> int:
        return (self.page - 1) * self.per_page + len(self.items)


_FTS = sa.table("products_fts", sa.column("rowid", sa.Integer))
_FTS_REF = sa.literal_column("products_fts")
#: The titles' trigram index (search_index.SQLITE_TITLE_STATEMENTS).
_TITLE_FTS = sa.table("products_title_fts", sa.column("rowid", sa.Integer))
_TITLE_FTS_REF = sa.literal_column("products_title_fts")
_SIMPLE = sa.literal_column("'simple'::regconfig")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _is_prefix(token: str) -> bool:
    return len(token) >= MIN_PREFIX_LENGTH


def _fts5_query(tokens: Sequence[str]) -> str:
    # Each token quoted (so FTS5 reads no operators) and prefix-matched; spaces mean AND.
    return " ".join(f'"{token}"*' if _is_prefix(token) else f'"{token}"' for token in tokens)


def _tsquery_term(token: str, weight: str) -> str:
    return f"{token}:*{weight}" if _is_prefix(token) else f"{token}:{weight}" if weight else token


def _tsquery(tokens: Sequence[str], weight: str = "") -> str:
    # Tokens are letters and digits only, so they cannot form tsquery operators. The 'simple'
    # configuration keeps accents: a word typed with them also matches its plain spelling ("bátik"
    # finds "Batik", as SQLite's index, which drops accents, finds it), and itself ("café").
    terms = []
    for token in tokens:
        plain = fold_accents(token)
        term = _tsquery_term(token, weight)
        terms.append(term if plain == token else f"({term} | {_tsquery_term(plain, weight)})")
    return " & ".join(terms)


#: The stored, GIN-indexed tsvector (titles weighted A) that search_index.py adds on PostgreSQL.
#: Not in the model, so the model stays portable; queries name it as a column of `products`.
_PG_VECTOR = sa.literal_column("products.search_vector")


def _pg_title_hits(words: int, vector=_PG_VECTOR) -> sa.ColumnElement[int]:
    """How many of the words appear in a title: weight A in the stored vector (no text re-parsed).
    Word i is the bind parameter `hit{i}` (`_hit_values`)."""
    terms = [
        sa.case(
            (vector.op("@@")(sa.func.to_tsquery(_SIMPLE, sa.bindparam(f"hit{i}", type_=sa.String))), 1),
            else_=0,
        )
        for i in range(words)
    ]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


_PG_TITLE_VECTOR = sa.literal_column(POSTGRES_TITLE_VECTOR)


def _hit_values(tokens: Sequence[str], dialect: str) -> dict[str, str]:
    """The values of the title-hit parameters: word i's `word:A` tsquery (PostgreSQL) or the word
    itself (its LIKE test, `_title_hits`)."""
    if dialect == "postgresql":
        return {f"hit{i}": _tsquery([token], weight="A") for i, token in enumerate(tokens)}
    return {f"hit{i}": token for i, token in enumerate(tokens)}


def _text_values(tokens: Sequence[str], dialect: str) -> dict[str, str]:
    """`match`: the index query of every word; plus the title-hit parameters."""
    match = _tsquery(tokens) if dialect == "postgresql" else _fts5_query(tokens)
    return {"match": match, **_hit_values(tokens, dialect)}


_MATCH = sa.bindparam("match", type_=sa.String)


#: At most this many matches with a word in a title are ranked by `_pg_titled_matches`.
TITLED_CAP = 5_000


def _pg_titled_matches(
    session: Session,
    params: SearchParams,
    tokens: Sequence[str],
    today: date,
    need: int,
    *,
    every_word: bool = False,
) -> tuple[list[int], int] | None:
    """(the first `need` ids, how many in all) of the public matches with a word (`every_word`:
    every word) in a title, in relevance order (more title words, then newest); None past
    TITLED_CAP. The title index finds them, so a word most descriptions hold but no title costs
    nothing."""
    joiner = " & " if every_word else " | "
    filters, values = bind_filters(params, today)

    def build() -> sa.Select:
        in_title = sa.func.to_tsquery(_SIMPLE, sa.bindparam("in_title", type_=sa.String))
        titled = (
            _apply_filters(
                sa.select(Product.id, Product.published_at, _pg_title_hits(len(tokens)).label("hits")),
                filters,
                dialect="postgresql",
            )
            .where(
                _PG_TITLE_VECTOR.op("@@")(in_title),
                _PG_VECTOR.op("@@")(sa.func.to_tsquery(_SIMPLE, _MATCH)),
            )
            .limit(sa.bindparam("cap", type_=sa.Integer))
            .subquery("titled")
        )
        return (
            sa.select(titled.c.id, sa.func.count().over().label("total"))
            .order_by(titled.c.hits.desc(), *newest_order(titled.c))
            .limit(sa.bindparam("need", type_=sa.Integer))
        )

    stmt = built(("pg_titled", len(tokens), filters.key), build)
    values.update(
        _text_values(tokens, "postgresql"),
        in_title=joiner.join(_tsquery([token]) for token in tokens),
        cap=TITLED_CAP + 1,
        need=need,
    )
    rows = session.execute(stmt, values).all()
    total = rows[0].total if rows else 0
    if total > TITLED_CAP:
        return None
    return [row.id for row in rows], total


def _sqlite_titled_matches(
    session: Session,
    params: SearchParams,
    tokens: Sequence[str],
    today: date,
    need: int,
    *,
    every_word: bool = False,
) -> tuple[list[int], int] | None:
    """SQLite's `_pg_titled_matches`: (the first `need` ids, how many in all) of the public
    matches with a word (`every_word`: every word) in a title, in relevance order; None past
    SQLITE_TITLED_CAP or when a word is shorter than the trigrams. The title table
    (`products_title_fts`, trigrams) gives the candidates - a superset of the titles `_title_hits`
    finds with LIKE - and LIKE then counts each one's title words exactly, so the tiers are the
    ones the full ranking gives."""
    if not all(len(token) >= 3 for token in tokens):
        return None
    filters, values = bind_filters(params, today)

    def build() -> sa.Select:
        any_title = sa.bindparam("any_title", type_=sa.String)
        candidates = (
            _apply_filters(
                sa.select(Product.id, Product.published_at, _title_hits(len(tokens)).label("hits")), filters
            )
            .where(
                Product.id.in_(sa.select(_TITLE_FTS.c.rowid).where(_TITLE_FTS_REF.op("MATCH")(any_title))),
                Product.id.in_(sa.select(_FTS.c.rowid).where(_FTS_REF.op("MATCH")(_MATCH))),
            )
            .limit(sa.bindparam("cap", type_=sa.Integer))
            .subquery("titled")
        )
        return sa.select(candidates.c.id, candidates.c.hits).order_by(
            candidates.c.hits.desc(), *newest_order(candidates.c)
        )

    stmt = built(("sqlite_titled", len(tokens), filters.key), build)
    values.update(
        _text_values(tokens, "sqlite"),
        any_title=(" AND " if every_word else " OR ").join(f'"{token}"' for token in tokens),
        cap=min(TITLED_CAP, SQLITE_TITLED_CAP) + 1,
    )
    rows = session.execute(stmt, values).all()
    if len(rows) > min(TITLED_CAP, SQLITE_TITLED_CAP):
        return None
    # The trigram candidates are a superset (a word inside another, the words in either title):
    # LIKE's count of title words decides.
    least = len(tokens) if every_word else 1
    titled = [row.id for row in rows if row.hits >= least]
    return titled[:need], len(titled)


def _title_hits(words: int, cols=Product) -> sa.ColumnElement[int]:
    """How many of the words appear in either title: a title match outranks a description match.
    Word i is the bind parameter `hit{i}` (`_hit_values`); words are letters and digits only
    (`SearchParams.tokens`), so nothing in them needs escaping for LIKE."""
    terms = []
    for i in range(words):
        word = sa.bindparam(f"hit{i}", type_=sa.String)
        terms.append(
            sa.case((sa.or_(cols.title_id.icontains(word), cols.title_en.icontains(word)), 1), else_=0)
        )
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _apply_filters(
    stmt: sa.Select, params: Filters, today=TODAY, cols=Product, *, dialect: str = "sqlite"
) -> sa.Select:
    """Public products narrowed by the filters (`bind_filters`: bind parameters, their values given at
    execution). `cols` is `Product` or a CTE's `.c` with the same column names (id, seller_id,
    cluster_id, status, price_minor, stock). A label on PostgreSQL is asked of the product's own
    `label_codes` (its GIN index finds a rare label's products, a common one is a row test);
    SQLite asks the labels (its plans for that were fast already: a probe per row read)."""
    stmt = stmt.where(cols.status == ProductStatus.ACTIVE, cols.seller_id.in_(approved_seller_ids()))
    if params.cluster is not None:
        cluster_id = sa.select(Cluster.id).where(Cluster.slug == params.cluster).scalar_subquery()
        stmt = stmt.where(cols.cluster_id == cluster_id)
    if params.village is not None:
        village_id = (
            sa.select(Region.id)
            .where(Region.slug == params.village, Region.kind == RegionKind.DESA)
            .scalar_subquery()
        )
        # The seller's desa, stored on the product (kept by search_index): an index narrows by it.
        stmt = stmt.where(cols.village_id == village_id)
    if params.seller is not None:
        seller_id = sa.select(Seller.id).where(Seller.slug == params.seller).scalar_subquery()
        stmt = stmt.where(cols.seller_id == seller_id)
    if params.label is not None:
        if dialect == "postgresql" and cols is Product:
            stmt = stmt.where(has_listed_label_filter(params.label, LABEL_TOKEN, LABEL_DAY))
        else:
            stmt = stmt.where(has_visible_label_filter(params.label, today, cols.id))
    if params.min_price is not None:
        stmt = stmt.where(cols.price_minor >= params.min_price)
    if params.max_price is not None:
        stmt = stmt.where(cols.price_minor <= params.max_price)
    if params.in_stock:
        # What can be ordered, as the cards say (stock held only by variants missing an option's
        # value is not): `products.stock > 0` and, for a product with options, two index probes.
        stmt = stmt.where(has_offered_stock_expression(cols.id, cols.stock))
    return stmt


def _order(sort: str, words: int, rank: Sequence = (), cols=Product) -> list:
    if sort == "relevance":
        return [_title_hits(words, cols).desc(), *rank, *newest_order(cols)]
    if sort == "price_asc":
        return [cols.price_minor.asc(), cols.id.asc()]
    if sort == "price_desc":
        return [cols.price_minor.desc(), cols.id.desc()]
    if sort == "rating":
        # Best average first (`Product.rating_average`, stored), then the better known; products
        # without reviews last, newest first among them. An index holds the order.
        return [cols.rating_average.desc(), cols.rating_count.desc(), *newest_order(cols)]
    if sort == "best_selling":
        return [cols.units_sold.desc(), *newest_order(cols)]
    return list(newest_order(cols))


#: A text search first looks at this many public products (after the filters, in the sort's order):
#: when they hold the whole page, nothing else is read (`_window_page`). Costs a few milliseconds.
SEARCH_WINDOW = 1_000

#: Under a price range, SQLite's window walks at most this many products in the sort's order
#: (all other filters applied) and keeps those in the range (`_window_page`): bounded however the
#: range falls; a range holding a third of the catalogue still fills the window.
SQLITE_PRICE_WALK = 3 * SEARCH_WINDOW

#: SQLite asks the title table only when the window held at least this many matches: the words
#: are common, so ranking every match costs more (90-135 ms for tens of thousands) than the title
#: lookup (10-20 ms); for a few hundred matches it is the other way round (13 vs 47 ms).
SQLITE_TITLED_MIN_MATCHES = 50
#: SQLite's TITLED_CAP: past it the candidates read are wasted (the caller ranks every match), and
#: reading them costs more than on PostgreSQL. A balance: "klasik sekitar" page 3 (past the cap)
#: takes 41 ms ranked, 79 with a cap of 5,000, 61 with this; "mat colour" page 3 (under it) 88 ms
#: ranked, 37 with this, 95 with a cap of 1,000.
SQLITE_TITLED_CAP = 2_500
#: When SQLite's window held some of the page's best tier but not all, it reads one wider window
#: (and walk), sized by the share it held to hold one and a half pages' worth, if at most this many
#: times the first (`_window_page`).
SQLITE_WIDEN_MAX = 4

#: The columns a PostgreSQL text search sorts and filters on, copied out of the index matches.
_PG_MATCH_COLUMNS = (
    "id", "seller_id", "cluster_id", "status", "price_minor", "stock", "published_at",
    "rating_count", "rating_average", "units_sold",
)  # fmt: skip
#: The columns the sorts read (`_order`), carried through the window's subquery.
_SORT_COLUMNS = (
    Product.published_at,
    Product.price_minor,
    Product.rating_count,
    Product.rating_average,
    Product.units_sold,
)


def _window_page(
    session: Session,
    params: SearchParams,
    tokens,
    sort,
    today,
    count_cap: int,
    dialect: str,
    *,
    full_count: bool = False,
) -> tuple[list[int], int, bool, int] | None:
    """(page ids, total, total capped?, page) of a text search, or None when the window cannot tell.

    Relevance is: more query words in a title first, then newest (the same on both databases).
    Ranking every match costs time in proportion to the matches - a common word matches a
    quarter of the catalogue; ts_rank over its 24,000 rows took ~290 ms, bm25 ~80 ms at 100k
    products - so the first step reads a bounded window instead, and is exact:

    The window is the first SEARCH_WINDOW public products in the sort's own order (newest for
    relevance; b-trees on (status, published_at), (status, price_minor), (status, rating_average,
    rating_count, published_at, id) and (status, units_sold, published_at, id)), each tested against
    the index: on PostgreSQL the stored `search_vector` (title words carry weight A), on SQLite
    the FTS5 match set. If it holds at least page x per_page matches (for relevance: of the best
    tier, every word in a title) - or the whole filtered catalogue fits in it - the page is cut
    from it: those are exactly the first matches overall, since within a tier the order is newest
    first. The total is then "more than" the window's matches (capped). Otherwise the words are
    rare among the first products and the caller searches the whole match set.
    """
    need = params.page * params.per_page
    offset = (params.page - 1) * params.per_page
    # Relevance ranks by newest within its tiers, so its window is the newest products.
    window_sort = "newest" if sort == "relevance" else sort
    # SQLite given a price range walks the range on its price index and sorts it, rather than walk
    # the sort's index testing prices (a wide range: 134 ms vs 14 at 100k; a narrow one the other
    # way round); so its window walks a bounded stretch of the sort's index (SQLITE_PRICE_WALK).
    walk = (
        dialect == "sqlite"
        and (params.min_price is not None or params.max_price is not None)
        and window_sort not in ("price_asc", "price_desc")
    )
    filters, values = bind_filters(params, today)
    words = len(tokens)

    def build() -> sa.Select:
        if dialect == "postgresql":
            first = (
                _apply_filters(
                    sa.select(Product.id, *_SORT_COLUMNS, _PG_VECTOR.label("v")), filters, dialect=dialect
                )
                .order_by(*_order(window_sort, words))
                .limit(sa.bindparam("window", type_=sa.Integer))
                .subquery("first_products")
            )
        elif walk:
            # The sort's index walked for at most SQLITE_PRICE_WALK products (every other filter
            # applied), the price range tested on those: a bounded read however wide or narrow
            # the range. `walked` (counted before the price test) says whether the walk reached
            # the end of the filtered catalogue.
            unpriced = dataclasses.replace(filters, min_price=None, max_price=None)
            walked = (
                _apply_filters(
                    sa.select(Product.id, *_SORT_COLUMNS, Product.title_id, Product.title_en), unpriced
                )
                .order_by(*_order(window_sort, words))
                .limit(sa.bindparam("walk", type_=sa.Integer))
                .subquery("walked")
            )
            counted = sa.select(walked, sa.func.count().over().label("walked")).subquery("counted")
            in_range = [counted.c.price_minor >= filters.min_price] if filters.min_price is not None else []
            if filters.max_price is not None:
                in_range.append(counted.c.price_minor <= filters.max_price)
            first = (
                sa.select(counted)
                .where(*in_range)
                .order_by(*_order(window_sort, words, (), counted.c))
                .limit(sa.bindparam("window", type_=sa.Integer))
                .subquery("first_products")
            )
        else:
            first = (
                _apply_filters(
                    sa.select(Product.id, *_SORT_COLUMNS, Product.title_id, Product.title_en), filters
                )
                .order_by(*_order(window_sort, words))
                .limit(sa.bindparam("window", type_=sa.Integer))
                .subquery("first_products")
            )
        if dialect == "postgresql":
            matched_expr = first.c.v.op("@@")(sa.func.to_tsquery(_SIMPLE, _MATCH))
            hits_expr = _pg_title_hits(words, first.c.v)
        else:
            # A non-correlated IN: SQLite reads the FTS5 match list once, then probes it per row.
            matched_expr = first.c.id.in_(sa.select(_FTS.c.rowid).where(_FTS_REF.op("MATCH")(_MATCH)))
            hits_expr = _title_hits(words, first.c)
        columns = [first.c.id, matched_expr.label("matched"), hits_expr.label("hits")]
        if walk:
            columns.append(first.c.walked)
        return sa.select(*columns).order_by(*_order(window_sort, words, (), first.c))

    stmt = built(("window", dialect, window_sort, words, filters.key, walk), build)
    values.update(_text_values(tokens, dialect), window=SEARCH_WINDOW, walk=SQLITE_PRICE_WALK)

    def read(size: int, walk_size: int) -> tuple[bool, list, int] | None:
        """(the whole filtered catalogue seen?, the window's matches in page order, how many of
        them are enough: of the best tier for relevance) of a window of `size` (a walk of
        `walk_size`); None when a walk found nothing in the range."""
        window = session.execute(stmt, {**values, "window": size, "walk": walk_size}).all()
        if walk and not window:
            return None  # no product in the range among those walked: the walk cannot tell more
        # A walk that stopped short of the filtered catalogue's end did not see every product in range.
        whole = len(window) < size and not (walk and window[0].walked >= walk_size)
        matched = [row for row in window if row.matched]
        if sort == "relevance":
            matched.sort(key=lambda row: -row.hits)  # stable: newest first within a tier
            return whole, matched, sum(1 for row in matched if row.hits >= len(tokens))
        return whole, matched, len(matched)

    def exact(whole_matches: list) -> tuple[list[int], int, bool, int]:
        total = len(whole_matches)
        page = min(params.page, max(1, math.ceil(total / params.per_page)))
        start = (page - 1) * params.per_page
        return [row.id for row in whole_matches[start : start + params.per_page]], total, False, page

    found = read(SEARCH_WINDOW, SQLITE_PRICE_WALK)
    if found is None:
        return None
    whole, matched, enough = found
    if whole:  # the whole filtered catalogue: exact
        return exact(matched)
    if enough >= need:
        if full_count:  # SQLite (the caller): the count its full match gives, as the page read before
            total, capped = _sqlite_count(session, params, tokens, today, count_cap)
            return [row.id for row in matched[offset:need]], total, capped, params.page
        return [row.id for row in matched[offset:need]], min(len(matched), count_cap), True, params.page
    widen = 1.5 * need / enough if enough else math.inf
    if (
        dialect == "sqlite"
        and not walk
        and widen <= SQLITE_WIDEN_MAX
        and len(matched) >= SQLITE_TITLED_MIN_MATCHES
    ):
        # The best tier is thin among the first products but not rare (a word in a few thousand
        # titles, page 2 or 3): a wider window holds the page, at a fraction of the cost of the
        # title table past its cap and ranking every match ("aman" page 2: ~90 -> ~25 ms). Its
        # total is the capped count the full match gives, so the page reads as it did. Not for
        # few matches, which the full match ranks cheaper (`q=nampan&sort=best_selling` with a
        # price cap: 18 ms, 40 through a wider walk), nor for a walk under a price range.
        wider = read(math.ceil(widen * SEARCH_WINDOW), math.ceil(widen * SQLITE_PRICE_WALK))
        wide_whole, wide_matched, wide_enough = wider or (False, [], 0)
        if wide_whole:
            return exact(wide_matched)
        if wide_enough >= need:
            total, capped = _sqlite_count(session, params, tokens, today, count_cap)
            return [row.id for row in wide_matched[offset:need]], total, capped, params.page
    multi_word = sort == "relevance" and len(tokens) > 1
    if multi_word and (dialect == "postgresql" or len(matched) >= SQLITE_TITLED_MIN_MATCHES):
        # Too few of the newest hold every word in a title; often none does ("sedang lama": a
        # size in titles, a word of descriptions). The title index gives every match with every
        # word in a title (the top tier, when at most TITLED_CAP), and the window's matches one
        # word short are the newest of the next tier, in order: exact as far as the list goes.
        if dialect == "postgresql":
            found = _pg_titled_matches(session, params, tokens, today, need, every_word=True)
        else:
            found = _sqlite_titled_matches(session, params, tokens, today, need, every_word=True)
        if found is not None:
            top, top_total = found
            next_tier = [row.id for row in matched if row.hits == len(tokens) - 1]
            if top_total + len(next_tier) >= need:
                ordered = top + next_tier[: need - len(top)]
                if dialect == "sqlite":
                    # SQLite counted these searches with the full match (exact up to count_cap);
                    # the same count keeps the page's total as it was.
                    total, capped = _sqlite_count(session, params, tokens, today, count_cap)
                    return ordered[offset:need], total, capped, params.page
                seen = top_total + sum(1 for row in matched if row.hits < len(tokens))
                return ordered[offset:need], min(seen, count_cap), True, params.page
    if sort == "relevance":
        # Too few of the newest hold every word in a title. The title index gives every match
        # with a word in a title (tiers 1+, ranked; when at most TITLED_CAP), and the window's
        # matches with none are the newest of tier 0, in order: the list is exact as far as it
        # goes, so when it reaches past the page, so is the page. (Words most descriptions hold
        # but no title - "dibuat", "packed" - read a handful of index entries, not every match.)
        if dialect == "postgresql":
            found = _pg_titled_matches(session, params, tokens, today, need)
        elif len(matched) >= SQLITE_TITLED_MIN_MATCHES:
            found = _sqlite_titled_matches(session, params, tokens, today, need)
        else:
            found = None  # few matches: ranking them all (the caller) is the cheaper way
        if found is not None:
            titled, titled_total = found
            untitled = [row.id for row in matched if row.hits == 0]
            if titled_total + len(untitled) >= need:
                ordered = titled + untitled[: need - len(titled)]
                seen = titled_total + len(untitled)
                return ordered[offset:need], min(seen, count_cap), True, params.page
    return None


def _postgres_match_page(
    session: Session, params: SearchParams, tokens, sort, today
) -> tuple[list[int], int, bool, int]:
    """(page ids, exact total, False, page) of a PostgreSQL text search over every match.

    The GIN index finds the matches (bitmap scan inside a MATERIALIZED CTE, so the planner cannot
    walk a b-tree testing rows instead); filters, ranking and count (a window function) work on
    those narrow rows. Used when the window (`_window_page`) could not tell: the words are rare.
    """
    filters, values = bind_filters(params, today)
    words = len(tokens)

    def matches() -> sa.CTE:
        columns = [getattr(Product, name) for name in _PG_MATCH_COLUMNS]
        if sort == "relevance":
            columns.append(_pg_title_hits(words).label("hits"))
        # The filters go inside the CTE, on `products` itself: applied to the CTE's rows the planner
        # guessed one row and tested each match against every approved seller (430 ms for 22,000).
        # A label too: a test of each match's own `label_codes` (or its GIN index ANDed in).
        return (
            _apply_filters(sa.select(*columns), filters, dialect="postgresql")
            .where(_PG_VECTOR.op("@@")(sa.func.to_tsquery(_SIMPLE, _MATCH)))
            .cte("text_matches")
            .prefix_with("MATERIALIZED")
        )

    def build_page() -> sa.Select:
        cols = matches().c
        order = (
            [cols.hits.desc(), *newest_order(cols)] if sort == "relevance" else _order(sort, words, (), cols)
        )
        return (
            sa.select(cols.id, sa.func.count().over().label("total"))
            .order_by(*order)
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .offset(sa.bindparam("offset", type_=sa.Integer))
        )

    key = (sort, words, filters.key)
    stmt = built(("pg_matches", *key), build_page)
    values.update(_text_values(tokens, "postgresql"), limit=params.per_page)

    def run(page: int):
        return session.execute(stmt, {**values, "offset": (page - 1) * params.per_page}).all()

    page = params.page
    rows = run(page)
    if not rows and page > 1:
        # Past the last page: count, then show the last one.
        counted = built(("pg_matches_count", *key), lambda: sa.select(sa.func.count()).select_from(matches()))
        total = session.scalar(counted, values) or 0
        page = max(1, math.ceil(total / params.per_page))
        rows = run(page) if total else []
    total = rows[0].total if rows else 0
    return [row.id for row in rows], total, False, page


def search_products(
    session: Session,
    params: SearchParams,
    *,
    today: date | None = None,
    count_cap: int = COUNT_CAP,
    as_cards: bool = False,
    as_ids: bool = False,
) -> ProductPage:
    """Public products matching `params`, one page of them, ranked or sorted as asked.

    Words (3+ letters as prefixes, shorter ones whole) must all match somewhere in both
    languages' titles and descriptions or the seller, village and cluster names (FTS5 on SQLite,
    the stored, GIN-indexed search_vector on PostgreSQL). Relevance: more words in a title first,
    then newest. A page past the last shows the last page. Never raises on params.

    A text search first reads a window of the first products in the sort's order and answers
    from it when it can (`_window_page`: a few milliseconds at 100,000 products); then totals are
    "more than" the window's matches (SQLite's wider window, its title lookups and its window
    under a cluster sorted by rating or best selling carry the full match's capped count instead).
    Otherwise every match is read: on PostgreSQL with an exact count, elsewhere capped at
    `count_cap` (`total_capped` then True). Statements: at most six for the page's ids (a window,
    on SQLite a wider one, the title lookups, the full match and its count), then the page's
    products with seller, village and cluster (one) and their images (one). `as_cards`: the items
    are storefront.cards.CardProduct rows (what a listing's cards show, first photo included: one
    statement) instead of ORM products; `as_ids`: the items are the products' ids (no statement:
    the API keeps the page's ids and loads its products with `load_products`).
    """
    load = _ids if as_ids else load_cards if as_cards else load_products
    today = today or market_today()
    dialect = _dialect(session)
    tokens = params.tokens
    if dialect == "sqlite":
        # Its index reads words without accents: so do the title lookups and the ranking's LIKE
        # ("bátik" ranks the titles with "Batik" first).
        tokens = tuple(fold_accents(token) for token in tokens)
    tokens = tuple(dict.fromkeys(tokens))  # "kopi kopi" is "kopi"
    sort = params.effective_sort

    # On both databases, the rating and best-selling windows under a narrowing filter walk most of
    # their index for a few hundred products (cluster + village: 6 -> 53 ms on SQLite, a label
    # 35 -> 108 ms on PostgreSQL); the matches alone are cheaper to sort then. A cluster alone has
    # its own indexes in those orders (cluster first), so its window walks the cluster's products
    # (`q=warna&cluster=suvenir&sort=rating`: 45 -> 14 ms on SQLite, 60-70 -> ~8 ms on
    # PostgreSQL, where sorting a common word's 12,000 matches visited 10,000 heap pages). SQLite
    # counts them as its full match does; PostgreSQL says "more than N" as its other windows do
    # (an exact count is that heap walk again). Not under a price range: the walk it takes then
    # costs a rare word more than sorting its matches (`q=orange hand&cluster=suvenir&
    # min_price=650.000&sort=rating`: 16 -> 38 ms) and saves a common one less.
    cluster_sorted = (
        bool(params.cluster)
        and sort in ("rating", "best_selling")
        and params.min_price is None
        and params.max_price is None
    )
    narrowed = bool(params.village or params.seller or params.label)
    narrowed = narrowed or (bool(params.cluster) and not cluster_sorted)
    use_window = not (narrowed and sort in ("rating", "best_selling")) and dialect in ("postgresql", "sqlite")
    # PostgreSQL under a label: the label's GIN index (`products.label_codes`) ANDed with the
    # words' finds the matches among the label's products directly (`_postgres_match_page`, with
    # an exact total), where a window started from the label's products (8,000 at 100k, each
    # looked up and sorted: 30-85 ms) or walked the sort's index for the few it keeps.
    use_window = use_window and not (dialect == "postgresql" and params.label)
    found = None
    if tokens and use_window:
        found = _window_page(
            session, params, tokens, sort, today, count_cap, dialect,
            full_count=cluster_sorted and dialect == "sqlite",
        )  # fmt: skip
    if tokens and dialect == "postgresql" and found is None:
        found = _postgres_match_page(session, params, tokens, sort, today)
    if found is not None:
        ids, total, capped, page = found
        items = load(session, ids)
        return ProductPage(items=items, total=total, page=page, per_page=params.per_page, total_capped=capped)

    filters, values = bind_filters(params, today)
    words = len(tokens)
    if tokens:
        values.update(_text_values(tokens, dialect))

    counted = _capped_count(session, filters, values, words, dialect, count_cap)
    total_capped = counted > count_cap
    total = min(counted, count_cap)
    page = min(params.page, max(1, math.ceil(total / params.per_page)))
    ids: list[int] = []
    if total:
        # Order and cut narrow rows (ids) first, then load only this page's products: sorting
        # thousands of full rows (descriptions, joined sellers) costs far more. Without words the
        # (status, published_at) and (status, price_minor) indexes give the order directly.
        stmt = built(
            ("ids", dialect, sort, words, filters.key),
            lambda: (
                _matching(filters, words, dialect)
                .order_by(*_order(sort, words))
                .limit(sa.bindparam("limit", type_=sa.Integer))
                .offset(sa.bindparam("offset", type_=sa.Integer))
            ),
        )
        values.update(limit=params.per_page, offset=(page - 1) * params.per_page)
        ids = list(session.scalars(stmt, values))
    items = load(session, ids)
    return ProductPage(
        items=items, total=total, page=page, per_page=params.per_page, total_capped=total_capped
    )


def _matching(filters: Filters, words: int, dialect: str) -> sa.Select:
    """The ids of the public products matching the filters and `words` words (the `match` and
    `hit{i}` parameters), unordered: the full match set, without the window."""
    stmt = _apply_filters(sa.select(Product.id), filters, dialect=dialect)
    if not words:
        return stmt
    if dialect == "sqlite":
        # No bm25: the window (`_window_page`) ranks by title words then newest, and pages
        # must not change order when a search moves from the window to this full match.
        if filters.seller is not None or filters.village is not None:
            # A shop's or a desa's products (hundreds, a few thousand: their index) each probe
            # the match list; joined, SQLite reads every match's row (25,000 for "batik": 38 ms
            # vs 8). `+ 0` keeps it from looking the matches up by id instead.
            return stmt.where(
                (Product.id + 0).in_(sa.select(_FTS.c.rowid).where(_FTS_REF.op("MATCH")(_MATCH)))
            )
        return stmt.join(_FTS, _FTS.c.rowid == Product.id).where(_FTS_REF.op("MATCH")(_MATCH))
    # Any other database: a plain substring match, no ranking beyond the title boost (word i
    # is `hit{i}`: letters and digits, nothing to escape).
    for i in range(words):
        stmt = stmt.where(Product.search_text.icontains(sa.bindparam(f"hit{i}", type_=sa.String)))
    return stmt


def _capped_count(
    session: Session, filters: Filters, values: dict, words: int, dialect: str, count_cap: int
) -> int:
    """How many products `_matching` gives, counted up to count_cap + 1."""
    stmt = built(
        ("count", dialect, words, filters.key),
        lambda: sa.select(sa.func.count()).select_from(
            _matching(filters, words, dialect).limit(sa.bindparam("count_limit", type_=sa.Integer)).subquery()
        ),
    )
    return session.scalar(stmt, {**values, "count_limit": count_cap + 1}) or 0


def _sqlite_count(
    session: Session, params: SearchParams, tokens: Sequence[str], today: date, count_cap: int
) -> tuple[int, bool]:
    """(total, capped?) of a SQLite text search as its full match counts it: exact up to
    count_cap, "more than count_cap" past it."""
    filters, values = bind_filters(params, today)
    values.update(_text_values(tokens, "sqlite"))
    counted = _capped_count(session, filters, values, len(tokens), "sqlite", count_cap)
    return min(counted, count_cap), counted > count_cap


def _ids(session: Session, ids: Sequence[int]) -> list[int]:
    return list(ids)


def load_products(session: Session, ids: Sequence[int]) -> list[Product]:
    """Products with their card relations, in the order of `ids` (one statement, plus images)."""
    if not ids:
        return []
    loaded = session.scalars(sa.select(Product).where(Product.id.in_(ids)).options(*CARD_OPTIONS)).unique()
    by_id = {product.id: product for product in loaded}
    return [by_id[i] for i in ids if i in by_id]
