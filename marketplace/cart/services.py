"""Carts: add, change, remove and merge lines; price and check them against the database.

Quantities are the only thing a cart stores. Prices, titles, stock and availability are read
fresh every time a cart is shown or ordered, so a price or seller id posted by a client is never
used. A quantity of 0, a negative number, text or more than MAX_LINE_QUANTITY is refused with a
message (removing a line is its own action); more than the stock is capped to the stock.
"""

from __future__ import annotations

import functools
import secrets
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload

from marketplace import params
from marketplace.cart.models import Cart, CartLine
from marketplace.catalogue.models import Product, ProductStatus, ProductVariant
from marketplace.catalogue.variants import find_variant, missing_options, variant_label
from marketplace.errors import Conflict, ValidationError
from marketplace.i18n import message as _l
from marketplace.seller.models import Seller, SellerStatus
from marketplace.types import utcnow

CART_COOKIE = "cart_token"
#: Largest quantity of one product in one order (a typo guard; stock is the real limit).
MAX_LINE_QUANTITY = 999


def parse_quantity(raw: object) -> int:
    """A quantity typed by a person: an integer from 1 to MAX_LINE_QUANTITY, else ValidationError."""
    text = str(raw if raw is not None else "").strip()
    try:
        quantity = int(text)
    except ValueError:
        raise ValidationError(
            str(_l("Enter the quantity as a whole number, e.g. 1.")), field="quantity"
        ) from None
    if quantity < 1:
        raise ValidationError(str(_l("The quantity must be at least 1.")), field="quantity")
    if quantity > MAX_LINE_QUANTITY:
        raise ValidationError(
            str(_l("The quantity can be at most %(max)d.", max=MAX_LINE_QUANTITY)), field="quantity"
        )
    return quantity


def is_purchasable(product: Product) -> bool:
    return product.status == ProductStatus.ACTIVE and product.seller.status == SellerStatus.APPROVED


def new_cart_token() -> str:
    return secrets.token_urlsafe(32)


def valid_cart_token(token: str | None) -> bool:
    """Whether a cart cookie's value can name a guest cart (anything else is never looked up)."""
    return bool(token) and 20 <= len(token) <= 64


def find_cart(session: Session, *, user=None, token: str | None = None) -> Cart | None:
    """The signed-in user's cart, else the guest cart of `token`; None when there is none yet."""
    if user is not None and getattr(user, "id", None) is not None:
        return session.scalars(_ACCOUNT_CART, {"user_id": user.id}).first()
    if valid_cart_token(token):
        return session.scalars(_GUEST_CART, {"token": token}).first()
    return None


#: Built once: a statement object keeps its cache key, so a request only binds its values
#: (every cart, checkout and place-order request reads its cart).
_ACCOUNT_CART = sa.select(Cart).where(Cart.user_id == sa.bindparam("user_id"))
_GUEST_CART = sa.select(Cart).where(Cart.token == sa.bindparam("token"), Cart.user_id.is_(None))


def get_or_create_cart(session: Session, *, user=None, token: str | None = None) -> Cart:
    """The cart to add to, created on first use (guests need a fresh `token` from the caller)."""
    cart = find_cart(session, user=user, token=token)
    if cart is not None:
        return cart
    if user is not None and getattr(user, "id", None) is not None:
        cart = Cart(user_id=user.id)
    else:
        if not valid_cart_token(token):
            raise ValueError("a guest cart needs a token from new_cart_token()")
        cart = Cart(token=token)
    session.add(cart)
    try:
        session.flush()
    except sa.exc.IntegrityError as error:
        # A parallel first add by the same account created it first; the caller rolls back.
        raise Conflict(str(_l("Your cart was just changed elsewhere. Please try again."))) from error
    return cart


def _lock_cart(session: Session, cart: Cart, now: datetime) -> None:
    # Touching the cart row first serializes concurrent edits of one cart (a row lock on
    # PostgreSQL, the write lock on SQLite) and opens the transaction on SQLite.
    session.execute(
        sa.update(Cart)
        .where(Cart.id == cart.id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _line(session: Session, cart: Cart, product_id: int, variant_id: int | None) -> CartLine | None:
    """The cart's line of that variant (None: the product's line, for a product without options)."""
    stmt = sa.select(CartLine).where(CartLine.cart_id == cart.id, CartLine.product_id == product_id)
    if variant_id is not None:
        stmt = stmt.where(sa.or_(CartLine.variant_id == variant_id, CartLine.variant_id.is_(None)))
    return session.scalars(stmt.order_by(CartLine.variant_id.is_(None), CartLine.id)).first()


def _variant_for_cart(session: Session, product: Product, variant_id: object) -> ProductVariant:
    """The product's variant the buyer chose; for a product without options, its only one.

    ValidationError when a product with options comes without a (valid) choice.
    """
    raw = str(variant_id if variant_id is not None else "").strip()
    vid = params.find_id(raw) if raw else None
    if raw and vid is None:
        raise ValidationError(str(_l("Choose one of the options.")), field="variant_id")
    variant = find_variant(session, product, vid)
    if variant is None:
        raise ValidationError(str(_l("Choose one of the options.")), field="variant_id")
    return variant


def _product_for_cart(session: Session, product_id: object) -> Product:
    pid = params.find_id(str(product_id))
    product = session.get(Product, pid) if pid is not None else None
    if product is None:
        raise ValidationError(str(_l("That product does not exist.")), field="product_id")
    return product


@dataclass
class CartChange:
    """What happened, for the message shown to the buyer."""

    product: Product
    quantity: int
    capped: bool = False
    variant: ProductVariant | None = None


def add_to_cart(
    session: Session,
    *,
    cart: Cart,
    product_id: object,
    quantity: object,
    market=None,
    variant_id: object = None,
) -> CartChange:
    """Add `quantity` of a product's variant (on top of what is already there), capped to the
    variant's stock. `variant_id` may be left out for a product without options.

    `market` (markets.context.Market, None = home market): a buyer abroad cannot add a product
    that is not exportable. Raises ValidationError for a bad quantity, an unknown, unavailable
    or (abroad) non-exportable product, a missing or unknown variant, a variant missing a value
    for one of the product's options (`catalogue.variants.missing_options`), or no stock.
    """
    qty = parse_quantity(quantity)
    product = _product_for_cart(session, product_id)
    if not is_purchasable(product):
        raise ValidationError(str(_l("This product is not available.")), field="product_id")
    if market is not None and not market.is_domestic and not product.exportable:
        raise ValidationError(
            str(_l("Sorry, this product is not available for shipping abroad.")), field="product_id"
        )
    variant = _variant_for_cart(session, product, variant_id)
    # A variant with every value set misses none; only then are the options worth reading.
    if not all(variant.values) and missing_options(product.options, variant):
        raise ValidationError(
            str(_l("This choice cannot be ordered yet: the seller has not filled in all its options.")),
            field="variant_id",
        )
    if variant.stock <= 0:
        raise ValidationError(str(_l("Sorry, this product is sold out.")), field="quantity")
    now = utcnow()
    _lock_cart(session, cart, now)
    line = _line(session, cart, product.id, variant.id)
    wanted = min(qty + (line.quantity if line else 0), MAX_LINE_QUANTITY)
    final = min(wanted, variant.stock)
    if line is None:
        session.add(
            CartLine(
                cart_id=cart.id, product_id=product.id, variant_id=variant.id, quantity=final, added_at=now
            )
        )
    else:
        line.variant_id = variant.id
        line.quantity = final
    session.flush()
    session.expire(cart, ["lines"])
    return CartChange(product=product, quantity=final, capped=final < wanted, variant=variant)


def set_quantity(
    session: Session, *, cart: Cart, product_id: object, quantity: object, variant_id: object = None
) -> CartChange:
    """Set a line's quantity, capped to the variant's stock. Raises ValidationError (bad
    quantity, no line)."""
    qty = parse_quantity(quantity)
    product = _product_for_cart(session, product_id)
    _lock_cart(session, cart, utcnow())
    vid = params.find_id(str(variant_id)) if variant_id not in (None, "") else None
    line = _line(session, cart, product.id, vid)
    if line is None:
        raise ValidationError(str(_l("That product is not in your cart.")), field="product_id")
    variant = find_variant(session, product, line.variant_id)
    stock = variant.stock if variant is not None else product.stock
    final = min(qty, stock) if stock > 0 else qty
    line.quantity = final
    session.flush()
    session.expire(cart, ["lines"])
    return CartChange(product=product, quantity=final, capped=final < qty, variant=variant)


def remove_from_cart(session: Session, *, cart: Cart, product_id: object, variant_id: object = None) -> bool:
    """Remove a product's line (of `variant_id` when given, else every line of the product);
    False when it was not there (removing twice is harmless)."""
    pid = params.find_id(str(product_id))
    if pid is None:
        return False
    conditions = [CartLine.cart_id == cart.id, CartLine.product_id == pid]
    vid = params.find_id(str(variant_id)) if variant_id not in (None, "") else None
    if vid is not None:
        conditions.append(CartLine.variant_id == vid)
    _lock_cart(session, cart, utcnow())
    result = session.execute(
        sa.delete(CartLine).where(*conditions).execution_options(synchronize_session=False)
    )
    session.expire(cart, ["lines"])
    return result.rowcount > 0


def merge_guest_cart(session: Session, *, guest_token: str | None, user) -> Cart | None:
    """Move a guest cart into `user`'s cart at login; returns the user's cart (None if nothing to do).

    Quantities of the same product add up, capped to stock and MAX_LINE_QUANTITY. The guest cart is
    deleted (or simply handed to the user when they had none). Flushes only.
    """
    if user is None or getattr(user, "id", None) is None or not valid_cart_token(guest_token):
        return None
    guest = session.scalars(sa.select(Cart).where(Cart.token == guest_token, Cart.user_id.is_(None))).first()
    if guest is None:
        return None
    mine = session.scalars(sa.select(Cart).where(Cart.user_id == user.id)).first()
    now = utcnow()
    if mine is None:
        guest.user_id = user.id
        guest.token = None
        guest.updated_at = now
        session.flush()
        return guest
    _lock_cart(session, mine, now)
    existing = {(line.product_id, line.variant_id): line for line in mine.lines}
    for line in list(guest.lines):
        stock = line.variant.stock if line.variant is not None else line.product.stock
        key = (line.product_id, line.variant_id)
        if key in existing:
            target = existing[key]
            total = min(target.quantity + line.quantity, MAX_LINE_QUANTITY)
            target.quantity = max(1, min(total, stock)) if stock > 0 else total
        else:
            session.add(
                CartLine(
                    cart_id=mine.id,
                    product_id=line.product_id,
                    variant_id=line.variant_id,
                    quantity=line.quantity,
                    added_at=now,
                )
            )
    session.delete(guest)
    session.flush()
    session.expire(mine, ["lines"])
    return mine


# ----------------------------------------------------------------------------------------------
# Showing a cart
# ----------------------------------------------------------------------------------------------


@dataclass
class CartLineView:
    product: Product
    quantity: int
    unit_price_minor: int
    currency: str
    available: bool
    problem: str = ""
    #: The chosen variant (None only when a product with options lost its line's variant).
    variant: ProductVariant | None = None
    #: "Ukuran: XL" in each language; "" for a product without options.
    variant_label_id: str = ""
    variant_label_en: str = ""

    @property
    def unit_weight_grams(self) -> int:
        return self.variant.effective_weight_grams if self.variant is not None else self.product.weight_grams

    @property
    def line_total_minor(self) -> int:
        return self.unit_price_minor * self.quantity


@dataclass
class SellerGroup:
    seller: Seller
    lines: list[CartLineView] = field(default_factory=list)

    @property
    def weight_grams(self) -> int:
        return sum(line.unit_weight_grams * line.quantity for line in self.lines if line.available)

    @property
    def subtotal_minor(self) -> int:
        return sum(line.line_total_minor for line in self.lines if line.available)


@dataclass
class CartSummary:
    groups: list[SellerGroup]
    problems: list[str]

    @property
    def lines(self) -> list[CartLineView]:
        return [line for group in self.groups for line in group.lines]

    @property
    def is_empty(self) -> bool:
        return not self.groups

    @property
    def can_check_out(self) -> bool:
        return bool(self.groups) and not self.problems

    @property
    def subtotal_minor(self) -> int:
        return sum(group.subtotal_minor for group in self.groups)

    @property
    def product_ids(self) -> list[int]:
        return [line.product.id for line in self.lines]


@functools.cache
def _summary_lines() -> sa.Select:
    """One query whatever the cart holds: the lines joined to their product, seller, village,
    variants and options (variants × options rows per line: a few; one for a plain product).
    Built once (on first use, when every mapper is configured) and kept with its cache key."""
    product = joinedload(CartLine.product, innerjoin=True)
    return (
        sa.select(CartLine)
        .where(CartLine.cart_id == sa.bindparam("cart_id"))
        .options(
            product.joinedload(Product.seller, innerjoin=True).joinedload(Seller.village),
            product.joinedload(Product.variants),
            product.joinedload(Product.options),
        )
        .order_by(CartLine.id)
    )


def summarize_cart(session: Session, cart: Cart | None, market=None) -> CartSummary:
    """The cart grouped by seller with fresh prices, and every problem to flag at the top.

    With a `market` abroad, lines that are not exportable are problems (checkout cannot go on).
    """
    if cart is None:
        return CartSummary(groups=[], problems=[])
    lines = session.scalars(_summary_lines(), {"cart_id": cart.id}).unique().all()
    groups: OrderedDict[int, SellerGroup] = OrderedDict()
    problems: list[str] = []
    for line in lines:
        product = line.product
        variants = product.variants
        variant = next((v for v in variants if v.id == line.variant_id), None)
        if variant is None and not product.options and len(variants) == 1:
            variant = variants[0]  # a line written without a variant, of a product without options
        view = CartLineView(
            product=product,
            quantity=line.quantity,
            unit_price_minor=variant.effective_price_minor if variant is not None else product.price_minor,
            currency=product.currency,
            available=True,
            variant=variant,
        )
        if variant is not None and product.options:
            view.variant_label_id = variant_label(product.options, variant, "id")
            view.variant_label_en = variant_label(product.options, variant, "en")
        stock = variant.stock if variant is not None else 0
        if not is_purchasable(product):
            view.available = False
            view.problem = str(_l("No longer for sale: please remove it."))
        elif variant is None:
            view.available = False
            view.problem = str(_l("Choose a size or other option again: please remove it."))
        elif missing_options(product.options, variant):
            # Added before the seller named another option ("Ukuran: –"): nobody knows which it is.
            view.available = False
            view.problem = str(_l("Not for sale until the seller fills in its options: please remove it."))
        elif stock <= 0:
            view.available = False
            view.problem = str(_l("Sold out: please remove it."))
        elif line.quantity > stock:
            view.problem = str(_l("Only %(n)d left: please lower the quantity.", n=stock))
        if market is not None and not market.is_domestic and not product.exportable:
            view.available = False
            view.problem = str(_l("Not available for shipping abroad: please remove it."))
        if view.problem:
            named = (
                f"{product.title_id} ({view.variant_label_id})" if view.variant_label_id else product.title_id
            )
            problems.append(f"{named}: {view.problem}")
        groups.setdefault(product.seller_id, SellerGroup(seller=product.seller)).lines.append(view)
    return CartSummary(groups=list(groups.values()), problems=problems)
