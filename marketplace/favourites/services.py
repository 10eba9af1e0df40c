"""Favourites: an account's saved products (rows), a guest's (product ids in a cookie), the merge
at login. Writes flush only; the view commits.

    parse_id_cookie(value, limit) -> list[int]           newest first, valid ids, no duplicates
    format_id_cookie(ids) -> str
    add_favourite / remove_favourite(session, user=, product_id=)
    add_guest_favourite(session, ids, product_id) -> list[int];  remove_guest_favourite(ids, product_id)
    merge_guest_favourites(session, user=, ids=) -> int
    favourite_product_ids(session, user) -> frozenset[int]
    list_favourites(session, *, user=None, guest_ids=()) -> list[Product]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.orm import Session, joinedload, selectinload

from marketplace import params
from marketplace.catalogue.models import Product
from marketplace.errors import NotFound, ValidationError
from marketplace.favourites.models import Favourite
from marketplace.i18n import message as _l
from marketplace.seller.models import Seller
from marketplace.seller.visibility import public_products_select
from marketplace.types import utcnow

#: The guest's saved product ids, newest first: "12.7.31" (no account, nothing stored on our side).
FAVOURITES_COOKIE = "favourites"
#: A guest's cookie holds at most this many (about 400 bytes); an account this many rows.
MAX_GUEST_FAVOURITES = 50
MAX_FAVOURITES = 500

#: What the favourites list shows of each product.
LIST_OPTIONS = (
    joinedload(Product.seller).joinedload(Seller.village),
    selectinload(Product.images),
    # The units buyers can order (catalogue.variants.offered_stock): not those of a size without a value.
    selectinload(Product.options),
    selectinload(Product.variants),
)


def parse_id_cookie(value: str | None, limit: int) -> list[int]:
    """Product ids from a cookie ("12.7.31"): valid ids only, first occurrence kept, at most `limit`.

    A tampered cookie only ever changes what its own holder sees, so anything unreadable is dropped.
    """
    ids: list[int] = []
    for part in (value or "")[: limit * 12].split("."):
        pid = params.find_id(part)
        if pid is not None and pid not in ids:
            ids.append(pid)
            if len(ids) >= limit:
                break
    return ids


def format_id_cookie(ids: Iterable[int]) -> str:
    return ".".join(str(pid) for pid in ids)


def _public_product(session: Session, product_id: object) -> Product:
    pid = params.find_id(str(product_id))
    product = session.scalar(public_products_select().where(Product.id == pid)) if pid is not None else None
    if product is None:
        raise NotFound(str(_l("Product not found.")))
    return product


def add_favourite(session: Session, *, user, product_id: object) -> Product:
    """Save a public product for the account (saving twice keeps one row). NotFound, ValidationError."""
    product = _public_product(session, product_id)
    exists = session.scalar(
        sa.select(Favourite.id).where(Favourite.user_id == user.id, Favourite.product_id == product.id)
    )
    if exists is None:
        count = session.scalar(sa.select(sa.func.count(Favourite.id)).where(Favourite.user_id == user.id))
        if count >= MAX_FAVOURITES:
            raise ValidationError(
                str(_l("You have %(n)d favourites, the most we keep. Remove some first.", n=MAX_FAVOURITES))
            )
        session.add(Favourite(user_id=user.id, product_id=product.id, created_at=utcnow()))
        session.flush()
    return product


def remove_favourite(session: Session, *, user, product_id: object) -> bool:
    """Forget a saved product (any product, even one no longer on sale); False when it was not saved."""
    pid = params.find_id(str(product_id))
    if pid is None:
        return False
    result = session.execute(
        sa.delete(Favourite)
        .where(Favourite.user_id == user.id, Favourite.product_id == pid)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount > 0


def add_guest_favourite(
    session: Session, ids: Sequence[int], product_id: object
) -> tuple[Product, list[int]]:
    """A guest's cookie ids with a public product saved first (the oldest drop past the limit)."""
    product = _public_product(session, product_id)
    return product, [product.id, *(pid for pid in ids if pid != product.id)][:MAX_GUEST_FAVOURITES]


def remove_guest_favourite(ids: Sequence[int], product_id: object) -> list[int]:
    pid = params.find_id(str(product_id))
    return [existing for existing in ids if existing != pid]


def merge_guest_favourites(session: Session, *, user, ids: Sequence[int]) -> int:
    """At login, save the guest's cookie favourites on the account (public products not yet saved,
    up to MAX_FAVOURITES). Returns how many were added. Flushes only."""
    if user is None or getattr(user, "id", None) is None or not ids:
        return 0
    public = set(
        session.scalars(public_products_select().with_only_columns(Product.id).where(Product.id.in_(ids)))
    )
    saved = set(session.scalars(sa.select(Favourite.product_id).where(Favourite.user_id == user.id)))
    room = MAX_FAVOURITES - len(saved)
    added = 0
    now = utcnow()
    for pid in reversed(ids):  # oldest first, so the newest guest favourite is the newest row
        if pid in public and pid not in saved and added < room:
            session.add(Favourite(user_id=user.id, product_id=pid, created_at=now))
            saved.add(pid)
            added += 1
    session.flush()
    return added


def favourite_product_ids(session: Session, user) -> frozenset[int]:
    """Every product the account saved (one query)."""
    return frozenset(session.scalars(sa.select(Favourite.product_id).where(Favourite.user_id == user.id)))


def list_favourites(session: Session, *, user=None, guest_ids: Sequence[int] = ()) -> list[Product]:
    """The saved products, newest saved first, seller, village and images loaded (two queries).

    Includes products no longer on sale (the page says so and offers to remove them); a guest's
    ids that no longer exist are skipped.
    """
    if user is not None:
        stmt = (
            sa.select(Product)
            .join(Favourite, Favourite.product_id == Product.id)
            .where(Favourite.user_id == user.id)
            .order_by(Favourite.created_at.desc(), Favourite.id.desc())
            .options(*LIST_OPTIONS)
        )
        return list(session.scalars(stmt).unique())
    if not guest_ids:
        return []
    found = {
        p.id: p
        for p in session.scalars(
            sa.select(Product).where(Product.id.in_(guest_ids)).options(*LIST_OPTIONS)
        ).unique()
    }
    return [found[pid] for pid in guest_ids if pid in found]
