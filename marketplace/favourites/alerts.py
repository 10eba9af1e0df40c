"""Back in stock: a buyer (or a guest giving an address) asks to be told when a sold-out product
returns; the first stock added afterwards queues one email per alert, in its language, and spends it.

    subscribe_back_in_stock(session, *, product_id, variant_id=None, user=None, email=None, lang, now)
    find_pending_alert_id(session, *, product_id, user) -> int | None   (the product page's "Stop")
    notify_back_in_stock(session, *, product_id, variant_id=None, now) -> int  (the stock_added listener)
    list_pending_alerts(session, *, user) -> list[StockAlert]
    stop_alert(session, *, alert_id, user) -> StockAlert   (the account's "Stop" button)
    stop_alerts_for_email(session, *, email) -> int      (the signed link in the email)

An alert names a product sold out as a whole, or one sold-out variant (a size) of a product whose
other variants sell: that one waits for its variant's stock, not any stock of the product.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session, joinedload

from marketplace import contact, params
from marketplace.catalogue.models import Product, ProductStatus, ProductVariant
from marketplace.catalogue.variants import find_variant, variant_label
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import NotFound, ValidationError
from marketplace.favourites.models import StockAlert
from marketplace.i18n import localized
from marketplace.i18n import message as _l
from marketplace.seller.models import Seller, SellerStatus
from marketplace.seller.visibility import public_products_select


def _clean_email(raw: str | None) -> str:
    # The checkout's rule for a guest's address (orders.checkout): the same address is good for both.
    email = contact.normalize_email(raw)
    if not contact.email_ok(email, allow_reserved=True):
        raise ValidationError(str(_l("Enter a valid email address.")), field="email")
    return email


def find_product_variant(session: Session, product: Product, variant_id: object) -> ProductVariant | None:
    """The product's variant `variant_id` (None when absent); NotFound when it names no variant of it."""
    if variant_id in (None, ""):
        return None
    vid = params.find_id(str(variant_id))
    variant = find_variant(session, product, vid) if vid else None
    if variant is None:
        raise NotFound(str(_l("Product not found.")))
    return variant


def alert_title(product: Product, variant: ProductVariant | None, lang: str) -> str:
    """ "Kemeja Batik Gajah Oling (Size: XXL)": the product, and the variant an alert waits for."""
    title = localized(product, "title", lang)
    label = variant_label(product.options, variant, lang) if variant is not None else ""
    return f"{title} ({label})" if label else title


def subscribe_back_in_stock(
    session: Session,
    *,
    product_id: object,
    variant_id: object = None,
    user=None,
    email: str | None = None,
    lang: str,
    now: datetime,
) -> StockAlert:
    """Ask for one email when the sold-out public product (or its sold-out variant) is back; asking
    again changes nothing.

    An account's address is its own; a guest gives one. Raises NotFound (not a public product, or
    not its variant) and ValidationError (a bad address, or it is in stock now: it can be ordered).
    """
    pid = params.find_id(str(product_id))
    product = session.scalar(public_products_select().where(Product.id == pid)) if pid else None
    if product is None:
        raise NotFound(str(_l("Product not found.")))
    variant = find_product_variant(session, product, variant_id)
    if (variant.stock if variant is not None else product.stock) > 0:
        raise ValidationError(str(_l("This product is in stock now: you can order it.")))
    address = _clean_email(user.email if user is not None else email)
    existing = session.scalar(
        sa.select(StockAlert).where(
            StockAlert.product_id == product.id,
            StockAlert.variant_id.is_(None) if variant is None else StockAlert.variant_id == variant.id,
            StockAlert.email == address,
            StockAlert.sent_at.is_(None),
        )
    )
    if existing is not None:
        return existing
    alert = StockAlert(
        product_id=product.id,
        variant_id=variant.id if variant is not None else None,
        user_id=user.id if user is not None else None,
        email=address,
        lang=(getattr(user, "locale", None) or lang) if user is not None else lang,
        created_at=now,
    )
    session.add(alert)
    session.flush()
    return alert


def find_pending_alert_id(session: Session, *, product_id: int, user) -> int | None:
    """The id of an alert the account still waits on for this product (the oldest, when it waits
    on several of its variants), for its "Stop" button; None when it waits on none (one query)."""
    return session.scalar(
        sa.select(StockAlert.id)
        .where(
            StockAlert.product_id == product_id,
            StockAlert.user_id == user.id,
            StockAlert.sent_at.is_(None),
        )
        .order_by(StockAlert.id)
        .limit(1)
    )


def list_pending_alerts(session: Session, *, user) -> list[StockAlert]:
    """The account's alerts still waiting, newest first, with their products (one query)."""
    return list(
        session.scalars(
            sa.select(StockAlert)
            .options(joinedload(StockAlert.product), joinedload(StockAlert.variant))
            .where(StockAlert.user_id == user.id, StockAlert.sent_at.is_(None))
            .order_by(StockAlert.created_at.desc(), StockAlert.id.desc())
        )
    )


def stop_alert(session: Session, *, alert_id: object, user) -> StockAlert:
    """Forget one of the account's waiting alerts (no email will come for it); returns the row, now
    deleted. Raises NotFound when `alert_id` names no waiting alert of this account (already sent,
    already stopped, or someone else's)."""
    aid = params.find_id(str(alert_id))
    alert = (
        session.scalar(
            sa.select(StockAlert).where(
                StockAlert.id == aid, StockAlert.user_id == user.id, StockAlert.sent_at.is_(None)
            )
        )
        if aid
        else None
    )
    if alert is None:
        raise NotFound(str(_l("This alert is already stopped or was sent.")))
    session.delete(alert)
    session.flush()
    return alert


def pending_alert_count(session: Session, *, email: str) -> int:
    """How many alerts still wait for the address `email` (account's and guest's alike)."""
    return session.scalar(
        sa.select(sa.func.count(StockAlert.id)).where(
            StockAlert.email == contact.normalize_email(email), StockAlert.sent_at.is_(None)
        )
    )


def stop_alerts_for_email(session: Session, *, email: str) -> int:
    """Forget every waiting alert of the address `email`: the email's "stop" link, which anyone
    holding the email may follow without a login. Returns how many were stopped (0 is fine: a
    second click)."""
    result = session.execute(
        sa.delete(StockAlert)
        .where(StockAlert.email == contact.normalize_email(email), StockAlert.sent_at.is_(None))
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return result.rowcount or 0


_STOP_SALT = "marketplace.favourites.stop-alerts"


def make_stop_token(email: str) -> str:
    """The signed part of the email's "stop" link: it names the address and never expires (a
    link in an old email must still stop what is left)."""
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_STOP_SALT).dumps(
        {"email": contact.normalize_email(email)}
    )


def read_stop_token(token: str) -> str | None:
    """The address of a valid "stop" token; None when forged or damaged."""
    try:
        data = URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_STOP_SALT).loads(token)
    except BadSignature:
        return None
    email = data.get("email") if isinstance(data, dict) else None
    return email if isinstance(email, str) and email else None


def notify_back_in_stock(
    session: Session, *, product_id: int, variant_id: int | None = None, now: datetime
) -> int:
    """Queue the back-in-stock email of every pending alert a stock addition answers: the product's
    own alerts, and those of the variant `variant_id` that received the stock, when the product is on
    sale with stock.

    Each alert is claimed by a conditional UPDATE (`sent_at IS NULL`), so two stock changes at the
    same moment email once. A product that is not public keeps its alerts for later. Returns the
    number of emails queued. Flushes only (email rows join the caller's transaction).
    """
    answered = StockAlert.variant_id.is_(None)
    if variant_id is not None:
        answered = sa.or_(answered, StockAlert.variant_id == variant_id)
    pending = session.scalar(
        sa.select(sa.func.count(StockAlert.id)).where(
            StockAlert.product_id == product_id, StockAlert.sent_at.is_(None), answered
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
    variant = session.get(ProductVariant, variant_id) if variant_id is not None else None
    claimed = session.execute(
        sa.update(StockAlert)
        .where(StockAlert.product_id == product_id, StockAlert.sent_at.is_(None), answered)
        .values(sent_at=now)
        .returning(StockAlert.email, StockAlert.lang, StockAlert.variant_id)
        .execution_options(synchronize_session=False)
    ).all()
    url = external_url("storefront.product", product_id=product.id, slug=product.slug)
    for email, lang, alert_variant in claimed:
        waited_for = variant if alert_variant is not None else None
        send_email(
            session,
            to=email,
            template="back_in_stock",
            lang=lang,
            context={
                "title": alert_title(product, waited_for, lang),
                "product_url": url,
                "stock": waited_for.stock if waited_for is not None else product.stock,
                "stop_url": external_url("favourites.stop_alerts", token=make_stop_token(email)),
            },
        )
    return len(claimed)
