"""Demo activity for `seed-demo`: a year of paid orders and a few mentoring notes, so the
monitoring dashboard and the mentoring log have something to show on `make run`.

Orders go through the real checkout (`place_order` then `mark_order_paid`), so stock, the ledger
and payments are what a real sale leaves: a card order has its succeeded Stripe Payment (made-up
`cs_demo_…`/`pi_demo_…` references), a transfer its Payment confirmed by the curator with a
reference. An order from abroad is priced and paid by card in its country's currency (Singapore
in SGD, the Netherlands in EUR: `markets.context.COUNTRY_CURRENCIES`) at the demo's exchange rate;
monitoring still counts it in rupiah (the lines' `unit_price_idr`). Deterministic (fixed random
seed, dates relative to `now`) and idempotent: nothing is added when demo orders or mentoring notes
already exist.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.cart.models import Cart, CartLine
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.errors import DomainError
from marketplace.markets.context import COUNTRY_CURRENCIES
from marketplace.mentoring import services as mentoring
from marketplace.mentoring.models import MentoringNote
from marketplace.orders import services as orders
from marketplace.orders.models import Order, PaymentMethod
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.payments.transfers import find_bank_payment
from marketplace.payments.webhooks import ACTOR_LABEL as STRIPE_ACTOR
from marketplace.seller.models import Seller, SellerStatus
from marketplace.shipping.services import ShippingAddress
from marketplace.timezones import JAKARTA

DEMO_ORDER_PREFIX = "demo-order-"
RANDOM_SEED = 20261128
ORDER_COUNT = 36
#: Units of each product the demo's orders leave on sale.
KEEP_ON_SALE = 2

_DOMESTIC = ShippingAddress(
    name="Dewi Lestari",
    phone="0812 3456 7890",
    street="Jl. Raya Kabat 12",
    district="Kabat",
    city="Kabupaten Banyuwangi",
    province="Jawa Timur",
    postal_code="68461",
)
_ABROAD = [
    ShippingAddress(
        name="Mei Lin Tan",
        phone="+65 6123 4567",
        street="12 Orchard Road",
        district="",
        city="Singapore",
        province="",
        postal_code="238841",
        country="SG",
    ),
    ShippingAddress(
        name="Sanne de Vries",
        phone="+31 20 123 4567",
        street="Keizersgracht 100",
        district="",
        city="Amsterdam",
        province="Noord-Holland",
        postal_code="1015 CZ",
        country="NL",
    ),
]

_NOTES = [
    (
        "visit",
        12,
        "Visited the workshop: two new motifs in progress; helped photograph them in daylight.",
        30,
    ),
    ("note", 20, "Phone call: stock of the best seller runs out before Lebaran; plan a second batch.", None),
    ("visit", 45, "Field visit with the village facilitator; packaging for export still too heavy.", 14),
    ("visit", 130, "First visit: explained listing photos and the label request for P-IRT.", None),
    ("note", 5, "Asked about the Halal certificate renewal; documents are at the village office.", 20),
]


def seed_demo_activity(session: Session, *, now: datetime) -> dict[str, int]:
    """Add demo orders and mentoring notes if there are none yet. Flushes only."""
    added = {"orders": 0, "mentoring notes": 0}
    has_orders = session.scalar(
        sa.select(sa.func.count())
        .select_from(Order)
        .where(Order.checkout_token.like(f"{DEMO_ORDER_PREFIX}%"))
    )
    if not has_orders:
        added["orders"] = _orders(session, now=now)
    if not session.scalar(sa.select(sa.func.count()).select_from(MentoringNote)):
        added["mentoring notes"] = _notes(session, now=now)
    return added


def _products(session: Session) -> list[Product]:
    """What demo orders buy: products without sizes or weights to choose (a cart line needs the
    variant of a product with several, and their stock per size is what the demo shows)."""
    products = session.scalars(
        sa.select(Product)
        .join(Seller, Seller.id == Product.seller_id)
        .where(
            Product.status == ProductStatus.ACTIVE,
            Seller.status == SellerStatus.APPROVED,
            Product.stock >= 4,
        )
        .options(selectinload(Product.variants))
        .order_by(Product.id)
    )
    return [product for product in products if len(product.variants) == 1]


def _stocks(session: Session, products: list[Product]) -> dict[int, int]:
    """Each product's stock now (one statement), as the orders placed so far left it."""
    return dict(
        session.execute(
            sa.select(Product.id, Product.stock).where(Product.id.in_([p.id for p in products]))
        ).all()
    )


def _orders(session: Session, *, now: datetime) -> int:
    rng = random.Random(RANDOM_SEED)
    products = _products(session)
    if not products:
        return 0
    exportable = [p for p in products if p.exportable]
    buyer = session.scalar(sa.select(User).where(User.email == "buyer@demo.test"))
    curator = session.scalar(sa.select(User).where(User.is_curator.is_(True)).order_by(User.id))
    placed = 0
    for n in range(ORDER_COUNT):
        days_ago = 2 + (n * 360) // ORDER_COUNT + rng.randrange(0, 9)
        paid_at = now - timedelta(days=days_ago, hours=rng.randrange(0, 12))
        placed_at = paid_at - timedelta(hours=2)
        abroad = n % 6 == 5 and bool(exportable)
        # Never a product's last units: a shopper opening the demo finds what it sold still on sale
        # (the featured batik cloth of four was sold out by the demo's own orders).
        stock = _stocks(session, products)
        pool = [p for p in (exportable if abroad else products) if stock[p.id] >= KEEP_ON_SALE + 2]
        chosen = rng.sample(pool, k=min(len(pool), 1 + (n % 4 == 0)))
        if not chosen:
            continue
        account = buyer if (buyer is not None and n % 5 == 0) else None
        address = _ABROAD[(n // 6) % 2] if abroad else _DOMESTIC  # n % 2 is 1 for every sixth n
        cart = Cart(token=secrets.token_urlsafe(32))
        session.add(cart)
        session.flush()
        for product in chosen:
            session.add(CartLine(cart_id=cart.id, product_id=product.id, quantity=1 + rng.randrange(0, 2)))
        session.flush()
        savepoint = session.begin_nested()
        try:
            order = orders.place_order(
                session,
                cart=cart,
                buyer=account,
                email=account.email if account else f"pembeli{1 + rng.randrange(0, 14)}@example.test",
                lang="en" if abroad else "id",
                address=address,
                shipping_method="courier",
                payment_method="stripe" if abroad else "bank_transfer",
                currency=COUNTRY_CURRENCIES[address.country],  # IDR at home; SGD, EUR abroad
                checkout_token=f"{DEMO_ORDER_PREFIX}{n:06d}",  # 16–64 characters
                now=placed_at,
                rate_stale_days=10_000,
            )
            # Confirmed as in real life, so the buyer's history says by whom (Stripe's webhook, or
            # the curators' transfer desk), and the order has the Payment row a real one has.
            if order.payment_method == PaymentMethod.STRIPE:
                payment = demo_card_payment(session, order, placed_at=placed_at)
                paid_by = {"actor_label": STRIPE_ACTOR}
            else:
                payment = find_bank_payment(session, order.id)
                if curator is not None:
                    paid_by = {"actor_id": curator.id, "actor_label": f"curator {curator.email}"}
                else:
                    paid_by = {"actor_label": "curator"}
            orders.mark_order_paid(session, order, **paid_by, payment=payment, now=paid_at)
            if payment is not None and payment.method == PaymentMethod.BANK_TRANSFER:
                payment.bank_reference = f"DEMO-TRF-{n + 1:04d}"  # what the curator read on the statement
        except DomainError:
            # A product ran out or a rate is missing: this demo order is simply left out.
            savepoint.rollback()
        else:
            savepoint.commit()
            placed += 1
        session.delete(cart)
        session.flush()
    return placed


def demo_card_payment(
    session: Session, order: Order, *, placed_at: datetime, reference: str | None = None
) -> Payment:
    """The pending card Payment a real checkout session leaves, with made-up Stripe references
    (`reference`, the order number by default; no Stripe is asked); `mark_order_paid` then marks it
    succeeded, as the webhook would. `flask serve` tells its local Stripe server about the payment
    (marketplace/payments/local_stripe/restore.py), so a curator can refund it there."""
    reference = reference or order.number
    payment = Payment(
        order_id=order.id,
        method=PaymentMethod.STRIPE,
        status=PaymentStatus.PENDING,
        amount_minor=order.total_minor,
        currency=order.currency,
        provider_reference=f"cs_demo_{reference}",
        payment_intent_id=f"pi_demo_{reference}",
        checkout_expires_at=placed_at + timedelta(days=1),
        created_at=placed_at,
        updated_at=placed_at,
    )
    session.add(payment)
    session.flush()
    return payment


def _notes(session: Session, *, now: datetime) -> int:
    curator = session.scalar(sa.select(User).where(User.is_curator.is_(True)).order_by(User.id))
    sellers = list(
        session.scalars(
            sa.select(Seller).where(Seller.status == SellerStatus.APPROVED).order_by(Seller.id).limit(4)
        )
    )
    if curator is None or not sellers:
        return 0
    today = now.astimezone(JAKARTA).date()
    added = 0
    for index, (kind, days_ago, body, follow_up_in) in enumerate(_NOTES):
        day = today - timedelta(days=days_ago)
        mentoring.add_note(
            session,
            seller=sellers[index % len(sellers)],
            author=curator,
            kind=kind,
            visited_on=day,
            body=body,
            follow_up_on=day + timedelta(days=follow_up_in) if follow_up_in else None,
            today=today,
        )
        added += 1
    return added
