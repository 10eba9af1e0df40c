"""Which cached entries a committed write affects, told from the write itself.

Writes are noticed in ORM flushes (`session.new/dirty/deleted`, with each object's attribute
history) and in `session.execute()` of insert/update/delete/text SQL; after the commit they bump:

- a product's *page* counter `p:<id>`, when the write only changed what that product's pages and
  cards show: its stock, price, "N sold" and rating counters, low-stock threshold, `updated_at`, and
  its variants and options. A bulk `UPDATE products` counts as such when it sets only those columns
  and its WHERE pins the rows (`products.id = :id` or `products.id IN (…)` among its AND-ed
  conditions; `product_id` for variants and options) — the conditional stock UPDATEs of
  marketplace.stock are exactly that, so the stock domain needs no call of its own (except for
  its one-statement form on PostgreSQL, a SELECT with data-modifying CTEs: `stock_moved`);
- its *card* counter `c:<id>` as well when a card changes: a price, "N sold" or rating change, a
  variant, or stock that runs out or comes back (the product's total, or one size's: a card's "In
  stock" counts only sizes buyers can choose, `Product.has_offered_stock`). A card says "In stock"
  or "Out of stock", never how many (tests/infra/test_cache_invalidation.py holds it to that), so an
  order that leaves units changes the product's own page only. Whether stock crossed zero: from the
  attribute history for ORM writes; for a bulk `stock = stock ± :n` on one pinned row that returns
  the new stock (`RETURNING products.stock`, as marketplace.stock's do), from that value (old = new
  − n: no read of its own); without RETURNING, the deltas the database applied (rowcount 1) are
  summed and the product's stock is read once before the commit, in the transaction that holds its
  row (old = new − sum); any other form of stock write counts as crossing;
- the facet counters of what changed (`f:price`, `f:sales`, `f:rating`; `f:stock` when stock
  crossed zero), for the listings that filter or sort on it;
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
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.sql import operators

from marketplace.cache.store import card_counter, facet_counter, product_counter
from marketplace.extensions import db

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
VARIANTS_TABLE = "product_variants"
#: Rows that belong to one product's page (by `product_id`): a change touches that product only.
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
#: Of those, the ones no card shows (stock only as "in stock or not": a crossing of zero).
PAGE_ONLY_COLUMNS = frozenset({"stock", "low_stock_threshold", "updated_at"})
STOCK_COLUMN = "stock"

#: session.info keys: a structural change is pending; the counters of per-product changes pending;
#: {product id: units added by applied bulk stock UPDATEs} not yet checked for crossing zero.
STRUCTURAL = "catalogue_changed"
TOUCHED = "catalogue_touched"
STOCK_DELTAS = "catalogue_stock_deltas"


def counters_for(
    product_ids: Iterable[int], facets: Iterable[str | None] = (), *, cards: bool = True
) -> set[str]:
    """Page counters of the products (and their card counters with `cards`), and facet counters."""
    ids = list(product_ids)
    names = {product_counter(i) for i in ids}
    if cards:
        names.update(card_counter(i) for i in ids)
    names.update(facet_counter(f) for f in facets if f)
    return names


def card_counters(product_ids: Iterable[int], facets: Iterable[str | None] = ()) -> set[str]:
    """What a page that shows these products as cards depends on."""
    names = {card_counter(i) for i in product_ids}
    names.update(facet_counter(f) for f in facets if f)
    return names


def touch_products(session: Session, product_ids: Iterable[int], facets: Iterable[str] = FACETS) -> None:
    """These products' pages and cards change when this transaction commits: for writes in it that
    the listeners do not see (SQL on the session's raw connection)."""
    _touch(session, counters_for(product_ids, facets))


def _touch(session: Session, counters: set[str]) -> None:
    session.info.setdefault(TOUCHED, set()).update(counters)


def stock_moved(
    session: Session, *, product_id: int, new_stock: int, delta: int, variant_stock: int | None = None
) -> None:
    """A product's total and one of its variants moved by `delta` (now `new_stock`, the variant's
    `variant_stock`) in a statement the listeners cannot read (marketplace.stock's one-statement
    form on PostgreSQL, a SELECT with data-modifying CTEs): the counters its two UPDATEs would
    have touched."""
    if session.info.get(STRUCTURAL):
        return
    columns = {STOCK_COLUMN, "updated_at"}
    crossed = _crossing(new_stock, delta) or (variant_stock is not None and _crossing(variant_stock, delta))
    _touch(session, _product_counters(product_id, columns, crossed))


def _structural(session: Session) -> None:
    session.info[STRUCTURAL] = True
    session.info.pop(TOUCHED, None)  # the catalogue bump covers them
    session.info.pop(STOCK_DELTAS, None)


def _product_counters(product_id: int, columns: set[str], stock_crossed: bool) -> set[str]:
    """Counters of a product whose `columns` (all in PER_PRODUCT_COLUMNS) changed."""
    card = stock_crossed or not columns <= PAGE_ONLY_COLUMNS
    facets = [PER_PRODUCT_COLUMNS[c] for c in columns if c != STOCK_COLUMN]
    if stock_crossed:
        facets.append(STOCK)
    return counters_for([product_id], facets, cards=card)


# ---------------------------------------------------------------- ORM flushes


def _changed_product_columns(obj) -> tuple[set[str], bool] | None:
    """(columns changed on a dirty product, whether its stock crossed zero); None when a many-to-one
    changed (seller, cluster)."""
    state = sa.inspect(obj)
    mapper = state.mapper
    changed: set[str] = set()
    crossed = False
    for key in state.committed_state:
        prop = mapper.attrs.get(key)
        if prop is None:
            continue
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        if isinstance(prop, sa.orm.RelationshipProperty):
            if not prop.uselist:
                return None
            continue  # a collection: its rows are flushed (and classified) themselves
        changed.add(key)
        if key == STOCK_COLUMN:
            crossed = _crossed(history)
    return changed, crossed


def _crossed(history) -> bool:
    """Whether an attribute change took the stock from some to none or back (True when unknown)."""
    old = history.deleted[0] if history.deleted else None
    new = history.added[0] if history.added else None
    if not isinstance(old, int) or not isinstance(new, int):
        return True  # never loaded, or set to a SQL expression
    return (old > 0) != (new > 0)


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
        found = _changed_product_columns(obj)
        if found is None or not found[0] <= PER_PRODUCT_COLUMNS.keys():
            return False
        touched.update(_product_counters(obj.id, *found))
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
        _touch(session, touched)


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


def _column_name(key) -> str | None:
    return key if isinstance(key, str) else getattr(key, "key", None) or getattr(key, "name", None)


def _stock_delta(statement) -> int | None:
    """n of `SET stock = stock + :n` (or `- :n`), or None for any other form."""
    for key, value in (getattr(statement, "_values", None) or {}).items():
        if _column_name(key) != STOCK_COLUMN:
            continue
        if not isinstance(value, sa.BinaryExpression) or not isinstance(value.right, sa.BindParameter):
            return None
        amount = value.right.value
        if getattr(value.left, "name", None) != STOCK_COLUMN or value.right.callable is not None:
            return None
        if not isinstance(amount, int) or isinstance(amount, bool):
            return None
        if value.operator is operators.add:
            return amount
        if value.operator is operators.sub:
            return -amount
        return None
    return None


def _bulk_products_update(state):
    """A bulk UPDATE of products: per product if it can be read as such, else structural.

    A stock change of one pinned row is run here, so that its delta counts only when the database
    applied it (a conditional UPDATE that matched no row changed nothing).
    """
    statement, session = state.statement, state.session
    columns = _set_columns(statement)
    ids = pinned_ids(statement, PRODUCTS_TABLE, "id")
    if not columns or ids is None or not columns <= PER_PRODUCT_COLUMNS.keys():
        _structural(session)
        return None
    if STOCK_COLUMN not in columns:
        _touch(session, set().union(*(_product_counters(i, columns, False) for i in ids)))
        return None
    delta = _stock_delta(statement)
    if delta is None or len(ids) != 1:
        _touch(session, set().union(*(_product_counters(i, columns, True) for i in ids)))
        return None
    (product_id,) = ids
    result = state.invoke_statement()
    if _returns_stock(statement):
        # The new stock came back with the UPDATE: whether it crossed zero is known now, and the
        # caller reads the same rows from a copy of the result.
        frozen = result.freeze()
        rows = frozen().all()
        if rows:
            crossed = _crossing(rows[0][0], delta)
            _touch(session, _product_counters(product_id, columns, crossed))
        return frozen()
    if result.rowcount:
        deltas = session.info.setdefault(STOCK_DELTAS, {})
        deltas[product_id] = deltas.get(product_id, 0) + delta
        _touch(session, _product_counters(product_id, columns, False))  # the card: before the commit
    return result


def _returns_stock(statement, table_name: str = PRODUCTS_TABLE) -> bool:
    """Whether an UPDATE of products (or `table_name`) returns exactly its new `stock`
    (`RETURNING products.stock`)."""
    returning = getattr(statement, "_returning", ())
    if len(returning) != 1:
        return False
    column = returning[0]
    table = getattr(getattr(column, "table", None), "name", None)
    return getattr(column, "name", None) == STOCK_COLUMN and table == table_name


def _bulk_part_write(state):
    statement = state.statement
    ids = pinned_ids(statement, table_of(statement), "product_id")
    if ids is None:
        _structural(state.session)
    elif _set_columns(statement) == {STOCK_COLUMN}:
        delta = _stock_delta(statement)
        if delta is not None and len(ids) == 1 and _returns_stock(statement, VARIANTS_TABLE):
            # One size's `stock = stock ± n` returning its new stock (marketplace.stock's): run here
            # so that a size running out or coming back counts, as the product's total does. The
            # card may rest on it with the total still above zero (`Product.has_offered_stock`:
            # the other sizes' units may all be in variants that cannot be ordered).
            frozen = state.invoke_statement().freeze()
            rows = frozen().all()
            if rows:
                crossed = _crossing(rows[0][0], delta)
                _touch(state.session, counters_for(ids, (STOCK,) if crossed else (), cards=crossed))
            return frozen()
        # A size's units: its product's page (the size picker); the card follows the product row.
        _touch(state.session, counters_for(ids, cards=False))
    else:
        _touch(state.session, counters_for(ids, PART_FACETS))
    return None


@event.listens_for(Session, "do_orm_execute")
def _note_bulk_writes(state):
    # session.execute(update(Product)…), insert(…), delete(…) and text("UPDATE products …").
    if state.is_select or state.session.info.get(STRUCTURAL):
        return None
    statement = state.statement
    table = table_of(statement)
    if table not in WATCHED_TABLES:
        return None
    if state.parameters:  # executemany / bulk by primary key: the rows are in the parameters
        _structural(state.session)
    elif table == PRODUCTS_TABLE and isinstance(statement, sa.Update):
        return _bulk_products_update(state)
    elif table in PRODUCT_PARTS and isinstance(statement, sa.Update | sa.Delete):
        return _bulk_part_write(state)
    else:
        _structural(state.session)
    return None


_PRODUCT_STOCK = sa.table(PRODUCTS_TABLE, sa.column("id"), sa.column(STOCK_COLUMN))


@event.listens_for(Session, "before_commit")
def _check_stock_crossings(session: Session) -> None:
    """Products whose stock bulk UPDATEs moved: did it run out or come back? One read, in the
    transaction that holds their rows, before the commit (and before each SAVEPOINT's release)."""
    deltas = session.info.pop(STOCK_DELTAS, None)
    if not deltas or session.info.get(STRUCTURAL) or not _tracking():
        return
    table = _PRODUCT_STOCK
    rows = session.execute(sa.select(table.c.id, table.c.stock).where(table.c.id.in_(sorted(deltas)))).all()
    found = {row[0]: row[1] for row in rows}
    crossed = [pid for pid, delta in deltas.items() if _crossing(found.get(pid), delta)]
    if crossed:
        _touch(session, counters_for(crossed, (STOCK,)))


def _tracking() -> bool:
    """Whether this app bumps counters at all (not in tests that leave the page cache off)."""
    cache = current_app.extensions.get("page_cache") if has_app_context() else None
    return cache is not None and cache.track_writes


def _crossing(new: int | None, delta: int) -> bool:
    if new is None:
        return True
    return (new - delta > 0) != (new > 0)


# ---------------------------------------------------------------- after the commit


def pending_changes(session: Session) -> tuple[bool, set[str]]:
    """(structural?, per-product counters) of the transaction that just committed, forgotten here."""
    session.info.pop(STOCK_DELTAS, None)
    return bool(session.info.pop(STRUCTURAL, False)), session.info.pop(TOUCHED, None) or set()


def forget_changes(session: Session) -> None:
    session.info.pop(STRUCTURAL, None)
    session.info.pop(TOUCHED, None)
    session.info.pop(STOCK_DELTAS, None)


def savepoint_rolled_back(session: Session) -> None:
    """Stock deltas counted inside a SAVEPOINT that rolled back were undone: whether their products
    crossed zero is not known any more, so their cards count as changed."""
    deltas = session.info.pop(STOCK_DELTAS, None)
    if deltas:
        _touch(session, counters_for(deltas, (STOCK,)))


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

    for mapper in db.Model.registry.mappers:  # configured before this module was imported
        if mapper.configured:
            _attach(mapper, mapper.class_)
