"""Which cached entries a committed write affects, told from the write itself.

Writes are noticed in ORM flushes (`session.new/dirty/deleted`, with each object's attribute
history) and in `session.execute()` of insert/update/delete/text SQL; after the commit they bump:

- one product's counters (`p:<id>`, plus the facet counters of what changed), when the write only
  changed what a product's own page and cards show: its stock, price, "N sold" and rating counters,
  low-stock threshold, `updated_at`, and its variants and options. A bulk `UPDATE products` counts
  as such when it sets only those columns and its WHERE pins the rows (`products.id = :id` or
  `products.id IN (…)` among its AND-ed conditions; `product_id` for variants and options) — the
  conditional stock UPDATEs of marketplace.stock are exactly that, so the stock domain needs no
  call of its own;
- the catalogue generation otherwise: a product created, deleted, published, hidden, renamed,
  moved; images, labels, placements, sellers, clusters, regions, rates, reviews, questions; any
  statement on a watched table that cannot be read this way (text SQL, an UPDATE without a pinned
  id, an INSERT), since over-invalidating is only slower while missing one would be wrong.

SQL run on a raw connection is not seen: call `bump_catalogue()` or `bump_products(ids)` after it.
Code that knows which products it touched can say so explicitly in the transaction with
`touch_products(session, ids)`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.sql import operators

from marketplace.cache.store import facet_counter, product_counter

#: Facets: product attributes that decide which products a listing shows, or in which order.
STOCK = "stock"  # the in-stock filter
PRICE = "price"  # price filters and sorts
SALES = "sales"  # "best selling"
RATING = "rating"  # "best rated", a shop's rating
FACETS = (STOCK, PRICE, SALES, RATING)

# Tables whose rows appear on public pages; a write to any of them bumps the catalogue generation,
# except the per-product writes described above.
WATCHED_TABLES = frozenset(
    {
        "products", "product_images", "product_labels", "featured_placements", "sellers",
        "seller_clusters", "clusters", "regions", "label_types",
        "exchange_rates",  # prices are shown converted into the buyer's currency
        "product_questions",  # answered questions show on the product page
        "reviews", "review_photos",  # the product page's reviews (marketplace/reviews)
        "seller_workshop_photos",  # the shop's page shows its approved workshop photos
        "product_variants", "product_options",  # one product's sizes: its own page and cards
    }
)  # fmt: skip
PRODUCTS_TABLE = "products"
#: Rows that belong to one product's page (by `product_id`): a change touches that product only.
#: Its stock and "from" price are on the product row as well; the facets are bumped to be safe.
PRODUCT_PARTS = frozenset({"product_variants", "product_options"})
PART_FACETS = (STOCK, PRICE)
#: Product columns a change of which shows only where that product is shown, and the facet it moves.
PER_PRODUCT_COLUMNS: dict[str, str | None] = {
    "stock": STOCK,
    "price_minor": PRICE,
    "units_sold": SALES,
    "rating_count": RATING,
    "rating_sum": RATING,
    "low_stock_threshold": None,
    "updated_at": None,
}

#: session.info keys: a structural change is pending; the counters of per-product changes pending.
STRUCTURAL = "catalogue_changed"
TOUCHED = "catalogue_touched"


def counters_for(product_ids: Iterable[int], facets: Iterable[str | None] = ()) -> set[str]:
    names = {product_counter(i) for i in product_ids}
    names.update(facet_counter(f) for f in facets if f)
    return names


def touch_products(session: Session, product_ids: Iterable[int], facets: Iterable[str] = FACETS) -> None:
    """These products' pages and cards change when this transaction commits (writes the listeners
    cannot attribute, e.g. text SQL: the listeners bump the catalogue for those anyway)."""
    session.info.setdefault(TOUCHED, set()).update(counters_for(product_ids, facets))


def _structural(session: Session) -> None:
    session.info[STRUCTURAL] = True
    session.info.pop(TOUCHED, None)  # the catalogue bump covers them


# ---------------------------------------------------------------- ORM flushes


def _changed_product_columns(obj) -> set[str] | None:
    """The columns changed on a dirty product, or None when a many-to-one changed (seller, cluster)."""
    state = sa.inspect(obj)
    mapper = state.mapper
    changed: set[str] = set()
    for key in state.committed_state:
        prop = mapper.attrs.get(key)
        if prop is None or not state.attrs[key].history.has_changes():
            continue
        if isinstance(prop, sa.orm.RelationshipProperty):
            if not prop.uselist:
                return None
            continue  # a collection: its rows are flushed (and classified) themselves
        changed.add(key)
    return changed


def _classify_object(session: Session, obj, touched: set[str], dirty: bool) -> bool:
    """Add a flushed object's counters to `touched`; False when the change is structural."""
    table = getattr(type(obj), "__tablename__", None)
    if table not in WATCHED_TABLES:
        return True
    if dirty and not session.is_modified(obj):
        return True
    if table in PRODUCT_PARTS:
        product_id = getattr(obj, "product_id", None)
        if product_id is None:
            return False
        touched.update(counters_for([product_id], PART_FACETS))
        return True
    if table == PRODUCTS_TABLE and dirty and obj.id is not None:
        changed = _changed_product_columns(obj)
        if changed is None or not changed <= PER_PRODUCT_COLUMNS.keys():
            return False
        touched.update(counters_for([obj.id], (PER_PRODUCT_COLUMNS[c] for c in changed)))
        return True
    return False


@event.listens_for(Session, "after_flush")
def _note_flushed_changes(session: Session, flush_context) -> None:
    if session.info.get(STRUCTURAL):
        return
    touched: set[str] = set()
    for objects, dirty in ((session.new, False), (session.deleted, False), (session.dirty, True)):
        for obj in objects:
            if not _classify_object(session, obj, touched, dirty):
                _structural(session)
                return
    if touched:
        session.info.setdefault(TOUCHED, set()).update(touched)


# ---------------------------------------------------------------- bulk statements

_WRITE_SQL = re.compile(
    r"^\s*(?:with\b.*?\)\s*)?(?:update|insert\s+into|delete\s+from)\s+\"?(\w+)",
    re.IGNORECASE | re.DOTALL,
)


def table_of(statement) -> str | None:
    table = getattr(statement, "table", None)
    if table is not None:
        return getattr(table, "name", None)
    if isinstance(statement, sa.TextClause):
        match = _WRITE_SQL.match(statement.text)
        return match.group(1).lower() if match else None
    return None


def _conjuncts(criteria) -> Iterable:
    for criterion in criteria:
        if isinstance(criterion, sa.BooleanClauseList) and criterion.operator is operators.and_:
            yield from _conjuncts(criterion.clauses)
        else:
            yield criterion


def pinned_ids(statement, table: str, column: str) -> set[int] | None:
    """The ids an UPDATE/DELETE's WHERE pins `table.column` to (`= :x` or `IN (…)` AND-ed), or None."""
    for criterion in _conjuncts(getattr(statement, "_where_criteria", ())):
        if not isinstance(criterion, sa.BinaryExpression):
            continue
        left, right = criterion.left, criterion.right
        left_table = getattr(getattr(left, "table", None), "name", None)
        if getattr(left, "name", None) != column or left_table != table:
            continue
        if not isinstance(right, sa.BindParameter) or right.callable is not None:
            continue
        value = right.value
        try:
            if criterion.operator is operators.eq and not right.expanding:
                return {int(value)}
            if criterion.operator is operators.in_op and right.expanding:
                return {int(v) for v in value}
        except (TypeError, ValueError):
            return None
    return None


def _set_columns(statement) -> set[str] | None:
    if getattr(statement, "_multi_values", ()) or getattr(statement, "_ordered_values", None):
        return None
    names = set()
    for key in getattr(statement, "_values", None) or {}:
        name = key if isinstance(key, str) else getattr(key, "key", None) or getattr(key, "name", None)
        if name is None:
            return None
        names.add(name)
    return names


def _classify_statement(state) -> set[str] | None:
    """Counters of a bulk statement on a watched table that touches known products only, else None."""
    statement = state.statement
    if state.parameters:  # executemany / bulk by primary key: rows are in the parameters
        return None
    table = table_of(statement)
    if table == PRODUCTS_TABLE and isinstance(statement, sa.Update):
        columns = _set_columns(statement)
        ids = pinned_ids(statement, PRODUCTS_TABLE, "id")
        if columns and ids is not None and columns <= PER_PRODUCT_COLUMNS.keys():
            return counters_for(ids, (PER_PRODUCT_COLUMNS[c] for c in columns))
    elif table in PRODUCT_PARTS and isinstance(statement, sa.Update | sa.Delete):
        ids = pinned_ids(statement, table, "product_id")
        if ids is not None:
            return counters_for(ids, PART_FACETS)
    return None


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state) -> None:
    # session.execute(update(Product)…), insert(…), delete(…) and text("UPDATE products …").
    if state.is_select or state.session.info.get(STRUCTURAL):
        return
    if table_of(state.statement) not in WATCHED_TABLES:
        return
    touched = _classify_statement(state)
    if touched is None:
        _structural(state.session)
    else:
        state.session.info.setdefault(TOUCHED, set()).update(touched)


# ---------------------------------------------------------------- after the commit


def pending_changes(session: Session) -> tuple[bool, set[str]]:
    """(structural?, per-product counters) of the transaction that just committed, forgotten here."""
    return bool(session.info.pop(STRUCTURAL, False)), session.info.pop(TOUCHED, None) or set()


def forget_changes(session: Session) -> None:
    session.info.pop(STRUCTURAL, None)
    session.info.pop(TOUCHED, None)


# ---------------------------------------------------------------- products a render loaded


def watch_product_loads(on_load) -> None:
    """Call `on_load(product_id)` whenever the ORM loads or refreshes a product (any session).

    Registered on the products mapper when it is configured, without importing the catalogue.
    """

    def loaded(target, context, *args) -> None:
        on_load(target.id)

    @event.listens_for(Mapper, "mapper_configured")
    def _attach(mapper, cls) -> None:
        if getattr(cls, "__tablename__", None) == PRODUCTS_TABLE and mapper.inherits is None:
            event.listen(cls, "load", loaded)
            event.listen(cls, "refresh", loaded)
