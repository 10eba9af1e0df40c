"""The orders domain's services, in one place for callers.

- `orders.checkout`: validating the checkout and `price_checkout`, the one pricing function.
- `orders.placement`: `place_order` (validate, price, create).
- `orders.lifecycle`: paid, cancelled, expired, refunded.
- `orders.fulfilment`: a seller's parcel processing, shipped, delivered.
- `orders.queries`: finding orders, guests' signed links.

Stock writes are the stock domain's (`marketplace.stock.services`); side effects of an order's
state changes (payment rows, payout ledger, emails) listen to `marketplace.signals`.
"""

from __future__ import annotations

from marketplace.orders.checkout import (
    CheckoutPrice,
    PricedLine,
    cart_fingerprint,
    price_checkout,
    price_lines,
)
from marketplace.orders.fulfilment import (
    mark_fulfilment_delivered,
    mark_fulfilment_processing,
    mark_fulfilment_shipped,
)
from marketplace.orders.history import PAID_STATUSES, SYSTEM
from marketplace.orders.lifecycle import (
    REFUND_DUE,
    cancel_unpaid_order,
    expire_if_overdue,
    expire_unpaid_orders,
    mark_order_paid,
    mark_order_refunded,
    orders_needing_refund,
    release_overdue_reservations,
)
from marketplace.orders.placement import (
    DEFAULT_PAYMENT_WINDOW,
    NUMBER_ALPHABET,
    UNIQUE_CODE_MAX,
    AlreadyPlaced,
    find_order_by_checkout_token,
    place_order,
)
from marketplace.orders.queries import (
    GUEST_LINK_SALT,
    find_order_by_number,
    find_order_for_lookup,
    get_order,
    get_order_by_guest_token,
    get_order_for_buyer,
    guest_order_token,
    line_pictures,
    list_orders_for_buyer,
    page_orders_for_buyer,
)

__all__ = [
    "DEFAULT_PAYMENT_WINDOW",
    "GUEST_LINK_SALT",
    "NUMBER_ALPHABET",
    "PAID_STATUSES",
    "REFUND_DUE",
    "SYSTEM",
    "UNIQUE_CODE_MAX",
    "AlreadyPlaced",
    "CheckoutPrice",
    "PricedLine",
    "cancel_unpaid_order",
    "cart_fingerprint",
    "expire_if_overdue",
    "expire_unpaid_orders",
    "find_order_by_checkout_token",
    "find_order_by_number",
    "find_order_for_lookup",
    "get_order",
    "get_order_by_guest_token",
    "get_order_for_buyer",
    "guest_order_token",
    "line_pictures",
    "list_orders_for_buyer",
    "mark_fulfilment_delivered",
    "mark_fulfilment_processing",
    "mark_fulfilment_shipped",
    "mark_order_paid",
    "mark_order_refunded",
    "orders_needing_refund",
    "page_orders_for_buyer",
    "place_order",
    "price_checkout",
    "price_lines",
    "release_overdue_reservations",
]
