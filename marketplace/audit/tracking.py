"""Who changed a seller's records: audit rows written automatically in the flush that makes the change.

Off by default. The seller area turns it on for one request (`start_tracking`, in the
`accounts.access.seller_area` guard) with the acting account and its role per shop; every flush then turns
new, changed and deleted Product, ProductImage, ProductOption, ProductVariant, ProductRevision,
ProductLabel, StockMovement, Fulfilment (and its status history rows, as parcels move by UPDATE
statements), Seller, SellerPayoutAccount, ShopProfileRevision and WorkshopPhoto rows into AuditEntry
rows with the changed columns' before and after values.
Stock rows show the product's stock before and after. Cost per flush: at most two SELECTs
(products, parcels) and one multi-row INSERT, whatever the number of objects.
CLI jobs may opt in with `tracking(...)`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.audit.models import ActorRole, AuditEntry
from marketplace.audit.services import _jsonable
from marketplace.types import utcnow

_KEY = "marketplace.audit.tracking"

#: Columns whose changes say nothing a person needs (timestamps kept by the app, search text).
SKIPPED_COLUMNS = frozenset({"id", "created_at", "updated_at", "search_text"})
#: Long texts are cut in the log; the record itself keeps the whole text.
MAX_TEXT = 500


@dataclass(frozen=True)
class TrackingContext:
    """Who acts: the account, and its role for each shop it may touch."""

    actor_id: Optional[int]
    actor_label: str
    roles: Mapping[int, ActorRole] = field(default_factory=dict)
    #: The role for a shop missing from `roles` (e.g. a CLI job acting for the system).
    default_role: ActorRole = ActorRole.SELLER

    def role_for(self, seller_id: Optional[int]) -> ActorRole:
        return self.roles.get(seller_id, self.default_role) if seller_id is not None else self.default_role


def start_tracking(
    session: Session,
    *,
    actor: Any,
    roles: Mapping[int, ActorRole | str],
    default_role: ActorRole | str = ActorRole.SELLER,
) -> None:
    """Record every later change to a seller's records in this session as made by `actor`."""
    session.info[_KEY] = TrackingContext(
        actor_id=getattr(actor, "id", None),
        actor_label=(getattr(actor, "email", "") or "system")[:120],
        roles={seller_id: ActorRole(role) for seller_id, role in roles.items()},
        default_role=ActorRole(default_role),
    )


def stop_tracking(session: Session) -> None:
    session.info.pop(_KEY, None)


@contextmanager
def tracking(
    session: Session,
    *,
    actor: Any,
    roles: Mapping[int, ActorRole | str],
    default_role: ActorRole | str = ActorRole.SELLER,
) -> Iterator[None]:
    """`with tracking(session, actor=user, roles={seller_id: "seller"}): ...` — for CLI jobs and tests."""
    start_tracking(session, actor=actor, roles=roles, default_role=default_role)
    try:
        yield
    finally:
        stop_tracking(session)


def is_tracking(session: Session) -> bool:
    return _KEY in session.info


# ---------------------------------------------------------------------------------------------
# What a tracked class is called in the log and how to find its shop
# ---------------------------------------------------------------------------------------------


def _tracked_classes() -> dict[type, str]:
    # cycle: every tracked domain imports audit (record_action); the tracker sits below them and
    # looks their classes up only when a flush is inspected.
    from marketplace.catalogue.models import Product, ProductImage, ProductOption, ProductVariant
    from marketplace.curation.models import ProductRevision
    from marketplace.labels.models import ProductLabel
    from marketplace.orders.models import Fulfilment, OrderEvent
    from marketplace.seller.models import Seller, SellerPayoutAccount, ShopProfileRevision, WorkshopPhoto
    from marketplace.stock.models import StockMovement

    return {
        Product: "product",
        ProductImage: "product_image",
        ProductOption: "product_option",
        ProductVariant: "product_variant",
        ProductRevision: "product_revision",
        ProductLabel: "product_label",
        StockMovement: "stock",
        Fulfilment: "fulfilment",
        # Parcels move by conditional UPDATEs; their status history rows are what the ORM sees.
        OrderEvent: "fulfilment_event",
        Seller: "seller",
        SellerPayoutAccount: "payout_account",
        ShopProfileRevision: "shop_profile_revision",
        WorkshopPhoto: "workshop_photo",
    }


def _value(key: str, value: Any) -> Any:
    if key == "account_number" and isinstance(value, str) and value:
        # A bank account number is shown to whoever reads the shop's history: keep the last digits.
        return "•••" + value[-4:]
    value = _jsonable(value)
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[: MAX_TEXT - 1] + "…"
    return value


def _columns(state) -> list[str]:
    return [attr.key for attr in state.mapper.column_attrs if attr.key not in SKIPPED_COLUMNS]


def _snapshot(state) -> dict[str, Any]:
    """The loaded column values of an object (nothing is loaded from the database here)."""
    values = state.dict
    return {key: _value(key, values[key]) for key in _columns(state) if values.get(key) is not None}


def _changes(state) -> tuple[dict[str, Any], dict[str, Any]]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for key in _columns(state):
        history = state.attrs[key].history
        if not history.has_changes():
            continue
        old = history.deleted[0] if history.deleted else None
        new = history.added[0] if history.added else None
        if old == new:
            continue
        before[key] = _value(key, old)
        after[key] = _value(key, new)
    return before, after


@dataclass
class _Change:
    obj: Any
    target_type: str
    kind: str  # create, update, delete
    before: Optional[dict[str, Any]]
    after: Optional[dict[str, Any]]


def _collect(session: Session) -> list[_Change]:
    classes = _tracked_classes()
    changes: list[_Change] = []
    for obj in session.new:
        target_type = classes.get(type(obj))
        if target_type == "fulfilment_event" and obj.fulfilment_id is None:
            continue  # the order's own status follows its parcels: not a seller's change
        if target_type:
            changes.append(_Change(obj, target_type, "create", None, _snapshot(sa.inspect(obj))))
    for obj in session.dirty:
        target_type = classes.get(type(obj))
        if target_type and session.is_modified(obj, include_collections=False):
            before, after = _changes(sa.inspect(obj))
            if after or before:
                changes.append(_Change(obj, target_type, "update", before, after))
    for obj in session.deleted:
        target_type = classes.get(type(obj))
        if target_type:
            changes.append(_Change(obj, target_type, "delete", _snapshot(sa.inspect(obj)), None))
    changes.sort(key=lambda c: (c.target_type, getattr(c.obj, "id", 0) or 0))
    return changes


def _after_flush(session: Session, flush_context) -> None:
    context: Optional[TrackingContext] = session.info.get(_KEY)
    if context is None:
        return
    changes = _collect(session)
    if not changes:
        return
    # cycle: catalogue and orders sit above audit (see _tracked_classes).
    from marketplace.catalogue.models import Product
    from marketplace.orders.models import Fulfilment, Order

    connection = session.connection()
    product_ids = {
        c.obj.product_id for c in changes if c.target_type != "product" and hasattr(c.obj, "product_id")
    }
    products: dict[int, tuple[int, str, int]] = {}
    if product_ids:
        # Read from the database, not the objects: stock moves by UPDATE statements.
        rows = connection.execute(
            sa.select(Product.id, Product.seller_id, Product.title_id, Product.stock).where(
                Product.id.in_(sorted(product_ids))
            )
        )
        products = {pid: (seller_id, title, stock) for pid, seller_id, title, stock in rows}
    fulfilment_ids = {c.obj.id for c in changes if c.target_type == "fulfilment"} | {
        c.obj.fulfilment_id for c in changes if c.target_type == "fulfilment_event"
    }
    parcels: dict[int, tuple[int, str]] = {}
    if fulfilment_ids:
        rows = connection.execute(
            sa.select(Fulfilment.id, Fulfilment.seller_id, Order.number)
            .join(Order, Order.id == Fulfilment.order_id)
            .where(Fulfilment.id.in_(sorted(fulfilment_ids)))
        )
        parcels = {fid: (seller_id, number) for fid, seller_id, number in rows}

    now = utcnow()
    rows: list[dict[str, Any]] = []
    # Several stock movements of one product in one flush: walk back from the stock now.
    stock_after: dict[int, int] = {pid: info[2] for pid, info in products.items()}
    movements = [c for c in changes if c.target_type == "stock"]
    for change in reversed(movements):
        movement = change.obj
        current = stock_after.get(movement.product_id)
        if current is None or change.kind != "create":
            continue
        change.before = {"stock": current - movement.quantity_delta}
        change.after = {"stock": current}
        stock_after[movement.product_id] = current - movement.quantity_delta

    for change in changes:
        obj = change.obj
        note = ""
        if change.target_type == "product":
            seller_id, target_id, label = obj.seller_id, obj.id, obj.title_id
        elif change.target_type == "seller":
            seller_id, target_id, label = obj.id, obj.id, obj.name
        elif change.target_type in ("payout_account", "shop_profile_revision"):
            seller_id, target_id, label = obj.seller_id, obj.id, ""
        elif change.target_type == "workshop_photo":
            seller_id, target_id, label = obj.seller_id, obj.id, obj.alt_id
        elif change.target_type == "fulfilment":
            seller_id, target_id = obj.seller_id, obj.id
            label = parcels.get(obj.id, (None, ""))[1]
        elif change.target_type == "fulfilment_event":
            target_id = obj.fulfilment_id
            seller_id, label = parcels.get(target_id, (None, ""))
        else:
            seller_id, label, _stock = products.get(obj.product_id, (None, "", 0))
            target_id = obj.id
        action = f"{change.target_type}.{change.kind}"
        if change.target_type == "fulfilment_event":
            # One status step of a parcel: "fulfilment.shipped", before/after its status.
            action = f"fulfilment.{obj.to_status}"
            change.before = {"status": obj.from_status}
            change.after = {"status": obj.to_status}
            change.target_type = "fulfilment"
            note = obj.note or ""
        elif change.target_type == "stock":
            # The ledger row is the change; the log shows it against the product it moved.
            action = f"stock.{_jsonable(obj.kind)}"
            target_id = obj.product_id
            note = obj.reason or ""
            change.target_type = "product"
        rows.append(
            {
                "actor_id": context.actor_id,
                "actor_label": context.actor_label,
                "actor_role": context.role_for(seller_id).value,
                "action": action[:60],
                "target_type": change.target_type,
                "target_id": target_id,
                "target_label": (label or "")[:200],
                "seller_id": seller_id,
                "before": change.before,
                "after": change.after,
                "note": note,
                "created_at": now,
            }
        )
    connection.execute(sa.insert(AuditEntry.__table__), rows)


def init_app(app: Flask) -> None:
    """Listen to every session's flushes once per process (a no-op unless tracking is on)."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
