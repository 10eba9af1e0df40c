"""Back in stock: a buyer (or a guest giving an address) asks to be told when a sold-out product
returns; the first stock added afterwards queues one email per alert, in its language, and spends it.

    subscribe_back_in_stock(session, *, product_id, user=None, email=None, lang, now) -> StockAlert
    has_pending_alert(session, *, product_id, user) -> bool
    notify_back_in_stock(session, *, product_id, now) -> int      (the stock_added listener)
"""

from __future__ import annotations

import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import params
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import NotFound, ValidationError
from marketplace.favourites.models import StockAlert
from marketplace.i18n import localized
from marketplace.i18n import message as _l
from marketplace.seller.models import Seller, SellerStatus
from marketplace.seller.visibility import public_products_select

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+")
MAX_EMAIL = 254


def _clean_email(raw: str | None) -> str:
    email = (raw or "").strip().lower()
    if len(email) > MAX_EMAIL or not _EMAIL.fullmatch(email) or any(ord(ch) < 0x20 for ch in email):
        raise ValidationError(str(_l("Enter a valid email address.")), field="email")
    return email


def subscribe_back_in_stock(
    session: Session, *, product_id: object, user=None, email: str | None = None, lang: str, now: datetime
) -> StockAlert:
    """Ask for one email when the sold-out public product is back (asking again changes nothing).

    An account's address is its own; a guest gives one. Raises NotFound (not a public product) and
    ValidationError (a bad address, or the product is in stock now: it can be ordered).
    """
    pid = params.find_id(str(product_id))
    product = session.scalar(public_products_select().where(Product.id == pid)) if pid else None
    if product is None:
        raise NotFound(str(_l("Product not found.")))
    if product.stock > 0:
        raise ValidationError(str(_l("This product is in stock now: you can order it.")))
    address = _clean_email(user.email if user is not None else email)
    existing = session.scalar(
        sa.select(StockAlert).where(
            StockAlert.product_id == product.id, StockAlert.email == address, StockAlert.sent_at.is_(None)
        )
    )
    if existing is not None:
        return existing
    alert = StockAlert(
        product_id=product.id,
        user_id=user.id if user is not None else None,
        email=address,
        lang=(getattr(user, "locale", None) or lang) if user is not None else lang,
        created_at=now,
    )
    session.add(alert)
    session.flush()
    return alert


def has_pending_alert(session: Session, *, product_id: int, user) -> bool:
    """Whether the account already waits for this product (one query)."""
    return (
        session.scalar(
            sa.select(StockAlert.id).where(
                StockAlert.product_id == product_id,
                StockAlert.user_id == user.id,
                StockAlert.sent_at.is_(None),
            )
        )
        is not None
    )


def notify_back_in_stock(session: Session, *, product_id: int, now: datetime) -> int:
    """Queue the back-in-stock email of every pending alert of a product that is on sale with stock.

    Each alert is claimed by a conditional UPDATE (`sent_at IS NULL`), so two stock changes at the
    same moment email once. A product that is not public keeps its alerts for later. Returns the
    number of emails queued. Flushes only (email rows join the caller's transaction).
    """
    pending = session.scalar(
        sa.select(sa.func.count(StockAlert.id)).where(
            StockAlert.product_id == product_id, StockAlert.sent_at.is_(None)
        )
    )
    if not pending:
        return 0
    product = session.scalar(
        sa.select(Product)
        .join(Seller, Seller.id == Product.seller_id)
        .where(
            Product.id == product_id,
            Product.stock > 0,
            Product.status == ProductStatus.ACTIVE,
            Seller.status == SellerStatus.APPROVED,
        )
        .execution_options(populate_existing=True)
    )
    if product is None:
        return 0
    claimed = session.execute(
        sa.update(StockAlert)
        .where(StockAlert.product_id == product_id, StockAlert.sent_at.is_(None))
        .values(sent_at=now)
        .returning(StockAlert.email, StockAlert.lang)
        .execution_options(synchronize_session=False)
    ).all()
    url = external_url("storefront.product", product_id=product.id, slug=product.slug)
    for email, lang in claimed:
        send_email(
            session,
            to=email,
            template="back_in_stock",
            lang=lang,
            context={"title": localized(product, "title", lang), "product_url": url, "stock": product.stock},
        )
    return len(claimed)
