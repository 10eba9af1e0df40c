"""Builders for monitoring tests: orders written as rows with exact paid times (plain functions)."""

from __future__ import annotations

import itertools
import secrets
from datetime import UTC, datetime, timedelta

from marketplace.monitoring import summary
from marketplace.orders.models import (
    Fulfilment,
    Order,
    OrderLine,
    OrderStatus,
    PaymentMethod,
    ShippingMethod,
)

_numbers = itertools.count(1)


def make_order(
    session,
    lines,
    *,
    paid_at: datetime | None,
    status: OrderStatus | None = None,
    buyer=None,
    email: str = "guest@example.test",
    ship_country: str = "ID",
    currency: str = "IDR",
) -> Order:
    """An order with `lines` = [(product or None, quantity, unit_price_idr, seller)], one
    fulfilment per seller. `product=None` is a line whose product was deleted since. A sale (paid,
    not cancelled) enters the monitoring summaries, as `signals.order_paid` puts it there."""
    if status is None:
        status = OrderStatus.PAID if paid_at else OrderStatus.AWAITING_PAYMENT
    created = paid_at or datetime(2026, 2, 10, 3, 0, tzinfo=UTC)
    subtotal = sum(quantity * price for _product, quantity, price, _seller in lines)
    order = Order(
        number=f"PD-TEST-{next(_numbers):05d}",
        buyer_id=buyer.id if buyer else None,
        email=buyer.email if buyer else email,
        status=status,
        checkout_token=secrets.token_urlsafe(24),
        currency=currency,
        exchange_rate=None,
        subtotal_minor=subtotal,
        shipping_minor=0,
        total_minor=subtotal,
        payment_method=PaymentMethod.BANK_TRANSFER,
        payment_due_at=created + timedelta(days=1),
        paid_at=paid_at,
        shipping_method=ShippingMethod.COURIER,
        ship_country=ship_country,
        created_at=created,
    )
    session.add(order)
    session.flush()
    fulfilments: dict[int, Fulfilment] = {}
    for product, quantity, price, seller in lines:
        if seller.id not in fulfilments:
            fulfilments[seller.id] = Fulfilment(order_id=order.id, seller_id=seller.id)
            session.add(fulfilments[seller.id])
            session.flush()
        session.add(
            OrderLine(
                order_id=order.id,
                fulfilment_id=fulfilments[seller.id].id,
                product_id=product.id if product else None,
                seller_id=seller.id,
                title_id=product.title_id if product else "Produk terhapus",
                title_en=product.title_en if product else "Deleted product",
                seller_name=seller.name,
                unit_price_minor=price,
                quantity=quantity,
                line_total_minor=price * quantity,
                unit_price_idr=price,
                weight_grams=500,
            )
        )
    session.flush()
    if paid_at is not None and status != OrderStatus.CANCELLED:
        # What `signals.order_paid` does for an order paid through mark_order_paid.
        summary.add_order(session, order, paid_at=paid_at)
    return order
