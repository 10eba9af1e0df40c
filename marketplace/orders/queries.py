"""Finding orders: by number, a buyer's own, and guests' signed links."""

from __future__ import annotations

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session, selectinload

from marketplace import contact
from marketplace.catalogue.models import ProductImage, ProductVariant
from marketplace.errors import NotFound, PermissionDenied
from marketplace.i18n import message as _l
from marketplace.orders.models import Fulfilment, Order, OrderLine
from marketplace.seller.models import Seller

GUEST_LINK_SALT = "orders.guest-link"


def _order_query():
    return sa.select(Order).options(
        selectinload(Order.lines),
        selectinload(Order.fulfilments).selectinload(Fulfilment.seller).joinedload(Seller.village),
        selectinload(Order.events),
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


def find_order_for_lookup(session: Session, number: str, email: str) -> Order | None:
    """The order with this number placed with this email address (guest or account), or None.

    The order lookup page answers None the same way whether the number is unknown or the email
    does not match, so it tells nothing about other people's orders.
    """
    order = find_order_by_number(session, number)
    if order is None or not email or contact.normalize_email(email) != contact.normalize_email(order.email):
        return None
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


def page_orders_for_buyer(session: Session, user, *, page: int, per_page: int) -> tuple[list[Order], int]:
    """One page of the buyer's orders, newest first, with their lines and parts (and the parts'
    lines), and how many orders they have: four statements whatever the page holds (the order list)."""
    total = session.scalar(sa.select(sa.func.count(Order.id)).where(Order.buyer_id == user.id)) or 0
    orders = session.scalars(
        sa.select(Order)
        .where(Order.buyer_id == user.id)
        .options(selectinload(Order.lines), selectinload(Order.fulfilments).selectinload(Fulfilment.lines))
        .order_by(Order.created_at.desc(), Order.id.desc())
        .offset(max(page - 1, 0) * per_page)
        .limit(per_page)
    ).all()
    return list(orders), int(total)


def line_pictures(session: Session, lines: list[OrderLine]) -> dict[int, ProductImage]:
    """{order line id: the picture to show for it}: its variant's photo, else its product's first;
    lines whose product is gone or has no photo are left out. One statement for any number."""
    product_ids = {line.product_id for line in lines if line.product_id is not None}
    if not product_ids:
        return {}
    variant_ids = [line.variant_id for line in lines if line.variant_id is not None]
    rows = session.execute(
        sa.select(ProductImage, ProductVariant.id)
        .outerjoin(
            ProductVariant,
            sa.and_(ProductVariant.image_id == ProductImage.id, ProductVariant.id.in_(variant_ids)),
        )
        .where(ProductImage.product_id.in_(product_ids))
        .order_by(ProductImage.product_id, ProductImage.position, ProductImage.id)
    ).all()
    first: dict[int, ProductImage] = {}
    by_variant: dict[int, ProductImage] = {}
    for image, variant_id in rows:
        first.setdefault(image.product_id, image)
        if variant_id is not None:
            by_variant[variant_id] = image
    pictures = {}
    for line in lines:
        image = by_variant.get(line.variant_id) or first.get(line.product_id)
        if image is not None:
            pictures[line.id] = image
    return pictures


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
