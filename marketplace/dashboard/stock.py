"""A seller's stock: adjustments and counts written to the stock ledger, low-stock lists."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product, ProductOption, ProductStatus, ProductVariant
from marketplace.catalogue.variants import variant_values_text
from marketplace.errors import InvalidInput, ValidationError
from marketplace.i18n import message as _l
from marketplace.orders.models import Order
from marketplace.seller.common import clean_text
from marketplace.stock import services as stock_services
from marketplace.stock.models import StockMovement
from marketplace.stock.services import MAX_STOCK


def _check_reason(reason: str) -> str:
    reason = clean_text(reason)
    if not 3 <= len(reason) <= 200:
        raise InvalidInput(
            {"reason": _l("Write a short reason (3 to 200 characters), for example “new batch”.")}
        )
    return reason


def adjust_stock(
    session: Session,
    *,
    product: Product,
    delta: int | None,
    reason: str,
    actor_id: int,
    now: datetime,
    variant: ProductVariant | None = None,
) -> int:
    """Add (or, negative, remove) units with a reason: the form's checks, then the orders rule.

    `marketplace.orders.services.adjust_stock` does the conditional UPDATE and the ADJUSTMENT
    ledger row; a result below 0 or above MAX_STOCK is InvalidInput. Returns the new stock.
    """
    reason = _check_reason(reason)
    if not delta:
        raise InvalidInput({"delta": _l("Enter how many units to add or remove (not 0).")})
    if abs(delta) > MAX_STOCK:
        raise InvalidInput({"delta": _l("That is more than %(max)d units. Check the number.", max=MAX_STOCK)})
    try:
        return stock_services.adjust_stock(
            session, product, delta=delta, reason=reason, actor_id=actor_id, now=now, variant=variant
        )
    except ValidationError as error:
        raise InvalidInput({"delta": error.message}) from None


def set_stock(
    session: Session,
    *,
    product: Product,
    new_stock: int | None,
    expected_stock: int | None,
    reason: str,
    actor_id: int | None,
    now: datetime,
    variant: ProductVariant | None = None,
) -> int:
    """Set the stock (of `variant`, or of the product's only one) to a counted number, if it is
    still `expected_stock` (what the seller saw).

    If an order took units meanwhile, Conflict: the seller looks again instead of overwriting it.
    The write itself is `marketplace.orders.services.set_stock` (one rule for every caller).
    """
    reason = _check_reason(reason)
    if new_stock is None or not 0 <= new_stock <= MAX_STOCK:
        raise InvalidInput({"new_stock": _l("Enter a stock from 0 to %(max)d.", max=MAX_STOCK)})
    try:
        return stock_services.set_stock(
            session, product, stock=new_stock, reason=reason, actor_id=actor_id, now=now,
            expected=expected_stock if expected_stock is not None else -1, variant=variant,
        )  # fmt: skip
    except ValidationError as error:
        raise InvalidInput({"new_stock": error.message}) from None


@dataclass(frozen=True)
class LedgerRow:
    movement: StockMovement
    actor_email: str
    order_number: str


def list_stock_movements(session: Session, product: Product, *, limit: int = 200) -> list[LedgerRow]:
    rows = session.execute(
        sa.select(StockMovement, User.email, Order.number)
        .outerjoin(User, User.id == StockMovement.actor_id)
        .outerjoin(Order, Order.id == StockMovement.order_id)
        .where(StockMovement.product_id == product.id)
        .order_by(StockMovement.created_at.desc(), StockMovement.id.desc())
        .limit(limit)
    ).all()
    return [LedgerRow(movement, email or "", number or "") for movement, email, number in rows]


def is_low(product: Product) -> bool:
    return product.stock <= product.low_stock_threshold


@dataclass(frozen=True)
class LowStockRow:
    product: Product
    variant: ProductVariant
    #: The variant's values ("XL"), "" for a product without options.
    variant_name: str


def _low_stock_conditions(seller_ids: Sequence[int]) -> tuple:
    return (
        Product.seller_id.in_(list(seller_ids)),
        Product.status.in_([ProductStatus.ACTIVE, ProductStatus.PENDING_REVIEW]),
        ProductVariant.stock <= Product.low_stock_threshold,
    )


def count_low_stock(session: Session, seller_ids: Sequence[int]) -> int:
    """How many rows `list_low_stock` has in all (for its pages)."""
    if not seller_ids:
        return 0
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(ProductVariant)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(*_low_stock_conditions(seller_ids))
    )


def list_low_stock(
    session: Session, seller_ids: Sequence[int], *, limit: int | None = None, offset: int = 0
) -> list[LowStockRow]:
    """Variants of products on sale or in review whose stock is at or under the product's threshold
    (a product without options: the product itself), lowest stock first; `limit`/`offset`: one
    page of them. Two queries whatever the number of products (besides covers and shops)."""
    if not seller_ids:
        return []
    rows = session.execute(
        sa.select(ProductVariant, Product)
        .join(Product, Product.id == ProductVariant.product_id)
        .where(*_low_stock_conditions(seller_ids))
        # The rows show each product's cover and shop: loaded here, not one query per row.
        .options(selectinload(Product.images), selectinload(Product.seller))
        .order_by(ProductVariant.stock, Product.id, ProductVariant.position, ProductVariant.id)
        .limit(limit)
        .offset(offset or None)
    ).all()
    options: dict[int, list[ProductOption]] = {}
    product_ids = sorted({product.id for _variant, product in rows})
    if product_ids:
        for option in session.scalars(
            sa.select(ProductOption)
            .where(ProductOption.product_id.in_(product_ids))
            .order_by(ProductOption.product_id, ProductOption.position)
        ):
            options.setdefault(option.product_id, []).append(option)
    return [
        LowStockRow(
            product,
            variant,
            variant_values_text(options[product.id], variant) if product.id in options else "",
        )
        for variant, product in rows
    ]
