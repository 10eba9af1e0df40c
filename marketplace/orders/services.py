"""Placing orders, reserving stock atomically, payment, cancellation, expiry and refunds.

Every write here flushes only; the view, CLI command or webhook commits once. Stock only ever
changes through a conditional UPDATE whose WHERE clause the database evaluates under its own row
lock, so two buyers (in any number of processes) can never both take the last unit.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session, selectinload

from marketplace.cart.models import Cart, CartLine
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.errors import Conflict, NotFound, OutOfStock, PermissionDenied, ValidationError
from marketplace.i18n import message as _l
from marketplace.orders.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    ShippingMethod,
    StockMovement,
    StockMovementKind,
)
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.seller.models import Seller, SellerStatus
from marketplace.shipping.services import ShippingAddress, check_address, quote_shipping, validate_address
from marketplace.timezones import jakarta_date

log = logging.getLogger(__name__)

#: Order numbers: PD-<Jakarta date YYMMDD>-<4 characters that cannot be misread (no 0/O, 1/I)>.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
DEFAULT_PAYMENT_WINDOW = timedelta(hours=24)
#: The bank-transfer unique code is 1..UNIQUE_CODE_MAX rupiah added to the total.
UNIQUE_CODE_MAX = 999
#: Largest quantity of one product in one order (a typo guard; stock is the real limit).
MAX_LINE_QUANTITY = 999
#: Most units one product can hold (a typo guard for hand-entered stock).
MAX_STOCK = 1_000_000
GUEST_LINK_SALT = "orders.guest-link"
SYSTEM = "system"

#: Statuses in which the goods were paid for.
PAID_STATUSES = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


class AlreadyPlaced(Conflict):
    """The checkout form was submitted twice at once and the other submit won the checkout token.

    The caller rolls back, then finds that order with `find_order_by_checkout_token`.
    `order_number` is set when known.
    """

    def __init__(self, order_number: str | None):
        super().__init__(str(_l("This order was already placed.")))
        self.order_number = order_number


# --------------------------------------------------------------------------------------------
# Reading carts for checkout
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PricedLine:
    """A cart line priced from the database right now."""

    product: Product
    quantity: int
    unit_price_minor: int
    currency: str

    @property
    def line_total_minor(self) -> int:
        return self.unit_price_minor * self.quantity

    @property
    def weight_grams(self) -> int:
        return self.product.weight_grams * self.quantity


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


def price_lines(session: Session, quantities: dict[int, int]) -> list[PricedLine]:
    """Price {product_id: quantity} from the database, ordered by product id.

    Raises ValidationError for a product that no longer exists or cannot be bought.
    """
    if not quantities:
        return []
    products = session.scalars(
        sa.select(Product)
        .where(Product.id.in_(quantities))
        .options(selectinload(Product.seller).selectinload(Seller.village))
        .order_by(Product.id)
    ).all()
    found = {p.id for p in products}
    if found != set(quantities):
        raise ValidationError(str(_l("A product in your cart no longer exists; it has been removed.")))
    lines = []
    for product in products:
        if not is_purchasable(product):
            raise ValidationError(
                str(
                    _l("“%(title)s” is no longer for sale: remove it from your cart.", title=product.title_id)
                )
            )
        lines.append(PricedLine(product, quantities[product.id], product.price_minor, product.currency))
    return lines


def cart_fingerprint(lines: Sequence[PricedLine]) -> str:
    """A short digest of what the buyer saw (products, quantities, prices) on the checkout page.

    Posted back with the order, it lets `place_order` refuse a cart that changed in between.
    """
    text = ";".join(f"{ln.product.id}:{ln.quantity}:{ln.unit_price_minor}:{ln.currency}" for ln in lines)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def cart_quantities(session: Session, cart: Cart) -> dict[int, int]:
    rows = session.execute(
        sa.select(CartLine.product_id, CartLine.quantity).where(CartLine.cart_id == cart.id)
    ).all()
    return {product_id: quantity for product_id, quantity in rows}


# --------------------------------------------------------------------------------------------
# Placing an order
# --------------------------------------------------------------------------------------------


def find_order_by_checkout_token(
    session: Session, checkout_token: str, *, buyer=None, email: str | None = None
) -> Order | None:
    """The order a checkout form already made — only if it is this buyer's (account, or guest email)."""
    if not checkout_token:
        return None
    order = session.scalars(sa.select(Order).where(Order.checkout_token == checkout_token)).first()
    if order is None:
        return None
    buyer_id = getattr(buyer, "id", None)
    if order.buyer_id != buyer_id:
        return None
    if buyer_id is None and (email or "").strip().lower() != order.email:
        return None
    return order


def place_order(
    session: Session,
    *,
    cart: Cart,
    buyer,
    email: str,
    lang: str,
    address: ShippingAddress | None,
    shipping_method: ShippingMethod | str,
    payment_method: PaymentMethod | str,
    checkout_token: str,
    now: datetime,
    expected_fingerprint: str | None = None,
    payment_window: timedelta = DEFAULT_PAYMENT_WINDOW,
    currency: str = "IDR",
    expected_rate_version: str | None = None,
    rate_stale_days: int = 7,
) -> Order:
    """Turn the cart into one order awaiting payment, reserving its stock. Flushes only.

    Prices, titles and sellers come from the database, never from the client. The cart lines are
    taken with one DELETE … RETURNING, so the same cart can only become one order; the same
    `checkout_token` twice (a double click) returns the first order. Stock is reserved with a
    conditional UPDATE per product (the database decides) and a RESERVE ledger row each.
    `address` may be None only for pickup. `expected_fingerprint` (from `cart_fingerprint` on the
    checkout page) makes a changed cart a Conflict.

    Raises ValidationError (empty cart, bad address/method, unbuyable product), Conflict (cart
    changed, or emptied by a concurrent checkout) and OutOfStock (not enough stock left). After an
    error the caller must roll back: nothing is half-written once it does.

    Currency (markets): the order is priced in `currency` at the latest rate, frozen on the order
    (unit prices converted half up, × quantity; shipping per parcel; totals are sums). A missing
    or stale rate, or bank transfer outside IDR/Indonesia: ValidationError; a total below Stripe's
    minimum for a card: ValidationError; a rate other than `expected_rate_version` (what the
    checkout page showed): markets.services.RateChanged (a Conflict).
    """
    checkout_token = (checkout_token or "").strip()
    if not 16 <= len(checkout_token) <= 64:
        raise ValidationError(str(_l("The checkout form expired. Please review your order and try again.")))
    existing = find_order_by_checkout_token(session, checkout_token, buyer=buyer, email=email)
    if existing is not None:
        return existing
    try:
        shipping_method = ShippingMethod(shipping_method)
    except ValueError:
        raise ValidationError(
            str(_l("Choose courier delivery or pickup.")), field="shipping_method"
        ) from None
    try:
        payment_method = PaymentMethod(payment_method)
    except ValueError:
        raise ValidationError(str(_l("Choose a payment method.")), field="payment_method") from None
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 254 or email.startswith("@") or email.endswith("@"):
        raise ValidationError(
            str(_l("Enter a valid email address for the order confirmation.")), field="email"
        )
    if address is None:
        if shipping_method != ShippingMethod.PICKUP:
            raise ValidationError(str(_l("Enter a delivery address.")), field="street")
        address = ShippingAddress(
            name="", phone="", street="", district="", city="", province="", postal_code=""
        )
    elif shipping_method == ShippingMethod.PICKUP:
        # Pickup needs someone to hand the parcel to (name, phone), not a street.
        problems = {k: v for k, v in validate_address(address).items() if k in ("name", "phone")}
        if problems:
            field, text = next(iter(problems.items()))
            raise ValidationError(text, field=field)
    else:
        check_address(address)

    # Take the cart's lines in one statement: the first checkout of this cart gets them, a
    # concurrent second one (other tab, double click) blocks on the rows, then finds none.
    taken = session.execute(
        sa.delete(CartLine)
        .where(CartLine.cart_id == cart.id)
        .returning(CartLine.product_id, CartLine.quantity)
    ).all()
    session.expire(cart, ["lines"])
    if not taken:
        existing = find_order_by_checkout_token(session, checkout_token, buyer=buyer, email=email)
        if existing is not None:
            return existing
        raise ValidationError(str(_l("Your cart is empty.")))
    quantities = {product_id: quantity for product_id, quantity in taken}
    for quantity in quantities.values():
        if not 1 <= quantity <= MAX_LINE_QUANTITY:
            raise ValidationError(str(_l("A quantity in your cart is not valid; please change it.")))
    lines = price_lines(session, quantities)
    if expected_fingerprint is not None and expected_fingerprint != cart_fingerprint(lines):
        raise Conflict(
            str(_l("Your cart changed since you reviewed it. Please check the summary and try again."))
        )
    currencies = {line.currency for line in lines}
    if currencies != {"IDR"}:
        raise ValidationError(str(_l("Only rupiah prices can be ordered domestically.")))
    from marketplace.markets import services as markets

    # The buyer's currency: the rate in force now (never guessed), the one the checkout page showed.
    currency = (currency or "IDR").upper()
    rate = markets.checkout_rate(
        markets.load_rate_table(session, today=now.date(), stale_days=rate_stale_days), currency
    )
    markets.check_rate_version(rate, expected_rate_version)
    if payment_method == PaymentMethod.BANK_TRANSFER and (currency != "IDR" or address.country != "ID"):
        raise ValidationError(
            str(
                _l("Bank transfer is only for orders paid in rupiah and delivered in Indonesia. Pay by card.")
            ),
            field="payment_method",
        )

    if address.country != "ID":
        # The delivery country is the truth at placement, whatever market the cart was filled in.
        not_exportable = [line.product for line in lines if not line.product.exportable]
        if not_exportable:
            raise ValidationError(
                str(
                    _l(
                        "“%(title)s” cannot be shipped abroad: remove it from your cart.",
                        title=not_exportable[0].title_en or not_exportable[0].title_id,
                    )
                )
            )

    # Shipping per seller: each seller packs and ships their own parcel.
    by_seller: dict[int, list[PricedLine]] = defaultdict(list)
    for line in lines:
        by_seller[line.product.seller_id].append(line)
    quotes = {}
    for seller_id, seller_lines in by_seller.items():
        quotes[seller_id] = quote_shipping(
            session,
            origin_village=seller_lines[0].product.seller.village,
            destination=address,
            weight_grams=sum(line.weight_grams for line in seller_lines),
            method=shipping_method.value,
            item_weights=[ln.product.weight_grams for ln in seller_lines for _ in range(ln.quantity)],
        )
    converted = markets.convert_order(
        currency=currency,
        rate=rate,
        lines_idr=[(line.unit_price_minor, line.quantity) for line in lines],
        shipping_idr=[quotes[seller_id].price.minor for seller_id in by_seller],
    )
    unit_prices = {line.product.id: unit for line, unit in zip(lines, converted.unit_prices, strict=True)}
    parcel_shipping = dict(zip(by_seller, converted.shipping, strict=True))
    shipping_minor = converted.shipping_total
    subtotal_minor = converted.subtotal
    if payment_method == PaymentMethod.STRIPE:
        from marketplace.payments.services import stripe_minimum

        minimum = stripe_minimum(currency, converted.exchange_rate)
        if minimum is not None and converted.total < minimum.minor:
            raise ValidationError(
                str(
                    _l(
                        "Card payments must be at least %(amount)s. Add something to your cart.",
                        amount=minimum.format(lang if lang in ("id", "en") else "id"),
                    )
                ),
                field="payment_method",
            )
    zone_code = next((q.zone_code for q in quotes.values() if q.zone_code), None)

    order = Order(
        number=_new_order_number(session, now),
        buyer_id=getattr(buyer, "id", None),
        email=email,
        lang=lang if lang in ("id", "en") else "id",
        status=OrderStatus.AWAITING_PAYMENT,
        checkout_token=checkout_token,
        currency=converted.currency,
        exchange_rate=converted.exchange_rate,
        subtotal_minor=subtotal_minor,
        shipping_minor=shipping_minor,
        unique_code_minor=0,
        total_minor=subtotal_minor + shipping_minor,
        payment_method=payment_method,
        payment_due_at=now + payment_window,
        shipping_method=shipping_method,
        shipping_zone=zone_code,
        ship_name=address.name.strip(),
        ship_phone=address.phone.strip(),
        ship_street=address.street.strip(),
        ship_line2=address.line2.strip(),
        ship_district=address.district.strip(),
        ship_city=address.city.strip(),
        ship_province=address.province,
        ship_postal_code=address.postal_code.strip(),
        ship_country=address.country,
        created_at=now,
        updated_at=now,
    )
    if payment_method == PaymentMethod.BANK_TRANSFER:
        order.unique_code_minor = _choose_unique_code(session, order.total_minor)
        order.total_minor += order.unique_code_minor

    # The unique checkout_token backs the double-click rule under concurrency. (No SAVEPOINT
    # here: this transaction must be rolled back anyway, and the caller then finds the order.)
    session.add(order)
    try:
        session.flush()
    except sa.exc.IntegrityError as error:
        raise AlreadyPlaced(None) from error

    for line in lines:  # ordered by product id: the same lock order in every transaction
        _reserve(session, line.product, line.quantity, order=order, now=now)

    for seller_id, seller_lines in by_seller.items():
        fulfilment = Fulfilment(
            order=order,
            seller_id=seller_id,
            status=FulfilmentStatus.PENDING,
            shipping_minor=parcel_shipping[seller_id],
        )
        session.add(fulfilment)
        for line in seller_lines:
            product = line.product
            session.add(
                OrderLine(
                    order=order,
                    fulfilment=fulfilment,
                    product_id=product.id,
                    seller_id=seller_id,
                    title_id=product.title_id,
                    title_en=product.title_en or "",
                    seller_name=product.seller.name,
                    unit_price_minor=unit_prices[product.id],
                    unit_price_idr=product.price_minor,
                    quantity=line.quantity,
                    line_total_minor=unit_prices[product.id] * line.quantity,
                    weight_grams=line.weight_grams,
                    hs_code=product.hs_code,
                    origin_country=product.origin_country or "ID",
                    customs_description=(product.title_en or product.title_id)[:160],
                )
            )
    _event(
        session,
        order,
        from_status=None,
        to_status=OrderStatus.AWAITING_PAYMENT,
        actor_id=getattr(buyer, "id", None),
        actor_label="buyer" if buyer else "guest",
        now=now,
        note=f"{payment_method.value}, {shipping_method.value}",
    )
    if payment_method == PaymentMethod.BANK_TRANSFER:
        session.add(
            Payment(
                order=order,
                method=PaymentMethod.BANK_TRANSFER,
                status=PaymentStatus.PENDING,
                amount_minor=order.total_minor,
                currency=order.currency,
                provider_reference=f"bank:{order.number}",
                created_at=now,
                updated_at=now,
            )
        )
    session.flush()
    from marketplace.orders import notifications

    notifications.order_placed(session, order)
    return order


def _reserve(session: Session, product: Product, quantity: int, *, order: Order, now: datetime) -> None:
    """Take `quantity` units if (and only if) the database still has them, and ledger it."""
    result = session.execute(
        sa.update(Product)
        .where(
            Product.id == product.id,
            Product.stock >= quantity,
            Product.status == ProductStatus.ACTIVE,
        )
        .values(stock=Product.stock - quantity)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise OutOfStock(
            str(
                _l(
                    "Sorry, “%(title)s” does not have %(quantity)d left in stock.",
                    title=product.title_id,
                    quantity=quantity,
                )
            )
        )
    session.add(
        StockMovement(
            product_id=product.id,
            kind=StockMovementKind.RESERVE,
            quantity_delta=-quantity,
            order_id=order.id,
            reason=f"order {order.number}",
            created_at=now,
        )
    )
    session.expire(product, ["stock"])


def _release(
    session: Session,
    order: Order,
    *,
    kind: StockMovementKind,
    reason: str,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Give an order's reserved units back (runs once per order: callers claim the order first)."""
    for line in sorted(order.lines, key=lambda ln: ln.product_id or 0):
        if line.product_id is None:  # product deleted since: nothing to give back to
            continue
        session.execute(
            sa.update(Product)
            .where(Product.id == line.product_id)
            .values(stock=Product.stock + line.quantity)
            .execution_options(synchronize_session=False)
        )
        session.add(
            StockMovement(
                product_id=line.product_id,
                kind=kind,
                quantity_delta=line.quantity,
                order_id=order.id,
                actor_id=actor_id,
                reason=reason[:200],
                created_at=now,
            )
        )
        product = session.get(Product, line.product_id)
        if product is not None:
            session.expire(product, ["stock"])


def adjust_stock(
    session: Session,
    product: Product,
    *,
    delta: int,
    reason: str,
    actor_id: int | None = None,
    now: datetime,
) -> int:
    """Add (or with a negative delta remove) units by hand, with an ADJUSTMENT ledger row.

    The conditional UPDATE refuses to go below zero even if orders took units meanwhile
    (ValidationError). Returns the stock after the change.
    """
    if not isinstance(delta, int) or isinstance(delta, bool) or delta == 0 or abs(delta) > MAX_STOCK:
        raise ValidationError(str(_l("Enter a change in stock other than zero.")), field="delta")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            str(_l("Say why the stock changes (e.g. counted again, new batch).")), field="reason"
        )
    result = session.execute(
        sa.update(Product)
        .where(Product.id == product.id, Product.stock + delta >= 0, Product.stock + delta <= MAX_STOCK)
        .values(stock=Product.stock + delta)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        message = _l("Stock cannot go below 0 or above %(max)d. Check the number.", max=MAX_STOCK)
        raise ValidationError(str(message), field="delta")
    session.add(
        StockMovement(
            product_id=product.id,
            kind=StockMovementKind.ADJUSTMENT,
            quantity_delta=delta,
            actor_id=actor_id,
            reason=reason[:200],
            created_at=now,
        )
    )
    session.flush()
    session.expire(product, ["stock"])
    return product.stock


def set_stock(
    session: Session,
    product: Product,
    *,
    stock: int,
    reason: str,
    actor_id: int | None = None,
    now: datetime,
    expected: int | None = None,
) -> int:
    """Set the stock to a counted number (a seller's edit form), as one ADJUSTMENT of the difference.

    Optimistic: the UPDATE only applies if the stock is still what was read, so an order placed at
    the same moment is never overwritten; it retries a few times, then asks the person to retry.
    With `expected` (the stock the person saw when counting) there is no retry: if the stock is
    no longer `expected`, Conflict, so they look again instead of overwriting a sale.
    """
    if not isinstance(stock, int) or isinstance(stock, bool) or not 0 <= stock <= MAX_STOCK:
        raise ValidationError(str(_l("Enter the stock as a whole number from 0.")), field="stock")
    for _attempt in range(5 if expected is None else 1):
        seen = session.scalar(sa.select(Product.stock).where(Product.id == product.id))
        if seen is None:
            raise NotFound(str(_l("Product not found.")))
        if expected is not None and seen != expected:
            break
        if seen == stock:
            return stock
        result = session.execute(
            sa.update(Product)
            .where(Product.id == product.id, Product.stock == seen)
            .values(stock=stock)
            .execution_options(synchronize_session=False)
        )
        if result.rowcount == 1:
            session.add(
                StockMovement(
                    product_id=product.id,
                    kind=StockMovementKind.ADJUSTMENT,
                    quantity_delta=stock - seen,
                    actor_id=actor_id,
                    reason=(reason or "stock counted")[:200],
                    created_at=now,
                )
            )
            session.flush()
            session.expire(product, ["stock"])
            return stock
    raise Conflict(str(_l("The stock changed while you were editing it. Please try again.")))


def _new_order_number(session: Session, now: datetime) -> str:
    prefix = "PD-" + jakarta_date(now).strftime("%y%m%d") + "-"
    for _attempt in range(20):
        number = prefix + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(4))
        taken = session.scalar(sa.select(sa.func.count()).select_from(Order).where(Order.number == number))
        if not taken:
            return number
    # A day with a million orders: fall back to a longer suffix.
    return prefix + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))


def _choose_unique_code(session: Session, base_total_minor: int) -> int:
    """1..999 rupiah so this transfer's amount differs from every other open bank transfer.

    Chosen at random among the free codes, so two orders placed at the same instant rarely pick
    the same one; if they do, the curator still matches by order number in the transfer note.
    """
    used_totals = set(
        session.scalars(
            sa.select(Order.total_minor).where(
                Order.status == OrderStatus.AWAITING_PAYMENT,
                Order.payment_method == PaymentMethod.BANK_TRANSFER,
                Order.total_minor.between(base_total_minor + 1, base_total_minor + UNIQUE_CODE_MAX),
            )
        )
    )
    free = [code for code in range(1, UNIQUE_CODE_MAX + 1) if base_total_minor + code not in used_totals]
    if not free:
        return secrets.randbelow(UNIQUE_CODE_MAX) + 1
    return secrets.choice(free)


def _event(
    session: Session,
    order: Order,
    *,
    from_status,
    to_status,
    actor_label: str,
    now: datetime,
    actor_id: int | None = None,
    note: str = "",
    fulfilment_id: int | None = None,
) -> OrderEvent:
    event = OrderEvent(
        order=order,
        fulfilment_id=fulfilment_id,
        actor_id=actor_id,
        actor_label=(actor_label or "")[:60],
        from_status=str(from_status) if from_status is not None else None,
        to_status=str(to_status),
        note=note,
        created_at=now,
    )
    session.add(event)
    return event


def _claim(session: Session, order: Order, *, from_statuses: Sequence[OrderStatus], values: dict) -> bool:
    """Move the order out of `from_statuses` with one conditional UPDATE; True if this caller won.

    The database serializes concurrent claims on the row, so exactly one caller gets True.
    """
    result = session.execute(
        sa.update(Order)
        .where(Order.id == order.id, Order.status.in_(list(from_statuses)))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    session.expire(order)
    return result.rowcount == 1


# --------------------------------------------------------------------------------------------
# Payment, cancellation, expiry, refunds
# --------------------------------------------------------------------------------------------


def mark_order_paid(
    session: Session,
    order: Order,
    *,
    actor_id: int | None = None,
    actor_label: str,
    payment: Payment | None = None,
    now: datetime,
) -> bool:
    """Record that the order's money arrived. Idempotent; returns True only the first time.

    Awaiting payment → paid: SALE ledger rows (delta 0, the units were reserved at checkout),
    fulfilments pending → processing, an event, the pending bank-transfer Payment (or `payment`)
    marked succeeded, and the "payment received" email queued.

    Already paid/shipped/delivered/refunded → False, nothing changes.
    Cancelled (e.g. expired before the transfer arrived) → False; the order stays cancelled (its
    stock was released and may be sold already), the payment is marked succeeded and a
    "payment received after cancellation — refund due" event is written, so `orders_needing_refund`
    lists it for a curator (or the Stripe helper refunds it).
    """
    if _claim(
        session,
        order,
        from_statuses=[OrderStatus.AWAITING_PAYMENT],
        values={"status": OrderStatus.PAID, "paid_at": now, "updated_at": now},
    ):
        for line in order.lines:
            if line.product_id is not None:
                session.add(
                    StockMovement(
                        product_id=line.product_id,
                        kind=StockMovementKind.SALE,
                        quantity_delta=0,
                        order_id=order.id,
                        actor_id=actor_id,
                        reason=f"paid: order {order.number}",
                        created_at=now,
                    )
                )
        for fulfilment in order.fulfilments:
            if fulfilment.status == FulfilmentStatus.PENDING:
                fulfilment.status = FulfilmentStatus.PROCESSING
        _settle_payment(session, order, payment=payment, actor_id=actor_id, now=now)
        _event(
            session,
            order,
            from_status=OrderStatus.AWAITING_PAYMENT,
            to_status=OrderStatus.PAID,
            actor_id=actor_id,
            actor_label=actor_label,
            now=now,
        )
        session.flush()
        from marketplace.payouts.services import record_sales  # the sale enters the payout ledger

        record_sales(session, order, now=now)
        from marketplace.orders import notifications

        notifications.payment_received(session, order)
        return True

    if order.status == OrderStatus.CANCELLED:
        already = session.scalar(
            sa.select(sa.func.count())
            .select_from(OrderEvent)
            .where(OrderEvent.order_id == order.id, OrderEvent.to_status == REFUND_DUE)
        )
        if not already:
            _settle_payment(session, order, payment=payment, actor_id=actor_id, now=now)
            _event(
                session,
                order,
                from_status=OrderStatus.CANCELLED,
                to_status=REFUND_DUE,
                actor_id=actor_id,
                actor_label=actor_label,
                now=now,
                note="payment received after the order was cancelled: refund it",
            )
            session.flush()
    return False


#: Event status written when money arrives for a cancelled order (see mark_order_paid).
REFUND_DUE = "refund_due"


def _settle_payment(
    session: Session, order: Order, *, payment: Payment | None, actor_id: int | None, now: datetime
) -> None:
    if payment is None and order.payment_method == PaymentMethod.BANK_TRANSFER:
        payment = session.scalars(
            sa.select(Payment)
            .where(
                Payment.order_id == order.id,
                Payment.method == PaymentMethod.BANK_TRANSFER,
            )
            .order_by(Payment.id.desc())
        ).first()
    if payment is not None and payment.status in (
        PaymentStatus.PENDING,
        PaymentStatus.EXPIRED,
        PaymentStatus.FAILED,
    ):
        payment.status = PaymentStatus.SUCCEEDED
        payment.updated_at = now
        if payment.method == PaymentMethod.BANK_TRANSFER and actor_id is not None:
            payment.confirmed_by_id = actor_id


def orders_needing_refund(session: Session) -> list[Order]:
    """Cancelled orders whose money arrived anyway (REFUND_DUE event, not refunded yet)."""
    refund_due = sa.select(OrderEvent.order_id).where(OrderEvent.to_status == REFUND_DUE)
    return list(
        session.scalars(
            sa.select(Order)
            .where(Order.id.in_(refund_due), Order.status == OrderStatus.CANCELLED)
            .order_by(Order.id)
        )
    )


def cancel_unpaid_order(
    session: Session,
    order: Order,
    *,
    reason: str,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """Cancel an order still awaiting payment and give its stock back. Idempotent.

    Claims the order with a conditional UPDATE on its status, so of two concurrent callers (two
    expiry jobs, a buyer and the job) exactly one releases the stock: RELEASE ledger rows once.
    Returns False when the order was not awaiting payment (already cancelled, or paid).
    """
    if not _claim(
        session,
        order,
        from_statuses=[OrderStatus.AWAITING_PAYMENT],
        values={"status": OrderStatus.CANCELLED, "cancelled_at": now, "updated_at": now},
    ):
        return False
    _release(
        session,
        order,
        kind=StockMovementKind.RELEASE,
        reason=f"{reason}: order {order.number}",
        actor_id=actor_id,
        now=now,
    )
    for fulfilment in order.fulfilments:
        fulfilment.status = FulfilmentStatus.CANCELLED
    for payment in session.scalars(
        sa.select(Payment).where(Payment.order_id == order.id, Payment.status == PaymentStatus.PENDING)
    ):
        payment.status = PaymentStatus.EXPIRED
        payment.updated_at = now
    _event(
        session,
        order,
        from_status=OrderStatus.AWAITING_PAYMENT,
        to_status=OrderStatus.CANCELLED,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        note=reason,
    )
    session.flush()
    return True


def expire_unpaid_orders(session: Session, *, now: datetime, limit: int | None = None) -> int:
    """Cancel every order whose payment window ended and release its stock; returns how many.

    Idempotent and safe to run twice at once: each order is claimed by `cancel_unpaid_order`'s
    conditional UPDATE, so only one run releases it.
    """
    query = (
        sa.select(Order.id)
        .where(Order.status == OrderStatus.AWAITING_PAYMENT, Order.payment_due_at < now)
        .order_by(Order.payment_due_at)
    )
    if limit:
        query = query.limit(limit)
    expired = 0
    for order_id in session.scalars(query).all():
        order = session.get(Order, order_id)
        if order is not None and cancel_unpaid_order(
            session, order, reason="payment window ended", actor_label=SYSTEM, now=now
        ):
            expired += 1
    return expired


def expire_if_overdue(session: Session, order: Order, *, now: datetime) -> bool:
    """Lazily expire one order when its window has ended (a write only when it has)."""
    if order.status == OrderStatus.AWAITING_PAYMENT and order.payment_due_at < now:
        return cancel_unpaid_order(session, order, reason="payment window ended", actor_label=SYSTEM, now=now)
    return False


def release_overdue_reservations(session: Session, *, product_ids: Sequence[int], now: datetime) -> int:
    """Expire overdue unpaid orders holding any of `product_ids` (before a buyer sees "sold out").

    One indexed SELECT when nothing is overdue, so it is cheap on cart and checkout pages.
    """
    if not product_ids:
        return 0
    holding = sa.select(OrderLine.order_id).where(OrderLine.product_id.in_(list(product_ids)))
    ids = session.scalars(
        sa.select(Order.id).where(
            Order.status == OrderStatus.AWAITING_PAYMENT, Order.payment_due_at < now, Order.id.in_(holding)
        )
    ).all()
    expired = 0
    for order_id in ids:
        order = session.get(Order, order_id)
        if order is not None and cancel_unpaid_order(
            session, order, reason="payment window ended", actor_label=SYSTEM, now=now
        ):
            expired += 1
    return expired


def mark_order_refunded(
    session: Session,
    order: Order,
    *,
    amount_minor: int,
    actor_label: str,
    actor_id: int | None = None,
    now: datetime,
) -> bool:
    """Record a refund of `amount_minor` (order currency) on the order. Returns True if it changed.

    A refund of the whole total moves a paid/shipped/delivered order — or a cancelled one whose
    money arrived late — to REFUNDED (idempotent: False the second time). Units of a paid order not
    yet shipped go back to stock (RETURN rows); shipped goods come back by a stock adjustment.
    A partial refund writes an event only. Payment rows are the payments domain's to update.
    Raises ValidationError for a non-positive amount or one above the total.
    """
    if not isinstance(amount_minor, int) or amount_minor <= 0:
        raise ValidationError(str(_l("A refund must be a positive amount.")))
    if amount_minor > order.total_minor:
        raise ValidationError(str(_l("A refund cannot exceed the order total.")))
    previous = order.status
    if amount_minor < order.total_minor:
        _event(
            session,
            order,
            from_status=previous,
            to_status=previous,
            actor_id=actor_id,
            actor_label=actor_label,
            now=now,
            note=f"partial refund {amount_minor} {order.currency}",
        )
        session.flush()
        return True
    refundable = [*PAID_STATUSES, OrderStatus.CANCELLED]
    unshipped = previous == OrderStatus.PAID
    if not _claim(
        session, order, from_statuses=refundable, values={"status": OrderStatus.REFUNDED, "updated_at": now}
    ):
        return False
    if unshipped:
        # Units an earlier partial refund already put back (return_to_stock) are not returned twice.
        return_to_stock(
            session,
            order,
            quantities=_unreturned_units(session, order),
            reason=f"refunded: order {order.number}",
            actor_id=actor_id,
            now=now,
        )
        for fulfilment in order.fulfilments:
            if fulfilment.status in (FulfilmentStatus.PENDING, FulfilmentStatus.PROCESSING):
                fulfilment.status = FulfilmentStatus.CANCELLED
    _event(
        session,
        order,
        from_status=previous,
        to_status=OrderStatus.REFUNDED,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        note=f"refund {amount_minor} {order.currency}",
    )
    session.flush()
    return True


def mark_fulfilment_processing(
    session: Session,
    fulfilment: Fulfilment,
    *,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """Pending → processing, only once the order is paid (payment normally does this already).

    One conditional UPDATE, so a double submit moves the parcel once; False when nothing changed.
    """
    result = session.execute(
        sa.update(Fulfilment)
        .where(
            Fulfilment.id == fulfilment.id,
            Fulfilment.status == FulfilmentStatus.PENDING,
            Fulfilment.order_id.in_(sa.select(Order.id).where(Order.status == OrderStatus.PAID)),
        )
        .values(status=FulfilmentStatus.PROCESSING)
        .execution_options(synchronize_session=False)
    )
    session.expire(fulfilment)
    if result.rowcount != 1:
        return False
    _event(
        session,
        fulfilment.order,
        from_status=FulfilmentStatus.PENDING,
        to_status=FulfilmentStatus.PROCESSING,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        fulfilment_id=fulfilment.id,
    )
    session.flush()
    return True


def return_to_stock(
    session: Session,
    order: Order,
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
    left = _unreturned_units(session, order)
    returned = 0
    for line_id, units in sorted(quantities.items()):
        line = lines.get(line_id)
        if line is None or not isinstance(units, int) or units < 0 or units > left.get(line_id, 0):
            raise ValidationError(str(_l("More units cannot come back than were bought.")))
        if units == 0 or line.product_id is None:
            continue
        session.execute(
            sa.update(Product)
            .where(Product.id == line.product_id)
            .values(stock=Product.stock + units)
            .execution_options(synchronize_session=False)
        )
        session.add(
            StockMovement(
                product_id=line.product_id,
                kind=StockMovementKind.RETURN,
                quantity_delta=units,
                order_id=order.id,
                actor_id=actor_id,
                reason=reason[:200],
                created_at=now,
            )
        )
        product = session.get(Product, line.product_id)
        if product is not None:
            session.expire(product, ["stock"])
        returned += units
    session.flush()
    return returned


def _unreturned_units(session: Session, order: Order) -> dict[int, int]:
    """{order_line_id: units bought and not yet returned to stock} (RETURN rows, by product)."""
    returned = dict(
        session.execute(
            sa.select(StockMovement.product_id, sa.func.sum(StockMovement.quantity_delta))
            .where(StockMovement.order_id == order.id, StockMovement.kind == StockMovementKind.RETURN)
            .group_by(StockMovement.product_id)
        ).all()
    )
    left = {}
    for line in sorted(order.lines, key=lambda ln: ln.id):
        already = min(int(returned.get(line.product_id) or 0), line.quantity)
        if line.product_id in returned:
            returned[line.product_id] = int(returned[line.product_id] or 0) - already
        left[line.id] = line.quantity - already
    return left


def mark_fulfilment_shipped(
    session: Session,
    fulfilment: Fulfilment,
    *,
    courier: str,
    tracking_number: str,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """A seller handed their parcel to the courier. Idempotent; True the first time.

    Only a paid order's fulfilment that is being prepared can ship (ValidationError otherwise, or
    for a missing tracking number on courier delivery). The order becomes SHIPPED when every
    fulfilment that is not cancelled has shipped. Queues the "shipped" email with the tracking.
    """
    courier = (courier or "").strip()[:60]
    tracking_number = (tracking_number or "").strip()[:80]
    order = fulfilment.order
    if fulfilment.status in (FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED):
        return False
    if fulfilment.status != FulfilmentStatus.PROCESSING or order.status != OrderStatus.PAID:
        raise ValidationError(str(_l("Only a paid order that is being prepared can be shipped.")))
    if order.shipping_method == ShippingMethod.COURIER and not tracking_number:
        raise ValidationError(str(_l("Enter the courier's tracking number.")), field="tracking_number")
    if not _move_fulfilment(
        session,
        fulfilment,
        from_status=FulfilmentStatus.PROCESSING,
        to_status=FulfilmentStatus.SHIPPED,
        values={"courier": courier, "tracking_number": tracking_number, "shipped_at": now},
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        note=f"{courier} {tracking_number}".strip(),
    ):
        return False
    _advance_order_when_parcels_are(
        session,
        order,
        parcel_statuses={FulfilmentStatus.SHIPPED, FulfilmentStatus.DELIVERED},
        from_statuses=[OrderStatus.PAID],
        to_status=OrderStatus.SHIPPED,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    )
    from marketplace.orders import notifications

    notifications.fulfilment_shipped(session, fulfilment)
    return True


def mark_fulfilment_delivered(
    session: Session,
    fulfilment: Fulfilment,
    *,
    actor_id: int | None = None,
    actor_label: str,
    now: datetime,
) -> bool:
    """The parcel arrived (or was picked up). Idempotent; the order is DELIVERED when all parcels are."""
    order = fulfilment.order
    if not _move_fulfilment(
        session,
        fulfilment,
        from_status=FulfilmentStatus.SHIPPED,
        to_status=FulfilmentStatus.DELIVERED,
        values={"delivered_at": now},
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    ):
        return False
    _advance_order_when_parcels_are(
        session,
        order,
        parcel_statuses={FulfilmentStatus.DELIVERED},
        from_statuses=[OrderStatus.PAID, OrderStatus.SHIPPED],
        to_status=OrderStatus.DELIVERED,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
    )
    return True


def _move_fulfilment(
    session: Session,
    fulfilment: Fulfilment,
    *,
    from_status: FulfilmentStatus,
    to_status: FulfilmentStatus,
    values: dict,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
    note: str = "",
) -> bool:
    """One conditional UPDATE from `from_status`, so a double submit moves the parcel once."""
    order = fulfilment.order
    result = session.execute(
        sa.update(Fulfilment)
        .where(Fulfilment.id == fulfilment.id, Fulfilment.status == from_status)
        .values(status=to_status, **values)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return False
    session.expire(fulfilment)
    _event(
        session,
        order,
        from_status=from_status,
        to_status=to_status,
        actor_id=actor_id,
        actor_label=actor_label,
        now=now,
        fulfilment_id=fulfilment.id,
        note=note,
    )
    session.flush()
    return True


def _advance_order_when_parcels_are(
    session: Session,
    order: Order,
    *,
    parcel_statuses: set[FulfilmentStatus],
    from_statuses: Sequence[OrderStatus],
    to_status: OrderStatus,
    actor_id: int | None,
    actor_label: str,
    now: datetime,
) -> None:
    """Move the order to `to_status` once every parcel that is not cancelled is in `parcel_statuses`."""
    open_statuses = {f.status for f in order.fulfilments if f.status != FulfilmentStatus.CANCELLED}
    if not open_statuses or not open_statuses <= parcel_statuses:
        return
    previous = order.status
    if _claim(session, order, from_statuses=from_statuses, values={"status": to_status, "updated_at": now}):
        _event(
            session,
            order,
            from_status=previous,
            to_status=to_status,
            actor_id=actor_id,
            actor_label=actor_label,
            now=now,
        )
        session.flush()


# --------------------------------------------------------------------------------------------
# Finding orders, and guests' signed links
# --------------------------------------------------------------------------------------------


def _order_query():
    return sa.select(Order).options(
        selectinload(Order.lines), selectinload(Order.fulfilments), selectinload(Order.events)
    )


def find_order_by_number(session: Session, number: str) -> Order | None:
    number = (number or "").strip().upper()
    if not number or len(number) > 24:
        return None
    return session.scalars(_order_query().where(Order.number == number)).first()


def get_order(session: Session, number: str) -> Order:
    order = find_order_by_number(session, number)
    if order is None:
        raise NotFound(str(_l("Order not found.")))
    return order


def get_order_for_buyer(session: Session, number: str, user) -> Order:
    """The order if it belongs to `user`; NotFound (404) otherwise, so others learn nothing."""
    order = find_order_by_number(session, number)
    if order is None or user is None or getattr(user, "id", None) is None or order.buyer_id != user.id:
        raise NotFound(str(_l("Order not found.")))
    return order


def list_orders_for_buyer(session: Session, user, *, limit: int = 100) -> list[Order]:
    return list(
        session.scalars(
            sa.select(Order)
            .where(Order.buyer_id == user.id)
            .order_by(Order.created_at.desc(), Order.id.desc())
            .limit(limit)
        )
    )


def guest_order_token(order: Order, *, secret_key: str) -> str:
    """A signed token for `/orders/<number>?token=…` (sent in emails; does not expire)."""
    return URLSafeSerializer(secret_key, salt=GUEST_LINK_SALT).dumps({"n": order.number, "e": order.email})


def get_order_by_guest_token(session: Session, number: str, token: str, *, secret_key: str) -> Order:
    """The guest order the signed token was made for; NotFound for a tampered or mismatched token.

    Raises PermissionDenied for an order placed from an account, even with a correctly signed token
    (one from before the order was linked to an account, say): only its buyer, logged in, sees it.
    """
    try:
        data = URLSafeSerializer(secret_key, salt=GUEST_LINK_SALT).loads(token or "")
    except BadSignature:
        raise NotFound(str(_l("Order not found."))) from None
    order = find_order_by_number(session, number)
    if (
        order is None
        or not isinstance(data, dict)
        or data.get("n") != order.number
        or data.get("e") != order.email
    ):
        raise NotFound(str(_l("Order not found.")))
    if order.buyer_id is not None:
        raise PermissionDenied(str(_l("Log in to see this order.")))
    return order
