"""Curator review queues: seller applications, new listings and changes to products on sale.

The state changes themselves (claiming the item, applying a change, emailing the seller) are the
decisions (marketplace.curation.decisions decide_*); this module adds what the console needs
around them: queue listings in a fixed number of queries, the side-by-side view of a change, a
guard against deciding on something the seller changed meanwhile, and the audit row of every
decision. Functions flush only; the view commits once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.audit.services import changed_values, record_action
from marketplace.catalogue.models import Cluster, Product, ProductStatus
from marketplace.catalogue.photos import PhotoEntry
from marketplace.catalogue.variants import variant_values_text
from marketplace.curation import decisions as curation_decisions
from marketplace.curation import revisions
from marketplace.curation.baseline import Baseline, changes_since_approval
from marketplace.curation.models import ProductRevision, RevisionStatus
from marketplace.errors import Conflict, NotFound
from marketplace.i18n import message as _l
from marketplace.seller.common import DIRECT_FIELDS, REVIEWED_FIELDS, FileToDelete
from marketplace.seller.models import Seller, SellerPayoutAccount, SellerStatus

#: Queue pages show at most this many items per kind; the console's counts say how many wait in all.
QUEUE_LIMIT = 200


def version_of(moment: datetime | None) -> str:
    """A token for "the item as the curator saw it": its last change time in microseconds."""
    return str(int(moment.timestamp() * 1_000_000)) if moment is not None else ""


# ---------------------------------------------------------------------------------------------
# Seller applications
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Application:
    seller: Seller
    account: SellerPayoutAccount | None
    applicant_email: str


def list_applications(session: Session, *, limit: int = QUEUE_LIMIT) -> list[Application]:
    """Pending applications, oldest first, with payout account and applicant: three queries."""
    sellers = list(
        session.scalars(
            sa.select(Seller)
            .where(Seller.status == SellerStatus.PENDING)
            .options(selectinload(Seller.village), selectinload(Seller.clusters))
            .order_by(Seller.created_at, Seller.id)
            .limit(limit)
        )
    )
    if not sellers:
        return []
    ids = [s.id for s in sellers]
    accounts = {
        a.seller_id: a
        for a in session.scalars(sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id.in_(ids)))
    }
    user_ids = {s.user_id for s in sellers if s.user_id}
    emails = (
        dict(session.execute(sa.select(User.id, User.email).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    return [Application(s, accounts.get(s.id), emails.get(s.user_id, "")) for s in sellers]


def get_seller(session: Session, seller_id: int) -> Seller:
    seller = session.get(Seller, seller_id)
    if seller is None:
        raise NotFound(_l("Not found."))
    return seller


def decide_application(
    session: Session, *, seller: Seller, approve: bool, curator: User, note: str, now: datetime
) -> bool:
    """Approve or reject a pending application, email the applicant and write the audit row.

    Returns False (nothing changed, no email, no audit row) when it was already decided — a
    double submit, or another curator first. Raises InvalidInput when a rejection has no reason.
    """
    before = {"status": seller.status, "review_note": seller.review_note}
    if not curation_decisions.decide_application(
        session, seller=seller, approve=approve, curator=curator, note=note, now=now
    ):
        return False
    # Only what changed (a note left empty is not "— → —" in the log); the status always changes.
    before, after = changed_values(before, {"status": seller.status, "review_note": seller.review_note})
    record_action(
        session,
        actor=curator,
        action="seller.approve" if approve else "seller.reject",
        target_type="seller",
        target_id=seller.id,
        target_label=seller.name,
        seller_id=seller.id,
        before=before,
        after=after,
        note=seller.review_note,
    )
    return True


# ---------------------------------------------------------------------------------------------
# Products: the queue
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueItem:
    """One product waiting: a new listing (`revision` None) or a change to a product on sale."""

    product: Product
    revision: ProductRevision | None
    submitted_at: datetime
    changed_fields: tuple[str, ...]

    @property
    def is_new(self) -> bool:
        return self.revision is None


def _changed_fields(product: Product, changes: dict[str, Any]) -> tuple[str, ...]:
    names = [n for n in REVIEWED_FIELDS if n in changes and changes[n] != getattr(product, n)]
    if "photos" in changes:
        names.append("photos")
    if changes.get("variant_prices"):
        names.append("variant_prices")
    return tuple(names)


def list_product_queue(session: Session, *, limit: int = QUEUE_LIMIT) -> list[QueueItem]:
    """New listings and pending changes, oldest submission first, in four queries."""
    products = session.scalars(
        sa.select(Product)
        .where(Product.status == ProductStatus.PENDING_REVIEW)
        .options(selectinload(Product.seller).selectinload(Seller.village))
        .order_by(Product.updated_at, Product.id)
        .limit(limit)
    ).all()
    revisions = session.scalars(
        sa.select(ProductRevision)
        .where(ProductRevision.status == RevisionStatus.PENDING)
        .options(
            selectinload(ProductRevision.product).selectinload(Product.seller).selectinload(Seller.village)
        )
        .order_by(ProductRevision.updated_at, ProductRevision.id)
        .limit(limit)
    ).all()
    items = [QueueItem(p, None, p.updated_at, ()) for p in products]
    items += [
        QueueItem(r.product, r, r.updated_at, _changed_fields(r.product, r.changes or {}))
        for r in revisions
        if r.changes  # a revision emptied by the seller waits for nothing
    ]
    return sorted(items, key=lambda item: (item.submitted_at, item.product.id))


# ---------------------------------------------------------------------------------------------
# Products: one review, side by side
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    """One field of the product: `live` (what buyers see; for an `applied` field, its value when a
    curator last approved the product) and `proposed` (the seller's value; for an `applied` field,
    the value buyers already see)."""

    name: str
    live: Any
    proposed: Any
    changed: bool
    #: A field the seller changes without review (weight, cluster, export flag, HS code, stock…).
    applied: bool = False


#: Every product field a seller sets, in the order the review shows them: the ones waiting for
#: review, then the ones applied at once, then the stock (moved through the stock ledger).
REVIEW_FIELD_NAMES = (*REVIEWED_FIELDS, *DIRECT_FIELDS, "stock")


@dataclass(frozen=True)
class ProductReview:
    product: Product
    revision: ProductRevision | None
    fields: list[FieldChange]
    live_photos: list[PhotoEntry]
    proposed_photos: list[PhotoEntry]
    photos_changed: bool
    version: str
    submitted_at: datetime
    #: The clusters the fields name (live and proposed), by id.
    clusters: dict[int, Cluster] = field(default_factory=dict)
    #: The product's variants and direct fields as a curator last approved them.
    baseline: Baseline = field(default_factory=Baseline)

    @property
    def is_new(self) -> bool:
        return self.revision is None


def _live_photos(product: Product) -> list[PhotoEntry]:
    images = sorted(product.images, key=lambda i: (i.position, i.id))
    return [PhotoEntry(f"i{i.id}", i.storage_key, i.width, i.height, False) for i in images]


def get_product_review(session: Session, product_id: int) -> ProductReview:
    """What a curator decides on for this product: a new listing, or its pending change.

    Raises NotFound when the product does not exist or nothing of it waits for a decision.
    """
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(_l("Not found."))
    if product.status == ProductStatus.PENDING_REVIEW:
        photos = _live_photos(product)
        fields = [FieldChange(n, None, getattr(product, n), True) for n in REVIEW_FIELD_NAMES]
        return ProductReview(
            product,
            None,
            fields,
            [],
            photos,
            bool(photos),
            version_of(product.updated_at),
            product.updated_at,
            _clusters(session, fields),
        )
    revision = (
        revisions.find_pending_revision(session, product) if product.status == ProductStatus.ACTIVE else None
    )
    if revision is None or not revision.changes:
        raise NotFound(_l("Nothing of this product is waiting for review."))
    changes = revision.changes
    fields = [
        FieldChange(
            n,
            getattr(product, n),
            changes.get(n, getattr(product, n)),
            n in changes and changes[n] != getattr(product, n),
        )
        for n in REVIEWED_FIELDS
    ]
    fields += _variant_price_changes(product, changes.get("variant_prices") or {})
    baseline = changes_since_approval(session, product)
    for name in DIRECT_FIELDS:
        now = getattr(product, name)
        then = baseline.product.get(name, now)
        fields.append(FieldChange(name, then, now, then != now, applied=True))
    fields.append(FieldChange("stock", None, product.stock, False, applied=True))
    live = _live_photos(product)
    proposed = revisions.list_photos(session, product)
    photos_changed = "photos" in changes and [p.token for p in proposed] != [p.token for p in live]
    return ProductReview(
        product,
        revision,
        fields,
        live,
        proposed,
        photos_changed,
        version_of(revision.updated_at),
        revision.updated_at,
        _clusters(session, fields),
        baseline,
    )


def _clusters(session: Session, fields: list[FieldChange]) -> dict[int, Cluster]:
    ids = {v for f in fields if f.name == "cluster_id" for v in (f.live, f.proposed) if isinstance(v, int)}
    if not ids:
        return {}
    return {c.id: c for c in session.scalars(sa.select(Cluster).where(Cluster.id.in_(sorted(ids))))}


def _variant_price_changes(product: Product, proposed: dict[str, int | None]) -> list[FieldChange]:
    """One row per variant whose own price waits: "variant_price:XL", live and proposed (the
    product's price where the variant has none of its own)."""
    rows = []
    for variant in product.variants:
        if str(variant.id) in proposed:
            price = proposed[str(variant.id)]
            name = "variant_price:" + variant_values_text(product.options, variant)
            new = price if price is not None else product.price_minor
            rows.append(FieldChange(name, variant.effective_price_minor, new, True))
    return rows


@dataclass(frozen=True)
class Decision:
    """`done` False: it had been decided already and nothing changed. `files`: for delete_files."""

    done: bool
    files: list[FileToDelete] = field(default_factory=list)


def _stale() -> Conflict:
    return Conflict(
        _l("The seller changed this product while you were looking at it. Check the changes again.")
    )


def decide_product(
    session: Session,
    *,
    product: Product,
    approve: bool,
    curator: User,
    note: str,
    now: datetime,
    revision_id: int | None = None,
    version: str = "",
) -> Decision:
    """Approve or reject what waits for `product`, email the seller, write the audit row.

    `revision_id` names the change the curator looked at (None for a new listing) and `version`
    its state then: a decision on something that is no longer waiting returns done=False
    (double submit); on something the seller edited meanwhile raises Conflict. InvalidInput when
    a rejection has no reason.
    """
    if revision_id is None:
        return _decide_new(
            session, product=product, approve=approve, curator=curator, note=note, now=now, version=version
        )
    revision = session.get(ProductRevision, revision_id)
    if revision is None or revision.product_id != product.id:
        raise NotFound(_l("Not found."))
    if revision.status != RevisionStatus.PENDING:
        return Decision(False)
    if version and version != version_of(revision.updated_at):
        raise _stale()
    changes = dict(revision.changes or {})
    before = {n: getattr(product, n) for n in REVIEWED_FIELDS if n in changes}
    after = {n: changes[n] for n in REVIEWED_FIELDS if n in changes}
    if "photos" in changes:
        before["photos"] = [p.token for p in _live_photos(product)]
        after["photos"] = list(changes["photos"])
    files = curation_decisions.decide_revision(
        session, revision=revision, approve=approve, curator=curator, note=note, now=now
    )
    if files is None:
        return Decision(False)
    record_action(
        session,
        actor=curator,
        action="product_change.approve" if approve else "product_change.reject",
        target_type="product",
        target_id=product.id,
        target_label=product.title_id,
        seller_id=product.seller_id,
        before=before,
        after=after,
        note=revision.reviewer_note,
    )
    return Decision(True, files)


def _decide_new(
    session: Session,
    *,
    product: Product,
    approve: bool,
    curator: User,
    note: str,
    now: datetime,
    version: str,
) -> Decision:
    if product.status != ProductStatus.PENDING_REVIEW:
        return Decision(False)
    if version and version != version_of(product.updated_at):
        raise _stale()
    before_status = product.status
    if not curation_decisions.decide_product(
        session, product=product, approve=approve, curator=curator, note=note, now=now
    ):
        return Decision(False)
    record_action(
        session,
        actor=curator,
        action="product.approve" if approve else "product.reject",
        target_type="product",
        target_id=product.id,
        target_label=product.title_id,
        seller_id=product.seller_id,
        before={"status": before_status},
        after={"status": product.status},
        note=(note or "").strip()[:2000],
    )
    return Decision(True)


# ---------------------------------------------------------------------------------------------
# What the seller sees of decisions
# ---------------------------------------------------------------------------------------------


def list_recent_decisions(
    session: Session, seller_ids: Sequence[int], *, limit: int = 5
) -> list[ProductRevision]:
    """The latest curator decisions on the shops' products (approved or rejected), newest first."""
    if not seller_ids:
        return []
    return list(
        session.scalars(
            sa.select(ProductRevision)
            .join(Product, Product.id == ProductRevision.product_id)
            .where(
                Product.seller_id.in_(list(seller_ids)),
                ProductRevision.status.in_([RevisionStatus.APPROVED, RevisionStatus.REJECTED]),
                ProductRevision.reviewed_at.is_not(None),
            )
            .options(selectinload(ProductRevision.product))
            .order_by(ProductRevision.reviewed_at.desc(), ProductRevision.id.desc())
            .limit(limit)
        )
    )
