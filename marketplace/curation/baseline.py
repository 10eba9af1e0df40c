"""What a product on sale looked like when a curator last approved it, read back from the audit log.

Sellers change a live product's weight, size, cluster, export flag, HS code and its variants' weight
and SKU at once (seller.common.DIRECT_FIELDS; only text, price and photos wait for review). The
seller area's change tracking (marketplace/audit/tracking.py) logs each such change with its values
before and after, so the curator's review can show them beside the values it last approved.
Changes made without tracking (a shell session, a migration) are not in the log and do not show.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import Product
from marketplace.seller.common import DIRECT_FIELDS

#: Audit actions that mean "a curator approved this product as it then was".
APPROVAL_ACTIONS = ("product.approve", "product_change.approve")
#: Variant columns a seller changes without review (its own price waits for review: variant_prices).
VARIANT_DIRECT_FIELDS = ("sku", "weight_grams", "value1", "value2", "value3")
#: At most this many log rows are read for one product (a shop's busiest week is far below).
MAX_ENTRIES = 2000
_ENTRY_ACTIONS = (
    "product.update",
    "product_variant.create",
    "product_variant.update",
    "product_variant.delete",
)


@dataclass(frozen=True)
class Baseline:
    """The values a curator last approved, for what changed since (absent: unchanged or unknown)."""

    #: Product column → its value at the last approval, for DIRECT_FIELDS changed since.
    product: dict[str, Any] = field(default_factory=dict)
    #: Variant id → {column: value at the last approval}, for VARIANT_DIRECT_FIELDS changed since.
    variants: dict[int, dict[str, Any]] = field(default_factory=dict)
    #: Variants added since the last approval, and the ones deleted since (their last snapshot).
    added_variants: frozenset[int] = frozenset()
    removed_variants: tuple[dict[str, Any], ...] = ()
    #: Whether a curator ever approved the product (False: every logged change counts).
    approved_before: bool = False


def _belongs(entry: AuditEntry, product_id: int, variant_ids: set[int]) -> bool:
    if entry.target_type == "product":
        return entry.target_id == product_id
    if entry.target_id in variant_ids:
        return True
    snapshot = entry.after if entry.action == "product_variant.create" else entry.before
    return bool(snapshot) and snapshot.get("product_id") == product_id


def changes_since_approval(session: Session, product: Product) -> Baseline:
    """The product's direct fields and variants as a curator last approved them (two queries).

    Walks the seller's logged changes after the last approval of this product, oldest first; the
    first "before" seen of each column is its value at the approval.
    """
    last_approval = session.scalar(
        sa.select(sa.func.max(AuditEntry.id)).where(
            AuditEntry.target_type == "product",
            AuditEntry.target_id == product.id,
            AuditEntry.action.in_(APPROVAL_ACTIONS),
        )
    )
    stmt = sa.select(AuditEntry).where(
        AuditEntry.seller_id == product.seller_id,
        AuditEntry.action.in_(_ENTRY_ACTIONS),
        sa.or_(
            sa.and_(AuditEntry.target_type == "product", AuditEntry.target_id == product.id),
            AuditEntry.target_type == "product_variant",
        ),
    )
    if last_approval is not None:
        stmt = stmt.where(AuditEntry.id > last_approval)
    entries = session.scalars(stmt.order_by(AuditEntry.id).limit(MAX_ENTRIES)).all()

    variant_ids = {variant.id for variant in product.variants}
    before: dict[str, Any] = {}
    variants: dict[int, dict[str, Any]] = {}
    added: set[int] = set()
    removed: dict[int, dict[str, Any]] = {}
    for entry in entries:
        if not _belongs(entry, product.id, variant_ids):
            continue
        old = entry.before or {}
        if entry.action == "product.update":
            for name in DIRECT_FIELDS:
                if name in old:
                    before.setdefault(name, old[name])
        elif entry.action == "product_variant.create":
            added.add(entry.target_id)
        elif entry.action == "product_variant.update":
            values = variants.setdefault(entry.target_id, {})
            for name in VARIANT_DIRECT_FIELDS:
                if name in old:
                    values.setdefault(name, old[name])
        elif entry.target_id not in added:  # deleted; one added and deleted since is no change
            removed[entry.target_id] = {**old, **variants.get(entry.target_id, {})}
        else:
            added.discard(entry.target_id)
    return Baseline(
        product=before,
        variants={vid: values for vid, values in variants.items() if vid not in added and values},
        added_variants=frozenset(added),
        removed_variants=tuple(removed.values()),
        approved_before=last_approval is not None,
    )
