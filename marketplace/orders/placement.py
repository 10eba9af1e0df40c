"""Placing an order: validate the checkout, price it, then create its rows and reserve its stock.

Every write flushes only; the view commits once. Stock is reserved with a conditional UPDATE per
product (`stock.services.reserve_order_stock`): the database decides, so two buyers (in any number of
processes) can never both take the last unit. The reservation is the last write before the
caller's commit, so the product and variant row locks it takes are held for a few statements,
not while the order's rows, its payment and its email are written.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import signals
from marketplace.cart.models import Cart, CartLine
from marketplace.errors import Conflict, ValidationError
from marketplace.i18n import message as _l
from marketplace.markets import services as markets
from marketplace.orders.checkout import (
    CheckoutChoice,
    CheckoutPrice,
    check_card_minimum,
    price_checkout,
    validate_choice,
    validate_lines,
    validate_market,
)
from marketplace.orders.checkout_seen import check_quote, destination_key
from marketplace.orders.history import event_values
from marketplace.orders.models import (
    Fulfilment,
    FulfilmentStatus,
    Order,
    OrderEvent,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    ShippingMethod,
)
from marketplace.orders.notes import clean_note
from marketplace.shipping.services import ShippingAddress
from marketplace.stock.services import reserve_order_stock
from marketplace.timezones import jakarta_date

#: Order numbers: PD-<Jakarta date YYMMDD>-<4 characters that cannot be misread (no 0/O, 1/I)>.
NUMBER_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
DEFAULT_PAYMENT_WINDOW = timedelta(hours=24)
#: The bank-transfer unique code is 1..UNIQUE_CODE_MAX rupiah added to the total.
UNIQUE_CODE_MAX = 999


class AlreadyPlaced(Conflict):
    """The checkout form was submitted twice at once and the other submit won the checkout token.

    The caller rolls back, then finds that order with `find_order_by_checkout_token`.
    `order_number` is set when known.
    """

    def __init__(self, order_number: str | None):
        super().__init__(str(_l("This order was already placed.")))
        self.order_number = order_number


def find_order_by_checkout_token(
    session: Session, checkout_token: str, *, buyer=None, email: str | None = None
) -> Order | None:
    """The order a checkout form already made — only if it is this buyer's (account, or guest email)."""
    if not checkout_token:
        return None
    order = _order_with_token(session, checkout_token)
    if order is None or not _belongs_to(order, buyer=buyer, email=email):
        return None
    return order


def _order_with_token(session: Session, checkout_token: str) -> Order | None:
    return session.scalars(sa.select(Order).where(Order.checkout_token == checkout_token)).first()


def _belongs_to(order: Order, *, buyer, email: str | None) -> bool:
    """Whether `order` is this buyer's (their account's, or for a guest, this email's)."""
    buyer_id = getattr(buyer, "id", None)
    if order.buyer_id != buyer_id:
        return False
    return buyer_id is not None or (email or "").strip().lower() == order.email


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
    note: str = "",
    expected_quote: str | None = None,
    rates: markets.RateTable | None = None,
    quoted_for: str | None = None,
) -> Order:
    """Turn the cart into one order awaiting payment, reserving its stock. Flushes only.

    Prices, titles and sellers come from the database, never from the client. The cart lines are
    taken with one DELETE … RETURNING, so the same cart can only become one order; the same
    `checkout_token` twice (a double click) returns the first order (another buyer's token:
    AlreadyPlaced). Stock is reserved with a conditional UPDATE per product (the database
    decides) and a RESERVE ledger row each.
    `address` may be None only for pickup. `expected_fingerprint` (from `cart_fingerprint` on the
    checkout page) makes a changed cart a Conflict. Sends `signals.order_placed` (the pending
    bank-transfer payment, the confirmation email).

    Raises ValidationError (empty cart, bad address/method, unbuyable product), Conflict (cart
    changed, or emptied by a concurrent checkout) and OutOfStock (not enough stock left). After an
    error the caller must roll back: nothing is half-written once it does.

    Currency (markets): the order is priced in `currency` at the latest rate, frozen on the order
    (`checkout.price_checkout`: unit prices converted half up, × quantity; shipping per parcel;
    totals are sums). A missing or stale rate, or bank transfer outside IDR/Indonesia:
    ValidationError; a total below Stripe's minimum for a card: ValidationError; a rate other
    than `expected_rate_version` (what the checkout page showed): markets.services.RateChanged
    (a Conflict), or checkout_seen.CurrencyChanged when that version was another currency's.
    `note`: the buyer's note for the sellers (`notes.clean_note`; too long:
    ValidationError on field "note"). `expected_quote` (`checkout_seen.quote_token` of the page the
    buyer placed the order from; None: not checked) other than the fresh price's: QuoteChanged
    (a Conflict carrying the new total) — the buyer never pays a shipping or total not shown.
    `rates`: the rate table this request already read (`markets.context.current_rates`), spared
    a second read. `quoted_for`: the `checkout_seen.destination_key` the page's quote was made for;
    the buyer's own later change of delivery is placed when it costs no more (`check_quote`).
    """
    checkout_token = (checkout_token or "").strip()
    if not 16 <= len(checkout_token) <= 64:
        raise ValidationError(str(_l("The checkout form expired. Please review your order and try again.")))
    # 1. Validate: the buyer's choices, the cart's lines, the market's rules.
    choice = validate_choice(
        email=email, address=address, shipping_method=shipping_method, payment_method=payment_method
    )
    note = clean_note(note)
    # Takes nothing when an order already holds this checkout token (a double click): the token
    # is looked up only then, not by a SELECT of its own on every order.
    quantities = _take_cart_lines(session, cart, checkout_token)
    if not quantities:
        existing = _order_with_token(session, checkout_token)
        if existing is not None:
            if _belongs_to(existing, buyer=buyer, email=choice.email):
                return existing
            # Another buyer's form: what the unique token would have refused at the flush.
            raise AlreadyPlaced(None)
        raise ValidationError(str(_l("Your cart is empty.")))
    lines = validate_lines(session, quantities, expected_fingerprint=expected_fingerprint)
    currency = (currency or "IDR").upper()
    rate = validate_market(
        session,
        lines,
        choice,
        currency=currency,
        expected_rate_version=expected_rate_version,
        now=now,
        rate_stale_days=rate_stale_days,
        rates=rates,
    )
    # 2. Price: the same function the checkout page's summary shows.
    price = price_checkout(
        session,
        lines,
        destination=choice.address,
        shipping_method=choice.shipping_method,
        currency=currency,
        rate=rate,
    )
    price.raise_problem()
    check_card_minimum(price, choice.payment_method, lang=lang)
    check_quote(
        price,
        expected_quote,
        lang=lang,
        quoted_for=quoted_for,
        destination=destination_key(choice.address, choice.shipping_method),
    )
    # 3. Create: the order, its parcels and lines, its payment and email; then reserve the stock.
    order = _create_order(
        session,
        choice,
        price,
        buyer=buyer,
        lang=lang,
        checkout_token=checkout_token,
        payment_window=payment_window,
        now=now,
        note=note,
    )
    try:
        # The pending bank-transfer payment and the confirmation email listen; their first flush
        # writes the order row with their own.
        signals.order_placed.send(session=session, order=order, now=now)
        # The unique checkout_token backs the double-click rule under concurrency. (No SAVEPOINT
        # here: this transaction must be rolled back anyway, and the caller then finds the order.)
        session.flush()
    except sa.exc.IntegrityError as error:
        raise AlreadyPlaced(None) from error
    _insert_parcels_lines_and_event(session, order, choice, price, buyer=buyer, now=now)
    # Last: the row locks of the conditional UPDATEs are held from here to the caller's commit.
    _reserve_stock(session, order, price, now=now)
    return order


def _take_cart_lines(session: Session, cart: Cart, checkout_token: str) -> dict[tuple[int, int | None], int]:
    """{(product_id, variant_id): quantity} of the cart's lines, deleted in one statement, unless
    an order already holds `checkout_token` (then nothing is taken).

    The first checkout of this cart gets them; a concurrent second one (other tab, double
    click) blocks on the rows, then finds none.
    """
    # A Core DELETE: the ORM's would first try to match the deleted rows to the session's
    # objects (and fall back to fetching their keys); the cart's lines are expired instead.
    taken = session.execute(_TAKE_CART_LINES, {"cart_id": cart.id, "checkout_token": checkout_token}).all()
    session.expire(cart, ["lines"])
    return {(product_id, variant_id): quantity for product_id, variant_id, quantity in taken}


_cart_lines = CartLine.__table__
#: Built once, like every statement of the place-order path below: a statement object keeps its
#: cache key, so each order only binds its values (no statement built and keyed per request).
_TAKE_CART_LINES = (
    sa.delete(_cart_lines)
    .where(
        _cart_lines.c.cart_id == sa.bindparam("cart_id"),
        ~sa.exists().where(Order.__table__.c.checkout_token == sa.bindparam("checkout_token")),
    )
    .returning(_cart_lines.c.product_id, _cart_lines.c.variant_id, _cart_lines.c.quantity)
)


def _create_order(
    session: Session,
    choice: CheckoutChoice,
    price: CheckoutPrice,
    *,
    buyer,
    lang: str,
    checkout_token: str,
    payment_window: timedelta,
    now: datetime,
    note: str = "",
) -> Order:
    """The order row, added to the session but not flushed (the caller flushes it with the rows its
    listeners add, then writes its parcels, lines and first event)."""
    address = choice.address
    base_total_minor = price.subtotal_minor + price.shipping_minor
    bank_transfer = choice.payment_method == PaymentMethod.BANK_TRANSFER
    # One read for both: the number's uniqueness and, for a bank transfer, the codes in use.
    number, used_totals = _new_order_number(session, now, base_total_minor if bank_transfer else None)
    order = Order(
        number=number,
        buyer_id=getattr(buyer, "id", None),
        email=choice.email,
        lang=lang if lang in ("id", "en") else "id",
        status=OrderStatus.AWAITING_PAYMENT,
        checkout_token=checkout_token,
        currency=price.currency,
        exchange_rate=price.exchange_rate,
        subtotal_minor=price.subtotal_minor,
        shipping_minor=price.shipping_minor,
        unique_code_minor=0,
        total_minor=base_total_minor,
        payment_method=choice.payment_method,
        payment_due_at=now + payment_window,
        shipping_method=choice.shipping_method,
        shipping_zone=price.zone_code,
        ship_name=address.name.strip(),
        ship_phone=address.phone.strip(),
        ship_street=address.street.strip(),
        ship_line2=address.line2.strip(),
        ship_district=address.district.strip(),
        ship_city=address.city.strip(),
        ship_province=address.province,
        ship_postal_code=address.postal_code.strip(),
        ship_country=address.country,
        note=note,
        created_at=now,
        updated_at=now,
    )
    if bank_transfer:
        order.unique_code_minor = _choose_unique_code(base_total_minor, used_totals)
        order.total_minor += order.unique_code_minor
    session.add(order)
    return order


def _insert_parcels_lines_and_event(
    session: Session, order: Order, choice: CheckoutChoice, price: CheckoutPrice, *, buyer, now: datetime
) -> None:
    """The order's parcels (one per seller), its snapshotted lines and its first event, written
    with Core INSERTs once the order has its id: three statements, no ORM objects or unit of work
    (nothing in the request reads them back; `order.fulfilments`, `.lines` and `.events` load
    them when read). The after-flush counters skip a new unpaid order's parcels anyway."""
    parcels = price.parcels
    parcel_shipping = price.parcel_shipping
    parcel_rows = [
        {
            "order_id": order.id,
            "seller_id": parcel.seller_id,
            "status": FulfilmentStatus.PENDING,
            "shipping_minor": parcel_shipping[parcel.seller_id],
            "slowest_days": max((line.product.processing_days or 0 for line in parcel.lines), default=0),
        }
        for parcel in parcels
    ]
    if len(parcel_rows) == 1:
        # One seller (most orders): a plain INSERT … RETURNING, not the many-rows path.
        inserted = [session.execute(_PARCEL_INSERT, parcel_rows[0]).scalar_one()]
    else:
        inserted = session.execute(_PARCELS_INSERT, parcel_rows).scalars().all()
    parcel_ids = dict(zip((parcel.seller_id for parcel in parcels), inserted, strict=True))
    unit_prices = price.unit_prices
    line_rows = []
    for parcel in parcels:
        for line in parcel.lines:
            product = line.product
            label_en = line.variant_label("en")
            description = product.title_en or product.title_id
            line_rows.append(
                {
                    "order_id": order.id,
                    "fulfilment_id": parcel_ids[parcel.seller_id],
                    "product_id": product.id,
                    "variant_id": line.variant.id,
                    "seller_id": parcel.seller_id,
                    "title_id": product.title_id,
                    "title_en": product.title_en or "",
                    "variant_label_id": line.variant_label("id")[:200],
                    "variant_label_en": label_en[:200],
                    "sku": line.variant.sku,
                    "seller_name": product.seller.name,
                    "unit_price_minor": unit_prices[line.key],
                    "unit_price_idr": line.unit_price_minor,
                    "quantity": line.quantity,
                    "line_total_minor": unit_prices[line.key] * line.quantity,
                    "weight_grams": line.weight_grams,
                    "hs_code": product.hs_code,
                    "origin_country": product.origin_country or "ID",
                    # What customs reads: the English title with the variant ("Batik shirt, Size: XL").
                    "customs_description": (f"{description}, {label_en}" if label_en else description)[:160],
                }
            )
    session.execute(_LINES_INSERT, line_rows[0] if len(line_rows) == 1 else line_rows)
    first_event = event_values(
        from_status=None,
        to_status=OrderStatus.AWAITING_PAYMENT,
        actor_id=getattr(buyer, "id", None),
        actor_label="buyer" if buyer else "guest",
        note=f"{choice.payment_method.value}, {choice.shipping_method.value}",
        now=now,
    )
    session.execute(_EVENT_INSERT, {"order_id": order.id, **first_event})


_fulfilments = Fulfilment.__table__
_PARCEL_INSERT = _fulfilments.insert().returning(_fulfilments.c.id)
_PARCELS_INSERT = _fulfilments.insert().returning(_fulfilments.c.id, sort_by_parameter_order=True)
_LINES_INSERT = OrderLine.__table__.insert()
_EVENT_INSERT = OrderEvent.__table__.insert()


def _reserve_stock(session: Session, order: Order, price: CheckoutPrice, *, now: datetime) -> None:
    """Take every line's units (OutOfStock when the database no longer has them), in product then
    variant id order: the same lock order as every other stock writer. The ledger rows are
    written together by one INSERT at the end."""
    with session.no_autoflush:
        reserve_order_stock(
            session,
            [(line.product, line.quantity, line.variant.id) for line in price.lines],
            order=order,
            now=now,
        )


def _new_order_number(
    session: Session, now: datetime, base_total_minor: int | None = None
) -> tuple[str, set[int]]:
    """A free order number and, when `base_total_minor` is given (a bank transfer), the totals of
    the open bank transfers that a unique code of 1..UNIQUE_CODE_MAX would collide with.

    The first attempt reads both in one statement (a UNION ALL of the number's row, if taken,
    marked -1, and those totals, all above 0); a taken number is drawn again (number only).
    """
    prefix = "PD-" + jakarta_date(now).strftime("%y%m%d") + "-"
    number = prefix + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(4))
    used_totals: set[int] = set()
    if base_total_minor is None:
        taken = bool(session.scalar(_NUMBER_TAKEN, {"number": number}))
    else:
        found = set(
            session.scalars(
                _NUMBER_AND_USED_TOTALS,
                {
                    "number": number,
                    "lowest": base_total_minor + 1,
                    "highest": base_total_minor + UNIQUE_CODE_MAX,
                },
            )
        )
        taken = -1 in found
        used_totals = found - {-1}
    for _attempt in range(19):
        if not taken:
            return number, used_totals
        number = prefix + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(4))
        taken = bool(session.scalar(_NUMBER_TAKEN, {"number": number}))
    if not taken:
        return number, used_totals
    # A day with a million orders: fall back to a longer suffix.
    return prefix + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8)), used_totals


_NUMBER_TAKEN = sa.select(sa.func.count()).select_from(Order).where(Order.number == sa.bindparam("number"))
#: The number's row, if taken, as -1, and the totals of the open bank transfers within the unique
#: codes' reach (`lowest`..`highest`: base total + 1 .. + UNIQUE_CODE_MAX), all above 0.
_NUMBER_AND_USED_TOTALS = sa.union_all(
    sa.select(sa.literal(-1, sa.BigInteger)).where(Order.number == sa.bindparam("number")),
    sa.select(Order.total_minor).where(
        Order.status == OrderStatus.AWAITING_PAYMENT,
        Order.payment_method == PaymentMethod.BANK_TRANSFER,
        Order.total_minor.between(sa.bindparam("lowest"), sa.bindparam("highest")),
    ),
)


def _choose_unique_code(base_total_minor: int, used_totals: set[int]) -> int:
    """1..999 rupiah so this transfer's amount differs from every other open bank transfer
    (`used_totals`: their totals near this one, read with the order number).

    Chosen at random among the free codes, so two orders placed at the same instant rarely pick
    the same one; if they do, the curator still matches by order number in the transfer note.
    """
    free = [code for code in range(1, UNIQUE_CODE_MAX + 1) if base_total_minor + code not in used_totals]
    if not free:
        return secrets.randbelow(UNIQUE_CODE_MAX) + 1
    return secrets.choice(free)
