"""Origin-tag rules: making a product's tag, finding it by code, revoking and reinstating it.

Every function takes the session first, flushes only and raises marketplace.errors; the view commits
once. Sellers reach products only through the ids of the shops they run (`seller_ids`). Curators'
decisions are conditional UPDATEs (a double submit changes nothing the second time) and audited.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace.accounts.models import ActorRole, User
from marketplace.audit.services import record_action
from marketplace.catalogue.models import Product, ProductStatus, Region
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.i18n import message as _l
from marketplace.labels.models import ProductLabel
from marketplace.origin.models import OriginTag
from marketplace.seller.models import Seller, SellerStatus

#: What a code in a URL may look like (`secrets.token_urlsafe` output); anything else is a 404
#: without a query.
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{8,24}$")
#: Random bytes per code: 72 bits, 12 characters in the URL (a short URL makes a small QR).
CODE_BYTES = 9
#: The most tags the curator's list shows at once (filters narrow it).
LIST_LIMIT = 200
MAX_REASON = 2000

#: Product, shop, village, cluster, photos and labels with their types: what a tag and its page show.
_TAG_PRODUCT_OPTIONS = (
    joinedload(Product.seller).joinedload(Seller.village).joinedload(Region.parent),
    joinedload(Product.cluster),
    selectinload(Product.images),
    selectinload(Product.labels).joinedload(ProductLabel.label_type),
)


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def is_printable(product: Product) -> bool:
    """Tags vouch only for what the kecamatan let on sale: a live product of an approved shop."""
    return product.status == ProductStatus.ACTIVE and product.seller.status == SellerStatus.APPROVED


def get_seller_product(session: Session, product_id: int, seller_ids: Sequence[int]) -> Product:
    """A product of one of `seller_ids` with what its tags show loaded; NotFound otherwise."""
    product = session.scalar(
        sa.select(Product)
        .where(Product.id == product_id, Product.seller_id.in_(list(seller_ids) or [-1]))
        .options(*_TAG_PRODUCT_OPTIONS)
    )
    if product is None:
        raise NotFound(_l("Not found."))
    return product


def find_product_tag(session: Session, product_id: int) -> Optional[OriginTag]:
    return session.scalar(sa.select(OriginTag).where(OriginTag.product_id == product_id))


def ensure_tag(
    session: Session,
    *,
    product: Product,
    actor: User,
    actor_role: ActorRole | str = ActorRole.SELLER,
    now: datetime,
) -> OriginTag:
    """The product's tag, made now if it has none (the first print). Idempotent.

    Conflict when the product is not on sale (a draft, waiting for review, archived, or its shop
    not approved): a tag printed then would vouch for what no curator approved. A revoked tag is
    returned as it is; the caller shows why it cannot be printed.
    """
    existing = find_product_tag(session, product.id)
    if existing is not None:
        return existing
    if not is_printable(product):
        raise Conflict(_l("Tags can be printed only for a product that is on sale."))
    tag = OriginTag(product_id=product.id, code=new_code(), created_at=now, created_by_id=actor.id)
    try:
        with session.begin_nested():  # two first prints at once: one row, the other reads it
            session.add(tag)
            session.flush()
    except IntegrityError:
        existing = find_product_tag(session, product.id)
        if existing is None:
            raise
        return existing
    record_action(
        session,
        actor=actor,
        actor_role=actor_role,
        action="origin_tag.create",
        target_type="origin_tag",
        target_id=tag.id,
        target_label=product.title_id,
        seller_id=product.seller_id,
        after={"code": tag.code},
    )
    return tag


def find_tag_by_code(session: Session, code: str) -> Optional[OriginTag]:
    """The tag with this code, its product and everything the public page shows (three queries)."""
    if not CODE_RE.match(code or ""):
        return None
    return session.scalar(
        sa.select(OriginTag)
        .where(OriginTag.code == code)
        .options(
            joinedload(OriginTag.product)
            .joinedload(Product.seller)
            .joinedload(Seller.village)
            .joinedload(Region.parent),
            joinedload(OriginTag.product).joinedload(Product.cluster),
            joinedload(OriginTag.product).selectinload(Product.images),
            joinedload(OriginTag.product).selectinload(Product.labels).joinedload(ProductLabel.label_type),
        )
    )


def get_tag(session: Session, tag_id: int) -> OriginTag:
    tag = session.get(OriginTag, tag_id)
    if tag is None:
        raise NotFound(_l("Not found."))
    return tag


def list_tags(
    session: Session, *, state: str = "", text: str = "", limit: int = LIST_LIMIT
) -> list[OriginTag]:
    """Tags for the curator, newest first, with product, shop and village: one query.

    `state` "active" or "revoked" narrows the list; `text` matches the product's names, the
    shop's name or the code (case-insensitive).
    """
    stmt = (
        sa.select(OriginTag)
        .join(Product, Product.id == OriginTag.product_id)
        .join(Seller, Seller.id == Product.seller_id)
        .options(joinedload(OriginTag.product).joinedload(Product.seller).joinedload(Seller.village))
    )
    if state == "active":
        stmt = stmt.where(OriginTag.revoked_at.is_(None))
    elif state == "revoked":
        stmt = stmt.where(OriginTag.revoked_at.is_not(None))
    text = " ".join((text or "").split())[:100]
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Product.title_id).like(pattern, escape="\\"),
                sa.func.lower(Product.title_en).like(pattern, escape="\\"),
                sa.func.lower(Seller.name).like(pattern, escape="\\"),
                OriginTag.code == text,
            )
        )
    return list(session.scalars(stmt.order_by(OriginTag.created_at.desc(), OriginTag.id.desc()).limit(limit)))


def _audit_decision(session: Session, tag: OriginTag, curator: User, action: str, note: str) -> None:
    revoked = action == "origin_tag.revoke"
    record_action(
        session,
        actor=curator,
        action=action,
        target_type="origin_tag",
        target_id=tag.id,
        target_label=tag.product.title_id,
        seller_id=tag.product.seller_id,
        before={"status": "active" if revoked else "revoked"},
        after={"status": "revoked" if revoked else "active"},
        note=note,
    )


def revoke_tag(session: Session, *, tag: OriginTag, curator: User, reason: str, now: datetime) -> bool:
    """Withdraw the tag's word for its product; False (nothing changed) when it was already revoked.

    The reason is required (InvalidInput otherwise) and shown on the public page to whoever scans
    the tag. One conditional UPDATE: a double submit, or two curators at once, has one effect.
    """
    reason = (reason or "").strip()[:MAX_REASON]
    if not reason:
        raise InvalidInput({"reason": _l("Write the reason: buyers who scan the tag read it.")})
    result = session.execute(
        sa.update(OriginTag)
        .where(OriginTag.id == tag.id, OriginTag.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=curator.id, revoke_reason=reason)
        .execution_options(synchronize_session=False)
    )
    session.refresh(tag)
    if result.rowcount != 1:
        return False
    _audit_decision(session, tag, curator, "origin_tag.revoke", reason)
    return True


def reinstate_tag(session: Session, *, tag: OriginTag, curator: User, note: str = "") -> bool:
    """Let a revoked tag vouch again; False (nothing changed) when it was not revoked."""
    note = (note or "").strip()[:MAX_REASON]
    result = session.execute(
        sa.update(OriginTag)
        .where(OriginTag.id == tag.id, OriginTag.revoked_at.is_not(None))
        .values(revoked_at=None, revoked_by_id=None, revoke_reason="")
        .execution_options(synchronize_session=False)
    )
    session.refresh(tag)
    if result.rowcount != 1:
        return False
    _audit_decision(session, tag, curator, "origin_tag.reinstate", note)
    return True
