"""The full-text index over products.search_text: FTS5 on SQLite, a stored tsvector + GIN on PostgreSQL.

Both are created with the products table (metadata events, used by tests' create_all) and by the
initial migration, which calls `create_search_index_sql` so the two can never drift apart.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.catalogue.models import Cluster, Product, Region
from marketplace.seller.models import Seller

SQLITE_STATEMENTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS products_fts USING fts5("
    "search_text, content='products', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS products_fts_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO products_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS products_fts_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER IF NOT EXISTS products_fts_au AFTER UPDATE OF search_text ON products BEGIN "
    "INSERT INTO products_fts(products_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO products_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
)
#: The titles alone (both languages), trigram-tokenized: "which products have this word in a
#: title?" without reading every match of a word most descriptions hold. Trigrams match any
#: substring of 3+ letters, case-folded - every title the search's own LIKE test
#: (`search._title_hits`) finds, and a few more it then rejects - so relevance stays as it was.
SQLITE_TITLE_STATEMENTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS products_title_fts USING fts5("
    "title_id, title_en, content='products', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS products_title_fts_ai AFTER INSERT ON products BEGIN "
    "INSERT INTO products_title_fts(rowid, title_id, title_en) "
    "VALUES (new.id, new.title_id, new.title_en); END",
    "CREATE TRIGGER IF NOT EXISTS products_title_fts_ad AFTER DELETE ON products BEGIN "
    "INSERT INTO products_title_fts(products_title_fts, rowid, title_id, title_en) "
    "VALUES ('delete', old.id, old.title_id, old.title_en); END",
    "CREATE TRIGGER IF NOT EXISTS products_title_fts_au AFTER UPDATE OF title_id, title_en ON products BEGIN "
    "INSERT INTO products_title_fts(products_title_fts, rowid, title_id, title_en) "
    "VALUES ('delete', old.id, old.title_id, old.title_en); "
    "INSERT INTO products_title_fts(rowid, title_id, title_en) "
    "VALUES (new.id, new.title_id, new.title_en); END",
)
SQLITE_TITLE_DROP = (
    "DROP TRIGGER IF EXISTS products_title_fts_au",
    "DROP TRIGGER IF EXISTS products_title_fts_ad",
    "DROP TRIGGER IF EXISTS products_title_fts_ai",
    "DROP TABLE IF EXISTS products_title_fts",
)
SQLITE_STATEMENTS += SQLITE_TITLE_STATEMENTS
SQLITE_DROP = SQLITE_TITLE_DROP + (
    "DROP TRIGGER IF EXISTS products_fts_au",
    "DROP TRIGGER IF EXISTS products_fts_ad",
    "DROP TRIGGER IF EXISTS products_fts_ai",
    "DROP TABLE IF EXISTS products_fts",
)
# PostgreSQL: a stored tsvector beside the row, titles weighted A and everything searchable (which
# repeats the titles) weighted B, with a GIN index on it. Stored, not an index expression, so a
# query can test rows it walks in date order and ask "is this word in a title?" (`word:A`) without
# re-parsing the text of each row. Created here rather than in the model so the model stays
# portable; Alembic's compare ignores it (`include_in_migrations`).
# 'simple' config: no stemming, so Indonesian and English words both match as written.
POSTGRES_SEARCH_VECTOR = "search_vector"
#: The titles' words alone (exactly the weight-A part of search_vector), GIN-indexed, so "which
#: products have this word in a title?" is an index lookup even for a word most descriptions hold.
POSTGRES_TITLE_VECTOR = (
    "to_tsvector('simple'::regconfig,"
    " coalesce(products.title_id, '') || ' ' || coalesce(products.title_en, ''))"
)
POSTGRES_TITLE_INDEX_SQL = (
    "CREATE INDEX IF NOT EXISTS ix_products_search_title ON products USING gin ("
    "(to_tsvector('simple'::regconfig, coalesce(title_id, '') || ' ' || coalesce(title_en, ''))))"
)
POSTGRES_STATEMENTS = (
    "ALTER TABLE products ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, coalesce(title_id, '') || ' ' || coalesce(title_en, '')),"
    " 'A')"
    " || setweight(to_tsvector('simple'::regconfig, coalesce(search_text, '')), 'B')) STORED",
    "CREATE INDEX IF NOT EXISTS ix_products_search ON products USING gin (search_vector)",
    POSTGRES_TITLE_INDEX_SQL,
)
POSTGRES_DROP = (
    "DROP INDEX IF EXISTS ix_products_search_title",
    "DROP INDEX IF EXISTS ix_products_search",
    "ALTER TABLE products DROP COLUMN IF EXISTS search_vector",
)

#: The FTS5 tables and the shadow tables the module creates beside them; schema comparisons ignore them.
SQLITE_SHADOW_TABLES = frozenset(
    f"{table}{suffix}"
    for table in ("products_fts", "products_title_fts")
    for suffix in ("", "_data", "_idx", "_docsize", "_config", "_content")
)


def create_search_index_sql(dialect_name: str) -> tuple[str, ...]:
    if dialect_name == "sqlite":
        return SQLITE_STATEMENTS
    if dialect_name == "postgresql":
        return POSTGRES_STATEMENTS
    return ()


def drop_search_index_sql(dialect_name: str) -> tuple[str, ...]:
    if dialect_name == "sqlite":
        return SQLITE_DROP
    if dialect_name == "postgresql":
        return POSTGRES_DROP
    return ()


@event.listens_for(Product.__table__, "after_create")
def _create_index(target, connection, **kw):
    for statement in create_search_index_sql(connection.dialect.name):
        connection.exec_driver_sql(statement)


@event.listens_for(Product.__table__, "before_drop")
def _drop_index(target, connection, **kw):
    for statement in drop_search_index_sql(connection.dialect.name):
        connection.exec_driver_sql(statement)


def build_search_text(product: Product, session: Session) -> str:
    """Everything a buyer might type to find this product, in both languages."""
    with session.no_autoflush:
        seller = product.seller or (session.get(Seller, product.seller_id) if product.seller_id else None)
        cluster = product.cluster or (
            session.get(Cluster, product.cluster_id) if product.cluster_id else None
        )
        village: Region | None = None
        if seller is not None:
            village = seller.village or (
                session.get(Region, seller.village_id) if seller.village_id else None
            )
    parts = [
        product.title_id,
        product.title_en,
        product.description_id,
        product.description_en,
        seller.name if seller else "",
        village.name if village else "",
        cluster.name_id if cluster else "",
        cluster.name_en if cluster else "",
    ]
    return "\n".join(p for p in parts if p)


@event.listens_for(Session, "before_flush")
def _refresh_search_text(session: Session, flush_context, instances) -> None:
    session.info.pop(_VILLAGE_LATER, None)  # left by a flush that failed
    for obj in list(session.new) + list(session.dirty):
        if isinstance(obj, Product) and (obj in session.new or _text_changed(obj)):
            text = build_search_text(obj, session)
            if text != obj.search_text:
                obj.search_text = text
            _copy_village(obj, session)


#: Session.info key: products whose seller's desa has no id before the flush (a new region).
_VILLAGE_LATER = "search_index.village_later"


def _copy_village(product: Product, session: Session) -> None:
    """`Product.village_id` from its seller, in the INSERT or UPDATE the flush writes anyway."""
    with session.no_autoflush:
        # By id first: a product moved to another seller may still hold the old one's object.
        seller = session.get(Seller, product.seller_id) if product.seller_id else product.seller
    if seller is None:
        return
    village_id = seller.village_id
    if village_id is None and seller.village is not None:  # a new seller: its FK is set at the flush
        village_id = seller.village.id
        if village_id is None:  # a new region too: its id comes with the flush
            session.info.setdefault(_VILLAGE_LATER, []).append(product)
            return
    if product.village_id != village_id:
        product.village_id = village_id


@event.listens_for(Session, "after_flush")
def _follow_moved_shops(session: Session, flush_context) -> None:
    """A shop that moved to another desa moves its products' `village_id` in the same flush (one
    UPDATE per moved shop; loaded products get the value without being marked changed)."""
    table = Product.__table__
    later = session.info.pop(_VILLAGE_LATER, [])
    moved = [
        obj
        for obj in session.dirty
        if isinstance(obj, Seller)
        and (
            sa.inspect(obj).attrs.village_id.history.has_changes()
            or sa.inspect(obj).attrs.village.history.has_changes()
        )
    ]
    _rebuild_text_of_renamed(session)
    if not later and not moved:
        return
    connection = session.connection()
    for product in later:
        if product.id is None:
            continue
        village_id = product.seller.village_id
        connection.execute(sa.update(table).where(table.c.id == product.id).values(village_id=village_id))
        set_committed_value(product, "village_id", village_id)
    for seller in moved:
        connection.execute(
            sa.update(table).where(table.c.seller_id == seller.id).values(village_id=seller.village_id)
        )
        for obj in list(session.identity_map.values()):
            if isinstance(obj, Product) and obj.seller_id == seller.id:
                set_committed_value(obj, "village_id", seller.village_id)


def _changed(obj, *names: str) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _search_text_sql() -> sa.ColumnElement[str]:
    """`build_search_text` as SQL over a products row: the same parts, empty ones skipped, joined
    by newlines (each present part gets a leading newline; the first one is cut off)."""
    products = Product.__table__
    sellers = Seller.__table__
    regions = Region.__table__
    clusters = Cluster.__table__
    of_seller = sellers.c.id == products.c.seller_id
    parts = [
        products.c.title_id,
        products.c.title_en,
        products.c.description_id,
        products.c.description_en,
        sa.select(sellers.c.name).where(of_seller).scalar_subquery(),
        sa.select(regions.c.name)
        .select_from(sellers.join(regions, regions.c.id == sellers.c.village_id))
        .where(of_seller)
        .scalar_subquery(),
        sa.select(clusters.c.name_id).where(clusters.c.id == products.c.cluster_id).scalar_subquery(),
        sa.select(clusters.c.name_en).where(clusters.c.id == products.c.cluster_id).scalar_subquery(),
    ]
    joined = None
    for part in parts:
        piece = sa.func.coalesce(sa.literal("\n", sa.Text) + sa.func.nullif(part, ""), "")
        joined = piece if joined is None else joined + piece
    return sa.func.substr(joined, 2, type_=sa.Text)


def _rebuild_text_of_renamed(session: Session) -> None:
    """Products whose search text names something changed in this flush - a shop renamed or moved
    to another desa, a desa or a cluster renamed - get it rebuilt by one UPDATE in the same flush.
    The indexes follow the column: SQLite's FTS5 trigger, PostgreSQL's generated tsvector."""
    sellers, regions, clusters = set(), set(), set()
    for obj in session.dirty:
        if isinstance(obj, Seller):
            if obj.id is not None and _changed(obj, "name", "village_id", "village"):
                sellers.add(obj.id)
        elif isinstance(obj, Region):
            if obj.id is not None and _changed(obj, "name"):
                regions.add(obj.id)
        elif isinstance(obj, Cluster):
            if obj.id is not None and _changed(obj, "name_id", "name_en"):
                clusters.add(obj.id)
    if not (sellers or regions or clusters):
        return
    products = Product.__table__
    conditions = []
    if sellers:
        conditions.append(products.c.seller_id.in_(sorted(sellers)))
    if regions:
        in_region = sa.select(Seller.__table__.c.id).where(Seller.__table__.c.village_id.in_(sorted(regions)))
        conditions.append(products.c.seller_id.in_(in_region))
    if clusters:
        conditions.append(products.c.cluster_id.in_(sorted(clusters)))
    where = sa.or_(*conditions)
    session.connection().execute(sa.update(products).where(where).values(search_text=_search_text_sql()))
    # Loaded products read the new text on their next access (without being marked changed).
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Product) and (
            obj.seller_id in sellers or obj.cluster_id in clusters or (regions and obj.village_id in regions)
        ):
            session.expire(obj, ["search_text"])


def rebuild_stale_search_text(session: Session) -> int:
    """Rewrite the search text of every product whose stored text differs from what its titles,
    descriptions, shop, desa and cluster say now; returns how many. For rows written before shops'
    and desa's renames were followed (or by raw SQL): only the stale rows are written."""
    products = Product.__table__
    fresh = _search_text_sql()
    result = session.connection().execute(
        sa.update(products).where(products.c.search_text.is_distinct_from(fresh)).values(search_text=fresh)
    )
    session.expire_all()
    return result.rowcount


_TEXT_FIELDS = ("title_id", "title_en", "description_id", "description_en", "seller_id", "cluster_id")


def _text_changed(product: Product) -> bool:
    state = sa.inspect(product)
    return any(state.attrs[name].history.has_changes() for name in _TEXT_FIELDS)


#: Indexes created by hand-written SQL (here, and labels.label_codes' GIN over products.label_codes).
_HAND_WRITTEN_INDEXES = ("ix_products_search", "ix_products_search_title", "ix_products_label_codes")


def include_in_migrations(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: the search index is created by hand-written SQL, not autogenerate."""
    if type_ == "table" and name in SQLITE_SHADOW_TABLES:
        return False
    if type_ == "index" and name in _HAND_WRITTEN_INDEXES:
        return False
    if type_ == "column" and name == POSTGRES_SEARCH_VECTOR and parent_names.get("table_name") == "products":
        return False
    return True
