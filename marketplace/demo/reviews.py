"""Demo reviews for `seed-demo`. The demo buyer (buyer@demo.test) bought two items from the demo
seller's shop (seller@demo.test) six weeks ago; the parcel arrived and she reviewed both, one in
Indonesian (the shop replied) and one in English (waiting for the shop's reply). She also reviewed
the two oldest items of her other delivered demo orders; the rest (at least the newest) are left
for the visitor to review from her order page.

Idempotent: the order has a fixed checkout token, a reviewed line is skipped, and the same lines
are chosen on every run. Goes through the orders and reviews services (the products' counters
follow); flushes only.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.cart.models import Cart, CartLine
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.demo.actors import payment_confirmed_by, received_by, shipped_by
from marketplace.demo.data import BUYER_EMAIL, SELLER_EMAIL
from marketplace.demo.pictures import product_picture
from marketplace.errors import DomainError
from marketplace.media.storage import MediaStorage
from marketplace.orders import services as orders
from marketplace.orders.fulfilment import mark_fulfilment_delivered, mark_fulfilment_shipped
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order, OrderLine
from marketplace.reviews.models import Review
from marketplace.reviews.services import create_review, reply_to_review
from marketplace.seller.models import Seller
from marketplace.shipping.services import ShippingAddress

DEMO_ORDER_KEY = "demo-review-order-000001"
ORDERED_DAYS_AGO = 42

#: The demo shop's two lines: (stars, language, text, the shop's reply or "").
SHOP_REVIEWS = (
    (
        5,
        "id",
        "Batiknya halus, warnanya sama seperti di foto. Dikemas rapi dengan kertas minyak. "
        "Terima kasih, semoga makin laris!",
        "Matur nuwun, Kak Rina! Senang sekali batiknya cocok. Ditunggu pesanan berikutnya.",
    ),
    (
        4,
        "en",
        "Lovely craftsmanship and it arrived well packed. Shipping took a few days longer than I "
        "expected, but it was worth the wait.",
        "",
    ),
)
#: Her other delivered lines, oldest first (the newest is never reviewed here).
OTHER_REVIEWS = (
    (5, "id", "Kualitas bagus dan penjualnya ramah. Paket sampai dalam 3 hari.", ""),
    (3, "id", "Barang sesuai, tapi ukurannya sedikit lebih kecil dari yang saya bayangkan.", ""),
)

#: Where the demo buyer lives: her orders go there, and her account keeps it as "Rumah" (seed).
BUYER_ADDRESS = ShippingAddress(
    name="Rina Wulandari",
    phone="0812 3456 7811",
    street="Jl. Ahmad Yani 40",
    district="Genteng",
    city="Kabupaten Banyuwangi",
    province="Jawa Timur",
    postal_code="68465",
)


def seed_demo_reviews(session: Session, storage: MediaStorage, *, now: datetime) -> int:
    """The demo shop's order and the demo buyer's reviews; returns reviews created."""
    buyer = session.scalar(sa.select(User).where(User.email == BUYER_EMAIL))
    owner = session.scalar(sa.select(User).where(User.email == SELLER_EMAIL))
    shop = session.scalar(sa.select(Seller).where(Seller.user_id == owner.id)) if owner else None
    if buyer is None or shop is None:
        return 0
    _ensure_shop_order(session, buyer, shop, now=now)
    rows = session.execute(
        sa.select(OrderLine, Order.checkout_token)
        .join(Fulfilment, Fulfilment.id == OrderLine.fulfilment_id)
        .join(Order, Order.id == OrderLine.order_id)
        .where(
            Order.buyer_id == buyer.id,
            Fulfilment.status == FulfilmentStatus.DELIVERED,
            OrderLine.product_id.is_not(None),
        )
        .order_by(Fulfilment.delivered_at, OrderLine.id)
    ).all()
    shop_lines = [line for line, token in rows if token == DEMO_ORDER_KEY]
    others = [line for line, token in rows if token != DEMO_ORDER_KEY]
    chosen = list(zip(shop_lines, SHOP_REVIEWS, strict=False)) + list(
        zip(others[:-1], OTHER_REVIEWS, strict=False)
    )
    reviewed = set(
        session.scalars(
            sa.select(Review.order_line_id).where(Review.order_line_id.in_([line.id for line, _ in chosen]))
        )
    )
    created = 0
    for index, (line, (stars, lang, text, reply)) in enumerate(chosen):
        if line.id in reviewed:
            continue
        written = line.fulfilment.delivered_at + timedelta(days=2)
        # The first review carries the buyer's photo of what arrived (drawn like the demo's pictures).
        photos = [_buyer_photo(session, line.product_id)] if index == 0 else []
        review = create_review(
            session, line_id=line.id, author=buyer, rating=stars, body=text, lang=lang, photos=photos,
            storage=storage, now=written,
        )  # fmt: skip
        created += 1
        if reply:
            reply_to_review(
                session,
                review,
                seller_ids=[shop.id],
                author=owner,
                body=reply,
                now=written + timedelta(hours=5),
            )
    return created


def _buyer_photo(session: Session, product_id: int) -> bytes:
    product = session.get(Product, product_id)
    return product_picture(product.slug, "batik", product.title_id, 5)


def _ensure_shop_order(session: Session, buyer: User, shop: Seller, *, now: datetime) -> None:
    """Two of the shop's products bought, paid, shipped and delivered (once: a fixed token)."""
    if session.scalar(sa.select(Order.id).where(Order.checkout_token == DEMO_ORDER_KEY)) is not None:
        return
    products = session.scalars(
        sa.select(Product)
        .where(Product.seller_id == shop.id, Product.status == ProductStatus.ACTIVE, Product.stock > 0)
        .order_by(Product.id)
        .limit(2)
    ).all()
    if not products:
        return
    placed_at = now - timedelta(days=ORDERED_DAYS_AGO)

    def paid_shipped_and_delivered(order: Order) -> None:
        # Each step by whom it is taken in real life (demo/actors.py), as the history shows.
        orders.mark_order_paid(
            session, order, **payment_confirmed_by(session, order), now=placed_at + timedelta(hours=3)
        )
        for parcel in order.fulfilments:
            mark_fulfilment_shipped(
                session, parcel, courier="JNE", courier_code="jne", tracking_number=f"DEMOR{parcel.id:07d}",
                **shipped_by(parcel), now=placed_at + timedelta(days=1),
            )  # fmt: skip
            mark_fulfilment_delivered(
                session, parcel, **received_by(order), now=placed_at + timedelta(days=4)
            )

    place_buyer_order(
        session, buyer, products, token=DEMO_ORDER_KEY, placed_at=placed_at, then=paid_shipped_and_delivered
    )


def place_buyer_order(
    session: Session,
    buyer: User,
    products: Sequence[Product],
    *,
    token: str,
    placed_at: datetime,
    then: Callable[[Order], None],
) -> Order | None:
    """The demo buyer orders one of each of `products` from home by bank transfer (the checkout
    token `token`), and `then` takes the order's next steps, all through the real services. None,
    and nothing written, when a product ran out meanwhile: the demo goes on without this order."""
    cart = Cart(token=secrets.token_urlsafe(32))
    session.add(cart)
    session.flush()
    for product in products:
        session.add(CartLine(cart_id=cart.id, product_id=product.id, quantity=1))
    session.flush()
    savepoint = session.begin_nested()
    try:
        order = orders.place_order(
            session, cart=cart, buyer=buyer, email=buyer.email, lang="id", address=BUYER_ADDRESS,
            shipping_method="courier", payment_method="bank_transfer", checkout_token=token,
            now=placed_at, rate_stale_days=10_000,
        )  # fmt: skip
        then(order)
    except DomainError:
        savepoint.rollback()
        order = None
    else:
        savepoint.commit()
    session.delete(cart)
    session.flush()
    return order
