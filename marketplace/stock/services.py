"""Stock writes: reserve, release, sell, adjust, set and return units, each with a ledger row.

Stock only ever changes through `_move_stock`: a conditional UPDATE of the variant whose WHERE
clause the database evaluates under its own row lock (so two buyers, in any number of processes,
can never both take the last unit of a size), the product's total (`Product.stock`, the sum of its
variants') moved in the same transaction, plus one StockMovement row naming the variant. Every write here
flushes only; the view, CLI command or webhook commits once.

Orders are passed in as objects (`order.id`, `order.number`, `order.lines`); this domain sits
below orders and imports nothing from it.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from marketplace import signals
from marketplace.cache.invalidation import stock_moved
from marketplace.catalogue.models import Product, ProductStatus, ProductVariant
from marketplace.catalogue.variants import find_variant
from marketplace.errors import Conflict, NotFound, OutOfStock, ValidationError
from marketplace.i18n import message as _l
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.types import utcnow

#: Most units one product can hold (a typo guard for hand-entered stock).
MAX_STOCK = 1_000_000


def _move_stock(
    session: Session,
    product_id: int,
    variant_id: int,
    delta: int,
    *,
    kind: StockMovementKind,
    reason: str,
    now: datetime,
    conditions: Iterable[sa.ColumnElement[bool]] = (),
    product_conditions: Iterable[sa.ColumnElement[bool]] = (),
    order_id: int | None = None,
    actor_id: int | None = None,
    ledger: list[dict] | None = None,
    reserving: bool = False,
) -> bool:
    """Add `delta` units to the variant (and to its product's total) if `conditions` (on the
    variant) and `product_conditions` hold in the database, and ledger it (into `ledger`, when
    given, for the caller to insert with the others in one statement; else as a StockMovement
    added to the session).

    Two conditional UPDATEs in one transaction (skipped for a delta of 0, a ledger-only row such
    as SALE): the product row first, so every writer of a product takes its row lock before any of
    its variants' and two checkouts of different variants of one product queue instead of
    deadlocking; then the variant row, whose WHERE clause decides (on PostgreSQL both in one
    statement, `_move_both_in_one`). Returns False, writing nothing, when the database refused
    either. Loaded `stock` attributes are expired. `reserving`: `_reserve`'s own conditions
    (`_move_both_in_one`).
    """
    if delta:
        postgresql = session.get_bind().dialect.name == "postgresql"
        if postgresql and reserving:
            product_where = []  # the reservation's statement holds these conditions, bound
        else:
            product_where = [Product.id == product_id, *product_conditions]
            if delta < 0:
                product_where.append(Product.stock + delta >= 0)
        if postgresql:
            if not _move_both_in_one(
                session, product_id, variant_id, delta, product_where, conditions, reserving=reserving
            ):
                return False
        elif not _move_both(session, product_id, variant_id, delta, product_where, conditions):
            return False
    row = {
        "product_id": product_id,
        "variant_id": variant_id,
        "kind": kind,
        "quantity_delta": delta,
        "order_id": order_id,
        "actor_id": actor_id,
        "reason": reason[:200],
        "created_at": now,
    }
    if ledger is not None:
        ledger.append(row)
    else:
        session.add(StockMovement(**row))
    if delta:
        for key in (identity_key(Product, product_id), identity_key(ProductVariant, variant_id)):
            loaded = session.identity_map.get(key)
            if loaded is not None:
                session.expire(loaded, ["stock"])
    if delta > 0:
        signals.stock_added.send(
            session=session, product_id=product_id, variant_id=variant_id, delta=delta, now=now
        )
    return True


def _move_both(session, product_id, variant_id, delta, product_where, conditions) -> bool:
    """The product's then the variant's conditional UPDATE, two statements (SQLite)."""
    # RETURNING the new total: the page cache tells from it whether the product ran out or
    # came back (cache.invalidation), without reading the row again before the commit.
    result = session.execute(
        sa.update(Product)
        .where(*product_where)
        .values(stock=Product.stock + delta)
        .returning(Product.stock)
        .execution_options(synchronize_session=False)
    )
    if result.first() is None:
        return False
    # RETURNING the variant's new stock too: a size running out or coming back can change what the
    # product's card says while its total stays above zero (`Product.has_offered_stock`).
    result = session.execute(
        sa.update(ProductVariant)
        .where(ProductVariant.id == variant_id, ProductVariant.product_id == product_id, *conditions)
        .values(stock=ProductVariant.stock + delta)
        .returning(ProductVariant.stock)
        .execution_options(synchronize_session=False)
    )
    if result.first() is None:
        _put_back_total(session, product_id, delta)
        return False
    return True


def _put_back_total(session, product_id, delta) -> None:
    """Undo the product's total moved before its variant refused, under the row lock this
    transaction still holds."""
    session.execute(
        sa.update(Product)
        .where(Product.id == product_id)
        .values(stock=Product.stock - delta)
        .execution_options(synchronize_session=False)
    )


def _move_both_in_one(
    session, product_id, variant_id, delta, product_where, conditions, *, reserving: bool = False
) -> bool:
    """`_move_both` in one statement (PostgreSQL): the variant's UPDATE, a data-modifying CTE,
    runs only if the product's matched (`EXISTS`), so it reads, and so locks, the product row
    first — the same lock order as every other stock writer. A CTE always runs to completion, so
    a refused variant leaves the product's total moved: it is put back as in `_move_both`.

    `reserving` (a checkout's reservation, whose conditions `_reserve` gives): the statement
    built once with bound parameters (`_reservation_statement`), not per line.

    The page cache's listeners do not read a SELECT: its counters are told here, from the new
    total the statement returns, as they would have been from the two UPDATEs.
    """
    now = utcnow()
    if reserving:
        statement = _reservation_statement()
        params = {"move_product": product_id, "move_variant": variant_id, "move_delta": delta}
        params["move_now"] = now
    else:
        statement = _stock_statement(product_id, variant_id, delta, product_where, conditions, now)
        params = {}
    new_stock, variants, variant_stock = session.execute(statement, params).one()
    if new_stock is None:
        return False
    if variants != 1:
        _put_back_total(session, product_id, delta)
        return False
    stock_moved(session, product_id=product_id, new_stock=new_stock, delta=delta, variant_stock=variant_stock)
    return True


def _stock_statement(product_id, variant_id, delta, product_where, conditions, now) -> sa.Select:
    """SELECT (the product's new total, variants moved, the variant's new stock) over the two
    UPDATEs as CTEs."""
    moved_product = (
        sa.update(_PRODUCTS)
        .where(*product_where)
        # Set here: a CTE's UPDATE gets no Python-side `onupdate` value from SQLAlchemy.
        .values(stock=_PRODUCTS.c.stock + delta, updated_at=now)
        .returning(_PRODUCTS.c.stock)
        .cte("moved_product")
    )
    moved_variant = (
        sa.update(_VARIANTS)
        .where(
            _VARIANTS.c.id == variant_id,
            _VARIANTS.c.product_id == product_id,
            *conditions,
            sa.exists(sa.select(moved_product.c.stock)),
        )
        .values(stock=_VARIANTS.c.stock + delta)
        .returning(_VARIANTS.c.id, _VARIANTS.c.stock)
        .cte("moved_variant")
    )
    return sa.select(
        sa.select(moved_product.c.stock).scalar_subquery(),
        sa.select(sa.func.count()).select_from(moved_variant).scalar_subquery(),
        sa.select(sa.func.max(moved_variant.c.stock)).scalar_subquery(),
    )


@cache
def _reservation_statement() -> sa.Select:
    """`_stock_statement` with `_reserve`'s conditions (an active product, the variant holding
    the units: delta = −quantity), its values bound at execution."""
    product_id = sa.bindparam("move_product", type_=sa.Integer)
    delta = sa.bindparam("move_delta", type_=sa.Integer)
    return _stock_statement(
        product_id,
        sa.bindparam("move_variant", type_=sa.Integer),
        delta,
        (
            _PRODUCTS.c.id == product_id,
            _PRODUCTS.c.status == ProductStatus.ACTIVE,
            _PRODUCTS.c.stock + delta >= 0,
        ),
        (_VARIANTS.c.stock + delta >= 0,),
        sa.bindparam("move_now", type_=_PRODUCTS.c.updated_at.type),
    )


_PRODUCTS = Product.__table__
_VARIANTS = ProductVariant.__table__


def _line_variant_id(session: Session, line) -> int | None:
    """The variant an order line took units from; for a line written without one (older code
    paths), the product's only variant; None when there is nothing to give back to."""
    if line.product_id is None:
        return None
    if getattr(line, "variant_id", None) is not None:
        return line.variant_id
    ids = session.scalars(
        sa.select(ProductVariant.id).where(ProductVariant.product_id == line.product_id).limit(2)
    ).all()
    return ids[0] if len(ids) == 1 else None


def _variant_to_change(session: Session, product: Product, variant: ProductVariant | None) -> ProductVariant:
    """The variant a stock change names, or the product's only one (ValidationError when it has
    several and none was chosen, or the variant is another product's)."""
    if variant is not None:
        if variant.product_id != product.id:
            raise NotFound(str(_l("Product not found.")))
        return variant
    found = find_variant(session, product, None)
    if found is None:
        raise ValidationError(str(_l("Choose which variant's stock changes.")), field="variant_id")
    return found


def reserve_stock(
    session: Session, product: Product, quantity: int, *, order, now: datetime, variant_id: int | None = None
) -> None:
    """Take `quantity` units of the variant (None: the product's only one) for `order` if (and
    only if) the database still has them (OutOfStock)."""
    _reserve(session, product, quantity, order=order, now=now, variant_id=variant_id, ledger=None)


def reserve_order_stock(
    session: Session, lines: Iterable[tuple[Product, int, int | None]], *, order, now: datetime
) -> None:
    """`reserve_stock` for each (product, quantity, variant id) of a new order, in the order given
    (the caller's lock order); their RESERVE ledger rows are written by one INSERT at the end,
    without an ORM flush (nothing in the request reads them back as objects). OutOfStock at the
    first line the database refuses: the caller rolls back."""
    ledger: list[dict] = []
    for product, quantity, variant_id in lines:
        _reserve(session, product, quantity, order=order, now=now, variant_id=variant_id, ledger=ledger)
    if ledger:
        session.execute(_INSERT_MOVEMENTS, ledger)


#: A plain Core INSERT of ledger rows (built once: its compiled form is cached).
_INSERT_MOVEMENTS = sa.insert(StockMovement.__table__)


def _reserve(
    session: Session,
    product: Product,
    quantity: int,
    *,
    order,
    now: datetime,
    variant_id: int | None,
    ledger: list[dict] | None,
) -> None:
    variant = find_variant(session, product, variant_id)
    if variant is None or not _move_stock(
        session,
        product.id,
        variant.id,
        -quantity,
        kind=StockMovementKind.RESERVE,
        reason=f"order {order.number}",
        now=now,
        conditions=(ProductVariant.stock >= quantity,),
        product_conditions=(Product.status == ProductStatus.ACTIVE,),
        order_id=order.id,
        ledger=ledger,
        reserving=True,  # these very conditions, in a statement built once (PostgreSQL)
    ):
        raise OutOfStock(
            str(
                _l(
                    "Sorry, “%(title)s” does not have %(quantity)d left in stock.",
                    title=product.title_id,
                    quantity=quantity,
                )
            )
        )


def release_order_stock(
    session: Session,
    order,
    *,
    kind: StockMovementKind,
    reason: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Give an order's reserved units back (runs once per order: callers claim the order first)."""
    targets = [(line, _line_variant_id(session, line)) for line in order.lines]
    # Products in id order, then variants: the same lock order as checkout's.
    for line, variant_id in sorted(targets, key=lambda t: (t[0].product_id or 0, t[1] or 0)):
        if variant_id is None:  # product or variant deleted since: nothing to give back to
            continue
        _move_stock(
            session,
            line.product_id,
            variant_id,
            line.quantity,
            kind=kind,
            reason=reason,
            now=now,
            order_id=order.id,
            actor_id=actor_id,
        )


def record_sale(session: Session, order, *, actor_id: int | None, now: datetime) -> None:
    """SALE ledger rows for a paid order (delta 0: the units were reserved at checkout)."""
    for line in order.lines:
        variant_id = _line_variant_id(session, line)
        if variant_id is not None:
            _move_stock(
                session,
                line.product_id,
                variant_id,
                0,
                kind=StockMovementKind.SALE,
                reason=f"paid: order {order.number}",
                now=now,
                order_id=order.id,
                actor_id=actor_id,
            )


def withdraw_sale(session: Session, order) -> None:
    """Undo `record_sale` for an order whose payment confirmation was undone: its SALE rows go (they
    moved no units; the reservation stands)."""
    session.execute(
        sa.delete(StockMovement).where(
            StockMovement.order_id == order.id, StockMovement.kind == StockMovementKind.SALE
        )
    )


def adjust_stock(
    session: Session,
    product: Product,
    *,
    delta: int,
    reason: str,
    actor_id: int | None = None,
    now: datetime,
    variant: ProductVariant | None = None,
) -> int:
    """Add (or with a negative delta remove) units of a variant (None: the product's only one) by
    hand, with an ADJUSTMENT ledger row.

    The conditional UPDATE refuses to go below zero even if orders took units meanwhile
    (ValidationError). Returns the variant's stock after the change.
    """
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > MAX_STOCK:
        raise ValidationError(str(_l("Enter a change in stock other than zero.")), field="delta")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            str(_l("Say why the stock changes (e.g. counted again, new batch).")), field="reason"
        )
    variant = _variant_to_change(session, product, variant)
    if not _move_stock(
        session,
        product.id,
        variant.id,
        delta,
        kind=StockMovementKind.ADJUSTMENT,
        reason=reason,
        now=now,
        conditions=(ProductVariant.stock + delta >= 0, ProductVariant.stock + delta <= MAX_STOCK),
        actor_id=actor_id,
    ):
        message = _l("Stock cannot go below 0 or above %(max)d. Check the number.", max=MAX_STOCK)
        raise ValidationError(str(message), field="delta")
    session.flush()
    session.expire(product, ["stock"])
    session.expire(variant, ["stock"])
    return variant.stock


def set_stock(
    session: Session,
    product: Product,
    *,
    stock: int,
    reason: str,
    actor_id: int | None = None,
    now: datetime,
    expected: int | None = None,
    variant: ProductVariant | None = None,
) -> int:
    """Set a variant's stock (None: the product's only variant) to a counted number (a seller's
    edit form), as one ADJUSTMENT of the difference.

    Optimistic: the UPDATE only applies if the stock is still what was read, so an order placed at
    the same moment is never overwritten; it retries a few times, then asks the person to retry.
    With `expected` (the stock the person saw when counting) there is no retry: if the stock is
    no longer `expected`, Conflict, so they look again instead of overwriting a sale.
    """
    if not isinstance(stock, int) or isinstance(stock, bool) or not 0 <= stock <= MAX_STOCK:
        raise ValidationError(str(_l("Enter the stock as a whole number from 0.")), field="stock")
    variant = _variant_to_change(session, product, variant)
    for _attempt in range(5 if expected is None else 1):
        seen = session.scalar(sa.select(ProductVariant.stock).where(ProductVariant.id == variant.id))
        if seen is None:
            raise NotFound(str(_l("Product not found.")))
        if expected is not None and seen != expected:
            break
        if seen == stock:
            return stock
        if _move_stock(
            session,
            product.id,
            variant.id,
            stock - seen,
            kind=StockMovementKind.ADJUSTMENT,
            reason=reason or "stock counted",
            now=now,
            conditions=(ProductVariant.stock == seen,),
            actor_id=actor_id,
        ):
            session.flush()
            session.expire(product, ["stock"])
            session.expire(variant, ["stock"])
            return stock
    raise Conflict(str(_l("The stock changed while you were editing it. Please try again.")))


def return_to_stock(
    session: Session,
    order,
    *,
    quantities: dict[int, int],
    reason: str,
    actor_id: int | None = None,
    now: datetime,
) -> int:
    """Goods of `order` that came back after a refund go on sale again: {order_line_id: units}.

    One RETURN ledger row per line; lines whose product was deleted are skipped. Never more than
    the line's quantity minus what was already returned (ValidationError). Returns the units put back.
    """
    lines = {line.id: line for line in order.lines}
    left = unreturned_units(session, order)
    returned = 0
    for line_id, units in sorted(quantities.items()):
        line = lines.get(line_id)
        if line is None or not isinstance(units, int) or units < 0 or units > left.get(line_id, 0):
            raise ValidationError(str(_l("More units cannot come back than were bought.")))
        variant_id = _line_variant_id(session, line)
        if units == 0 or variant_id is None:
            continue
        _move_stock(
            session,
            line.product_id,
            variant_id,
            units,
            kind=StockMovementKind.RETURN,
            reason=reason,
            now=now,
            order_id=order.id,
            actor_id=actor_id,
        )
        returned += units
    session.flush()
    return returned


def unreturned_units(session: Session, order) -> dict[int, int]:
    """{order_line_id: units bought and not yet back in stock}, by variant: RETURN rows (a refund)
    and RELEASE rows (a cancellation gave the units back) both count, so no unit of an order can
    go back on sale twice, whichever path returned it first."""
    returned = dict(
        session.execute(
            sa.select(StockMovement.variant_id, sa.func.sum(StockMovement.quantity_delta))
            .where(
                StockMovement.order_id == order.id,
                StockMovement.kind.in_((StockMovementKind.RETURN, StockMovementKind.RELEASE)),
                StockMovement.quantity_delta > 0,
            )
            .group_by(StockMovement.variant_id)
        ).all()
    )
    left = {}
    for line in sorted(order.lines, key=lambda ln: ln.id):
        key = _line_variant_id(session, line)
        already = min(int(returned.get(key) or 0), line.quantity) if key is not None else 0
        if key in returned:
            returned[key] = int(returned[key] or 0) - already
        left[line.id] = line.quantity - already
    return left
