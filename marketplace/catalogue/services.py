"""The public catalogue: what buyers may see, how they search it, and how pages load it.

Every function takes the SQLAlchemy session first and never touches Flask request globals, so the
HTML views, the JSON API (`/api/v1`), CLI commands and tests call the same code.

Visibility rule, applied everywhere public: a product is public when its status is `active` and its
seller is `approved` (`public_products_filter()`). A quality label is public when it is verified and
`valid_until` is empty or not before today's date in the market's time zone (`visible_label_filter()`).

Query budget: each public page loads with a fixed number of SQL statements whatever the catalogue's
size — relations a page shows are eager-loaded (`CARD_OPTIONS`, `DETAIL_OPTIONS`), counts are capped.

Public functions (signatures kept stable for the views and the JSON API):
    parse_search_params(args) -> SearchParams          never raises; bad values in .ignored
    drop_unknown_filters(params, *, cluster_slugs=, village_slugs=, label_codes=) -> SearchParams
    search_products(session, params, *, today=None, count_cap=COUNT_CAP) -> ProductPage
    get_public_product(session, product_id) -> Product            raises NotFound
    get_cluster_by_slug / get_village_by_slug / get_seller_by_slug(session, slug)  raise NotFound
    list_active_featured(session, now=None, *, limit=8) -> list[FeaturedPlacement]
    list_newest_products(session, limit=8) -> list[Product]
    list_clusters(session, *, with_counts=True) -> list[ClusterSummary(cluster, product_count)]
    list_villages(session, *, with_counts=True) -> list[VillageSummary(village, product_count)]
    list_label_types(session) -> list[LabelType]
    list_village_sellers(session, village) -> list[Seller]
    visible_labels(product, today) -> list[ProductLabel]
    public_products_filter(), public_products_select(), visible_label_filter(today),
    has_visible_label_filter(code, today): reusable SQL conditions.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.catalogue.models import (
    Cluster,
    FeaturedPlacement,
    LabelStatus,
    LabelType,
    Product,
    ProductLabel,
    ProductStatus,
    Region,
    RegionKind,
    Seller,
    SellerStatus,
)
from marketplace.errors import NotFound
from marketplace.timezones import market_today
from marketplace.types import utcnow

SORTS = ("relevance", "newest", "price_asc", "price_desc")
DEFAULT_PER_PAGE = 24
MAX_PER_PAGE = 60
#: A 5,000-character query is cut here (and reported in `SearchParams.ignored`).
MAX_QUERY_LENGTH = 200
#: Only the first words of a query are searched; more words only make the index work harder.
MAX_QUERY_TOKENS = 8
#: Pages past this are treated as malformed (keeps OFFSET small and cheap).
MAX_PAGE = 10_000
#: Prices above this (Rp 1 trillion) are not a real filter, and would overflow nothing but patience.
MAX_PRICE = 10**12
#: Listings without words stop counting here: "more than 1,000 products" is as useful as the exact
#: figure and far cheaper. (A search with words counts its matches exactly, in the same statement.)
COUNT_CAP = 1_000
#: The largest id a products row can have (INTEGER on PostgreSQL).
MAX_ID = 2**31 - 1
#: Shorter words match whole words only: a one- or two-letter prefix expands to most of the index.
MIN_PREFIX_LENGTH = 3

_SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,139}$")
_LABEL_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
# Letters and digits only: nothing a query language (FTS5, tsquery, LIKE) could read as syntax.
_TOKEN_RE = re.compile(r"[^\W_]+", re.UNICODE)
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
_TRUE = {"1", "true", "on", "yes", "y"}
_FALSE = {"", "0", "false", "off", "no", "n"}


# --------------------------------------------------------------------------------------------
# Visibility rules as reusable SQL conditions
# --------------------------------------------------------------------------------------------


def approved_seller_ids() -> sa.Select:
    return sa.select(Seller.id).where(Seller.status == SellerStatus.APPROVED)


def public_products_filter() -> sa.ColumnElement[bool]:
    """SQL condition on `Product`: active and sold by an approved seller. Needs no join."""
    return sa.and_(
        Product.status == ProductStatus.ACTIVE,
        Product.seller_id.in_(approved_seller_ids()),
    )


def public_products_select() -> sa.Select:
    """`SELECT products` restricted to public products; add filters, ordering and options."""
    return sa.select(Product).where(public_products_filter())


def visible_label_filter(today: date) -> sa.ColumnElement[bool]:
    """SQL condition on `ProductLabel`: verified and not expired on `today` (market date)."""
    return sa.and_(
        ProductLabel.status == LabelStatus.VERIFIED,
        sa.or_(ProductLabel.valid_until.is_(None), ProductLabel.valid_until >= today),
    )


def has_visible_label_filter(label_code: str, today: date, product_id=Product.id) -> sa.ColumnElement[bool]:
    """SQL condition: the product (`product_id` column) carries a visible label of this type code."""
    return product_id.in_(
        sa.select(ProductLabel.product_id)
        .join(LabelType, LabelType.id == ProductLabel.label_type_id)
        .where(LabelType.code == label_code, visible_label_filter(today))
    )


def is_label_visible(label: ProductLabel, today: date) -> bool:
    """The Python twin of `visible_label_filter`, for labels already loaded."""
    return label.status == LabelStatus.VERIFIED and (label.valid_until is None or label.valid_until >= today)


def visible_labels(product: Product, today: date) -> list[ProductLabel]:
    """The product's labels a buyer may see, ordered by label type. Uses the loaded `labels`."""
    shown = [label for label in product.labels if is_label_visible(label, today)]
    return one_label_per_type(
        sorted(shown, key=lambda label: (label.label_type.position, label.label_type.code))
    )


def _lasts_longer(label: ProductLabel, other: ProductLabel) -> bool:
    # No end date outlasts any date; between two dates the later wins; ties go to the newer row.
    mine = (label.valid_until is None, label.valid_until or date.min, label.id or 0)
    theirs = (other.valid_until is None, other.valid_until or date.min, other.id or 0)
    return mine > theirs


def one_label_per_type(labels: Sequence[ProductLabel]) -> list[ProductLabel]:
    """A renewed label (old and new both verified and valid) is shown once: the one lasting longest.

    Keeps the order of `labels`, at the position of the type's first label.
    """
    best: dict[int, ProductLabel] = {}
    for label in labels:
        current = best.get(label.label_type_id)
        if current is None or _lasts_longer(label, current):
            best[label.label_type_id] = label
    seen: set[int] = set()
    kept = []
    for label in labels:
        if label.label_type_id not in seen:
            seen.add(label.label_type_id)
            kept.append(best[label.label_type_id])
    return kept


def is_public(product: Product) -> bool:
    """The Python twin of `public_products_filter` for an already loaded product."""
    return product.status == ProductStatus.ACTIVE and product.seller.status == SellerStatus.APPROVED


#: Loader options for product cards (listings): seller and its village, cluster, images.
#: Three statements at most per listing (the products with their many-to-ones, then images).
CARD_OPTIONS = (
    joinedload(Product.seller).joinedload(Seller.village),
    joinedload(Product.cluster),
    selectinload(Product.images),
)
#: Loader options for the product page: the card's plus labels and their types.
DETAIL_OPTIONS = (
    *CARD_OPTIONS,
    selectinload(Product.labels).joinedload(ProductLabel.label_type),
)


# --------------------------------------------------------------------------------------------
# Search parameters
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SearchParams:
    """A validated search. Build with `parse_search_params(request.args)`; never raises.

    `ignored` names the parameters whose values were malformed and dropped (or, for `q`,
    shortened), so a page can say so. Prices are whole rupiah (IDR minor units).
    """

    q: str = ""
    cluster: str | None = None
    village: str | None = None
    seller: str | None = None
    label: str | None = None
    min_price: int | None = None
    max_price: int | None = None
    in_stock: bool = False
    sort: str = "newest"
    page: int = 1
    per_page: int = DEFAULT_PER_PAGE
    ignored: tuple[str, ...] = ()

    @property
    def tokens(self) -> tuple[str, ...]:
        """Lower-cased words of `q` (letters and digits only), at most MAX_QUERY_TOKENS."""
        return tuple(_TOKEN_RE.findall(self.q.lower()))[:MAX_QUERY_TOKENS]

    @property
    def effective_sort(self) -> str:
        """`relevance` needs words to rank by; without them the newest come first."""
        if self.sort == "relevance" and not self.tokens:
            return "newest"
        return self.sort

    @property
    def has_filters(self) -> bool:
        """True when anything beyond the words narrows the results."""
        return bool(
            self.cluster
            or self.village
            or self.seller
            or self.label
            or self.min_price is not None
            or self.max_price is not None
            or self.in_stock
        )

    def replace(self, **changes) -> SearchParams:
        return dataclasses.replace(self, **changes)

    def to_args(self, **changes) -> dict[str, str]:
        """Query-string arguments that reproduce this search (defaults left out), for links."""
        params = dataclasses.replace(self, **changes) if changes else self
        args: dict[str, str] = {}
        if params.q:
            args["q"] = params.q
        for name in ("cluster", "village", "seller", "label"):
            value = getattr(params, name)
            if value:
                args[name] = value
        if params.min_price is not None:
            args["min_price"] = str(params.min_price)
        if params.max_price is not None:
            args["max_price"] = str(params.max_price)
        if params.in_stock:
            args["in_stock"] = "1"
        if params.sort != default_sort(params.q):
            args["sort"] = params.sort
        if params.page != 1:
            args["page"] = str(params.page)
        if params.per_page != DEFAULT_PER_PAGE:
            args["per_page"] = str(params.per_page)
        return args


def default_sort(q: str) -> str:
    return "relevance" if _TOKEN_RE.search(q or "") else "newest"


def _parse_int(raw: str, low: int, high: int) -> int | None:
    value = raw.strip()
    # Past 18 digits nothing is in range, and int() refuses strings over 4,300 digits.
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    number = int(value)
    return number if low <= number <= high else None


def _parse_price(raw: str) -> int | None:
    # Indonesians write "Rp 50.000"; rupiah have no decimals, so separators can simply go.
    value = raw.strip().lower()
    value = value.removeprefix("rp").strip().removeprefix(".").strip()
    value = re.sub(r"[.,\s]", "", value)
    return _parse_int(value, 0, MAX_PRICE) if value else None


def _parse_slug(raw: str) -> str | None:
    value = raw.strip().lower()
    return value if _SLUG_RE.match(value) else None


def parse_search_params(args: Mapping[str, str]) -> SearchParams:
    """Validate raw query arguments into `SearchParams`, ignoring (and listing) malformed values.

    Accepted: q (cut to MAX_QUERY_LENGTH), cluster, village, seller (slugs), label (a label type
    code), min_price/max_price (whole rupiah, "50.000" allowed; swapped when reversed), in_stock
    (1/true/on/yes or 0/false/off/no), sort (one of SORTS; default relevance with words, newest
    without), page (1..MAX_PAGE), per_page (1..MAX_PER_PAGE). Empty values count as absent.
    """
    ignored: list[str] = []

    def raw(name: str) -> str:
        value = args.get(name)
        return value if isinstance(value, str) else ""

    q = _CONTROL_RE.sub(" ", raw("q")).strip()
    if len(q) > MAX_QUERY_LENGTH:
        q = q[:MAX_QUERY_LENGTH].strip()
        ignored.append("q")
    q = " ".join(q.split())

    slugs: dict[str, str | None] = {}
    for name in ("cluster", "village", "seller"):
        value = raw(name).strip()
        slugs[name] = _parse_slug(value) if value else None
        if value and slugs[name] is None:
            ignored.append(name)

    label_raw = raw("label").strip()
    label = label_raw if label_raw and _LABEL_CODE_RE.match(label_raw) else None
    if label_raw and label is None:
        ignored.append("label")

    prices: dict[str, int | None] = {}
    for name in ("min_price", "max_price"):
        value = raw(name).strip()
        prices[name] = _parse_price(value) if value else None
        if value and prices[name] is None:
            ignored.append(name)
    min_price, max_price = prices["min_price"], prices["max_price"]
    if min_price is not None and max_price is not None and min_price > max_price:
        min_price, max_price = max_price, min_price

    stock_raw = raw("in_stock").strip().lower()
    in_stock = stock_raw in _TRUE
    if stock_raw not in _TRUE and stock_raw not in _FALSE:
        ignored.append("in_stock")

    sort_raw = raw("sort").strip().lower()
    sort = sort_raw if sort_raw in SORTS else default_sort(q)
    if sort_raw and sort_raw not in SORTS:
        ignored.append("sort")

    page_raw = raw("page")
    page = _parse_int(page_raw, 1, MAX_PAGE) if page_raw.strip() else 1
    if page is None:
        ignored.append("page")
        page = 1

    per_page_raw = raw("per_page")
    per_page = _parse_int(per_page_raw, 1, MAX_PER_PAGE) if per_page_raw.strip() else DEFAULT_PER_PAGE
    if per_page is None:
        ignored.append("per_page")
        per_page = DEFAULT_PER_PAGE

    return SearchParams(
        q=q,
        cluster=slugs["cluster"],
        village=slugs["village"],
        seller=slugs["seller"],
        label=label,
        min_price=min_price,
        max_price=max_price,
        in_stock=in_stock,
        sort=sort,
        page=page,
        per_page=per_page,
        ignored=tuple(ignored),
    )


def drop_unknown_filters(
    params: SearchParams,
    *,
    cluster_slugs: Sequence[str] | None = None,
    village_slugs: Sequence[str] | None = None,
    label_codes: Sequence[str] | None = None,
) -> SearchParams:
    """Drop (and list in `ignored`) filters naming a cluster, village or label that does not exist.

    Pure: the caller passes the slugs it already loaded (e.g. for the filter form), so this costs
    no query. A sequence of None skips that check.
    """
    changes: dict[str, None] = {}
    for name, known in (("cluster", cluster_slugs), ("village", village_slugs), ("label", label_codes)):
        value = getattr(params, name)
        if value and known is not None and value not in set(known):
            changes[name] = None
    if not changes:
        return params
    return dataclasses.replace(params, **changes, ignored=params.ignored + tuple(changes))


# --------------------------------------------------------------------------------------------
# Search
# --------------------------------------------------------------------------------------------


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
_SIMPLE = sa.literal_column("'simple'::regconfig")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _is_prefix(token: str) -> bool:
    return len(token) >= MIN_PREFIX_LENGTH


def _fts5_query(tokens: Sequence[str]) -> str:
    # Each token quoted (so FTS5 reads no operators) and prefix-matched; spaces mean AND.
    return " ".join(f'"{token}"*' if _is_prefix(token) else f'"{token}"' for token in tokens)


def _tsquery(tokens: Sequence[str], weight: str = "") -> str:
    # Tokens are letters and digits only, so they cannot form tsquery operators.
    return " & ".join(
        f"{token}:*{weight}" if _is_prefix(token) else f"{token}:{weight}" if weight else token
        for token in tokens
    )


#: The stored, GIN-indexed tsvector (titles weighted A) that search_index.py adds on PostgreSQL.
#: Not in the model, so the model stays portable; queries name it as a column of `products`.
_PG_VECTOR = sa.literal_column("products.search_vector")


def _pg_title_hits(tokens: Sequence[str], vector=_PG_VECTOR) -> sa.ColumnElement[int]:
    """How many of the words appear in a title: weight A in the stored vector (no text re-parsed)."""
    terms = [
        sa.case((vector.op("@@")(sa.func.to_tsquery(_SIMPLE, _tsquery([token], weight="A"))), 1), else_=0)
        for token in dict.fromkeys(tokens)
    ]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _title_hits(tokens: Sequence[str], cols=Product) -> sa.ColumnElement[int]:
    """How many of the words appear in either title: a title match outranks a description match."""
    terms = [
        sa.case(
            (
                sa.or_(
                    cols.title_id.icontains(token, autoescape=True),
                    cols.title_en.icontains(token, autoescape=True),
                ),
                1,
            ),
            else_=0,
        )
        for token in tokens
    ]
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _apply_filters(stmt: sa.Select, params: SearchParams, today: date, cols=Product) -> sa.Select:
    """Public products narrowed by the params' filters. `cols` is `Product` or a CTE's `.c` with
    the same column names (id, seller_id, cluster_id, status, price_minor, stock)."""
    stmt = stmt.where(cols.status == ProductStatus.ACTIVE, cols.seller_id.in_(approved_seller_ids()))
    if params.cluster:
        cluster_id = sa.select(Cluster.id).where(Cluster.slug == params.cluster).scalar_subquery()
        stmt = stmt.where(cols.cluster_id == cluster_id)
    if params.village:
        village_id = (
            sa.select(Region.id)
            .where(Region.slug == params.village, Region.kind == RegionKind.DESA)
            .scalar_subquery()
        )
        stmt = stmt.where(cols.seller_id.in_(sa.select(Seller.id).where(Seller.village_id == village_id)))
    if params.seller:
        seller_id = sa.select(Seller.id).where(Seller.slug == params.seller).scalar_subquery()
        stmt = stmt.where(cols.seller_id == seller_id)
    if params.label:
        stmt = stmt.where(has_visible_label_filter(params.label, today, cols.id))
    if params.min_price is not None:
        stmt = stmt.where(cols.price_minor >= params.min_price)
    if params.max_price is not None:
        stmt = stmt.where(cols.price_minor <= params.max_price)
    if params.in_stock:
        stmt = stmt.where(cols.stock > 0)
    return stmt


def newest_order(cols=Product) -> tuple:
    """Newest first. Plain DESC (no NULLS LAST) so the (status, published_at) index serves it on
    both databases; an active product always has `published_at`, so where NULLs sort is moot."""
    return (cols.published_at.desc(), cols.id.desc())


def _order(sort: str, tokens: Sequence[str], rank: Sequence = (), cols=Product) -> list:
    if sort == "relevance":
        return [_title_hits(tokens, cols).desc(), *rank, *newest_order(cols)]
    if sort == "price_asc":
        return [cols.price_minor.asc(), cols.id.asc()]
    if sort == "price_desc":
        return [cols.price_minor.desc(), cols.id.desc()]
    return list(newest_order(cols))


#: A text search first looks at this many public products (after the filters, in the sort's order):
#: when they hold the whole page, nothing else is read (`_window_page`). Costs a few milliseconds.
SEARCH_WINDOW = 1_000

#: The columns a PostgreSQL text search sorts and filters on, copied out of the index matches.
_PG_MATCH_COLUMNS = (
    "id", "seller_id", "cluster_id", "status", "price_minor", "stock", "published_at",
)  # fmt: skip


def _window_page(
    session: Session, params: SearchParams, tokens, sort, today, count_cap: int, dialect: str
) -> tuple[list[int], int, bool, int] | None:
    """(page ids, total, total capped?, page) of a text search, or None when the window cannot tell.

    Relevance is: more query words in a title first, then newest (the same on both databases).
    Ranking every match costs time in proportion to the matches - a common word matches a
    quarter of the catalogue; ts_rank over its 24,000 rows took ~290 ms, bm25 ~80 ms at 100k
    products - so the first step reads a bounded window instead, and is exact:

    The window is the first SEARCH_WINDOW public products in the sort's own order (newest for
    relevance; b-trees on (status, published_at) and (status, price_minor)), each tested against
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
    if dialect == "postgresql":
        tsquery = sa.func.to_tsquery(_SIMPLE, _tsquery(tokens))
        first = (
            _apply_filters(
                sa.select(Product.id, Product.published_at, Product.price_minor, _PG_VECTOR.label("v")),
                params,
                today,
            )
            .order_by(*_order(window_sort, tokens))
            .limit(SEARCH_WINDOW)
            .subquery("first_products")
        )
        matched_expr = first.c.v.op("@@")(tsquery)
        hits_expr = _pg_title_hits(tokens, first.c.v)
    else:
        first = (
            _apply_filters(
                sa.select(
                    Product.id, Product.published_at, Product.price_minor, Product.title_id, Product.title_en
                ),
                params,
                today,
            )
            .order_by(*_order(window_sort, tokens))
            .limit(SEARCH_WINDOW)
            .subquery("first_products")
        )
        # A non-correlated IN: SQLite reads the FTS5 match list once, then probes it per row.
        matched_expr = first.c.id.in_(
            sa.select(_FTS.c.rowid).where(_FTS_REF.op("MATCH")(_fts5_query(tokens)))
        )
        hits_expr = _title_hits(tokens, first.c)
    window = session.execute(
        sa.select(first.c.id, matched_expr.label("matched"), hits_expr.label("hits")).order_by(
            *_order(window_sort, tokens, (), first.c)
        )
    ).all()
    matched = [row for row in window if row.matched]
    if sort == "relevance":
        matched.sort(key=lambda row: -row.hits)  # stable: newest first within a tier
        enough = sum(1 for row in matched if row.hits >= len(tokens))
    else:
        enough = len(matched)
    if len(window) < SEARCH_WINDOW:  # the whole filtered catalogue: exact
        total = len(matched)
        page = min(params.page, max(1, math.ceil(total / params.per_page)))
        start = (page - 1) * params.per_page
        return [row.id for row in matched[start : start + params.per_page]], total, False, page
    if enough >= need:
        return [row.id for row in matched[offset:need]], min(len(matched), count_cap), True, params.page
    return None


def _postgres_match_page(
    session: Session, params: SearchParams, tokens, sort, today
) -> tuple[list[int], int, bool, int]:
    """(page ids, exact total, False, page) of a PostgreSQL text search over every match.

    The GIN index finds the matches (bitmap scan inside a MATERIALIZED CTE, so the planner cannot
    walk a b-tree testing rows instead); filters, ranking and count (a window function) work on
    those narrow rows. Used when the window (`_window_page`) could not tell: the words are rare.
    """
    tsquery = sa.func.to_tsquery(_SIMPLE, _tsquery(tokens))
    columns = [getattr(Product, name) for name in _PG_MATCH_COLUMNS]
    if sort == "relevance":
        columns.append(_pg_title_hits(tokens).label("hits"))
    matches = (
        sa.select(*columns)
        .where(_PG_VECTOR.op("@@")(tsquery))
        .cte("text_matches")
        .prefix_with("MATERIALIZED")
    )
    cols = matches.c
    order = [cols.hits.desc(), *newest_order(cols)] if sort == "relevance" else _order(sort, tokens, (), cols)

    def run(page: int):
        stmt = _apply_filters(sa.select(cols.id, sa.func.count().over().label("total")), params, today, cols)
        stmt = stmt.order_by(*order)
        return session.execute(stmt.limit(params.per_page).offset((page - 1) * params.per_page)).all()

    page = params.page
    rows = run(page)
    if not rows and page > 1:
        # Past the last page: count, then show the last one.
        total = session.scalar(_apply_filters(sa.select(sa.func.count()), params, today, cols)) or 0
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
) -> ProductPage:
    """Public products matching `params`, one page of them, ranked or sorted as asked.

    Words (3+ letters as prefixes, shorter ones whole) must all match somewhere in both
    languages' titles and descriptions or the seller, village and cluster names (FTS5 on SQLite,
    the stored, GIN-indexed search_vector on PostgreSQL). Relevance: more words in a title first,
    then newest. A page past the last shows the last page. Never raises on params.

    A text search first reads a window of the first products in the sort's order and answers
    from it when it can (`_window_page`: a few milliseconds at 100,000 products); then totals are
    "more than" the window's matches. Otherwise every match is read: on PostgreSQL with an exact
    count, elsewhere capped at `count_cap` (`total_capped` then True). Statements: one to three
    for the page's ids, then the page's products with seller, village and cluster (one) and their
    images (one).
    """
    today = today or market_today()
    dialect = _dialect(session)
    tokens = tuple(dict.fromkeys(params.tokens))  # "kopi kopi" is "kopi"
    sort = params.effective_sort

    # SQLite walks a price range's index and sorts it rather than walk newest first and test
    # prices (134 ms vs 14 ms at 100k); the full FTS5 match is cheaper then, so skip the window.
    price_range = params.min_price is not None or params.max_price is not None
    use_window = dialect == "postgresql" or (
        dialect == "sqlite" and not (price_range and sort in ("relevance", "newest"))
    )
    if tokens and use_window:
        found = _window_page(session, params, tokens, sort, today, count_cap, dialect)
        if found is None and dialect == "postgresql":
            found = _postgres_match_page(session, params, tokens, sort, today)
        if found is not None:
            ids, total, capped, page = found
            items = _load_cards(session, ids)
            return ProductPage(
                items=items, total=total, page=page, per_page=params.per_page, total_capped=capped
            )

    def build(columns) -> tuple[sa.Select, list]:
        stmt = _apply_filters(sa.select(*columns), params, today)
        if not tokens:
            return stmt, []
        if dialect == "sqlite":
            stmt = stmt.join(_FTS, _FTS.c.rowid == Product.id).where(
                _FTS_REF.op("MATCH")(_fts5_query(tokens))
            )
            # No bm25: the window (`_window_page`) ranks by title words then newest, and pages
            # must not change order when a search moves from the window to this full match.
            return stmt, []
        # Any other database: a plain substring match, no ranking beyond the title boost.
        for token in tokens:
            stmt = stmt.where(Product.search_text.icontains(token, autoescape=True))
        return stmt, []

    count_stmt, _ = build([Product.id])
    counted = session.scalar(
        sa.select(sa.func.count()).select_from(count_stmt.limit(count_cap + 1).subquery())
    )
    total_capped = (counted or 0) > count_cap
    total = min(counted or 0, count_cap)
    page = min(params.page, max(1, math.ceil(total / params.per_page)))
    ids: list[int] = []
    if total:
        # Order and cut narrow rows (ids) first, then load only this page's products: sorting
        # thousands of full rows (descriptions, joined sellers) costs far more. Without words the
        # (status, published_at) and (status, price_minor) indexes give the order directly.
        stmt, rank = build([Product.id])
        stmt = stmt.order_by(*_order(sort, tokens, rank))
        ids = list(session.scalars(stmt.limit(params.per_page).offset((page - 1) * params.per_page)))
    items = _load_cards(session, ids)
    return ProductPage(
        items=items, total=total, page=page, per_page=params.per_page, total_capped=total_capped
    )


def _load_cards(session: Session, ids: Sequence[int]) -> list[Product]:
    """Products with their card relations, in the order of `ids` (one statement, plus images)."""
    if not ids:
        return []
    loaded = session.scalars(sa.select(Product).where(Product.id.in_(ids)).options(*CARD_OPTIONS)).unique()
    by_id = {product.id: product for product in loaded}
    return [by_id[i] for i in ids if i in by_id]


def list_active_featured(
    session: Session, now: datetime | None = None, *, limit: int = 8
) -> list[FeaturedPlacement]:
    """Featured placements whose window contains `now` (start inclusive, end exclusive) and whose
    product is public, by position; one placement per product. Product relations loaded."""
    now = now or utcnow()
    stmt = (
        sa.select(FeaturedPlacement)
        .join(Product, Product.id == FeaturedPlacement.product_id)
        .where(FeaturedPlacement.starts_at <= now, FeaturedPlacement.ends_at > now, public_products_filter())
        .order_by(FeaturedPlacement.position, FeaturedPlacement.starts_at.desc(), FeaturedPlacement.id)
        .limit(limit * 2)
        .options(
            joinedload(FeaturedPlacement.product).joinedload(Product.seller).joinedload(Seller.village),
            joinedload(FeaturedPlacement.product).joinedload(Product.cluster),
            joinedload(FeaturedPlacement.product).selectinload(Product.images),
        )
    )
    seen: set[int] = set()
    placements: list[FeaturedPlacement] = []
    for placement in session.scalars(stmt).unique():
        if placement.product_id not in seen:
            seen.add(placement.product_id)
            placements.append(placement)
    return placements[:limit]


def list_newest_products(session: Session, limit: int = 8) -> list[Product]:
    """The most recently published public products, with card relations loaded."""
    stmt = public_products_select().order_by(*newest_order()).limit(limit).options(*CARD_OPTIONS)
    return list(session.scalars(stmt).unique())


def get_cluster_by_slug(session: Session, slug: str) -> Cluster:
    """The cluster with this slug. Raises NotFound."""
    cluster = session.scalar(sa.select(Cluster).where(Cluster.slug == slug))
    if cluster is None:
        raise NotFound(_l("Cluster not found."))
    return cluster


def get_village_by_slug(session: Session, slug: str) -> Region:
    """The desa (not a kecamatan) with this slug, its parent loaded. Raises NotFound."""
    village = session.scalar(
        sa.select(Region)
        .where(Region.slug == slug, Region.kind == RegionKind.DESA)
        .options(joinedload(Region.parent))
    )
    if village is None:
        raise NotFound(_l("Village not found."))
    return village


def get_seller_by_slug(session: Session, slug: str) -> Seller:
    """The approved seller with this slug, village and clusters loaded. Raises NotFound otherwise
    (a pending or suspended seller does not exist for the public)."""
    seller = session.scalar(
        sa.select(Seller)
        .where(Seller.slug == slug, Seller.status == SellerStatus.APPROVED)
        .options(joinedload(Seller.village), selectinload(Seller.clusters))
    )
    if seller is None:
        raise NotFound(_l("Seller not found."))
    return seller


def get_public_product(session: Session, product_id: int) -> Product:
    """A public product with seller, village, cluster, images and labels (+types) loaded.

    Raises NotFound when it does not exist, is not active, or its seller is not approved.
    """
    # Ids are 32-bit integers on PostgreSQL: a larger number from a URL would be a database error.
    if not isinstance(product_id, int) or not 1 <= product_id <= MAX_ID:
        raise NotFound(_l("Product not found."))
    product = session.scalar(
        public_products_select().where(Product.id == product_id).options(*DETAIL_OPTIONS)
    )
    if product is None:
        raise NotFound(_l("Product not found."))
    return product


class ClusterSummary(NamedTuple):
    cluster: Cluster
    product_count: int


class VillageSummary(NamedTuple):
    village: Region
    product_count: int


def list_clusters(session: Session, *, with_counts: bool = True) -> list[ClusterSummary]:
    """Every cluster by position, each with its number of public products (one query)."""
    if not with_counts:
        clusters = session.scalars(sa.select(Cluster).order_by(Cluster.position, Cluster.name_id))
        return [ClusterSummary(cluster, 0) for cluster in clusters]
    counts = (
        sa.select(Product.cluster_id.label("cluster_id"), sa.func.count(Product.id).label("n"))
        .where(public_products_filter())
        .group_by(Product.cluster_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Cluster, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.cluster_id == Cluster.id)
        .order_by(Cluster.position, Cluster.name_id)
    )
    return [ClusterSummary(cluster, int(count)) for cluster, count in rows]


def list_villages(session: Session, *, with_counts: bool = True) -> list[VillageSummary]:
    """Every desa by name, each with its number of public products (one query)."""
    if not with_counts:
        villages = session.scalars(
            sa.select(Region).where(Region.kind == RegionKind.DESA).order_by(Region.name, Region.id)
        )
        return [VillageSummary(village, 0) for village in villages]
    counts = (
        sa.select(Seller.village_id.label("village_id"), sa.func.count(Product.id).label("n"))
        .join(Product, Product.seller_id == Seller.id)
        .where(Product.status == ProductStatus.ACTIVE, Seller.status == SellerStatus.APPROVED)
        .group_by(Seller.village_id)
        .subquery()
    )
    rows = session.execute(
        sa.select(Region, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.village_id == Region.id)
        .where(Region.kind == RegionKind.DESA)
        .order_by(Region.name, Region.id)
    )
    return [VillageSummary(village, int(count)) for village, count in rows]


def list_label_types(session: Session) -> list[LabelType]:
    """Every label type by position (for filters and legends)."""
    return list(session.scalars(sa.select(LabelType).order_by(LabelType.position, LabelType.code)))


def list_village_sellers(session: Session, village: Region) -> list[Seller]:
    """Approved sellers of a village by name, their clusters loaded."""
    stmt = (
        sa.select(Seller)
        .where(Seller.village_id == village.id, Seller.status == SellerStatus.APPROVED)
        .order_by(Seller.name, Seller.id)
        .options(selectinload(Seller.clusters))
    )
    return list(session.scalars(stmt))
