"""Back in stock: a buyer (or a guest giving an address) asks to be told when a sold-out product
returns; the first stock added afterwards queues one email per alert, in its language, and spends it.

    subscribe_back_in_stock(session, *, product_id, variant_id=None, user=None, email=None, lang, now)
        (a guest's new alert also queues a short confirmation carrying the stop link)
    find_pending_alert_id(session, *, product_id, user) -> int | None   (the product page's "Stop")
    find_guest_alert(session, *, product_id, alert_ids) -> (id, email) | None  (a guest's, from their cookie)
    find_waiting_alert(session, *, product_id, variant_id, user, alert_ids) -> (id, email) | None
    list_guest_alerts(session, *, alert_ids) -> list[StockAlert]
    stop_guest_alert(session, *, alert_id, alert_ids) -> StockAlert
    notify_back_in_stock(session, *, product_id, variant_id=None, now) -> int  (the stock_added listener)
    list_pending_alerts(session, *, user) -> list[StockAlert]
    stop_alert(session, *, alert_id, user) -> StockAlert   (the account's "Stop" button)
    stop_alerts_for_email(session, *, email) -> int      (the signed link in the email)

An alert names a product sold out as a whole, or one sold-out variant (a size) of a product whose
other variants sell: that one waits for its variant's stock, not any stock of the product.

A guest's alert is confirmed by email at once (what they will get, and the signed stop link), with
no second step to activate it (double opt-in): an address someone else typed gets that one
confirmation and at most one back-in-stock email per product, both with the link that stops it,
and a guest who never clicks a confirmation link would silently get nothing. To keep the address's
inbox quiet, a confirmation naming a product already confirmed to it in the last day is not sent
again (signing up, stopping, signing up again), nor more than CONFIRMATIONS_PER_DAY in a day.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session, joinedload

from marketplace import contact, params
from marketplace.catalogue.models import Product, ProductStatus, ProductVariant
from marketplace.catalogue.variants import find_variant, variant_label
from marketplace.email.links import external_url
from marketplace.email.models import OutboundEmail
from marketplace.email.services import send_email
from marketplace.errors import NotFound, ValidationError
from marketplace.favourites.models import StockAlert
from marketplace.i18n import localized
from marketplace.i18n import message as _l
from marketplace.seller.models import Seller, SellerStatus
from marketplace.seller.visibility import public_products_select

#: The template of the guest's confirmation, and how many of them one address gets in a day.
CONFIRMATION_TEMPLATE = "back_in_stock_signup"
CONFIRMATIONS_PER_DAY = 3
_CONFIRMATION_WINDOW = timedelta(days=1)


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
        if user is not None and existing.user_id is None:
            # Asked for as a guest with the account's address: the account's now (its pages list it).
            existing.user_id = user.id
            session.flush()
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
    if user is None:
        _confirm_guest_alert(session, alert, product=product, variant=variant, now=now)
    return alert


def _confirm_guest_alert(
    session: Session, alert: StockAlert, *, product: Product, variant: ProductVariant | None, now: datetime
) -> bool:
    """Queue the guest's confirmation (in their language, with the stop link) unless the address had
    one for this product in the last day, or CONFIRMATIONS_PER_DAY of them (one query). Returns
    whether it was queued."""
    product_url = external_url("storefront.product", product_id=product.id, slug=product.slug)
    recent = list(
        session.scalars(
            sa.select(OutboundEmail.body_text).where(
                OutboundEmail.to_address == alert.email,
                OutboundEmail.template == CONFIRMATION_TEMPLATE,
                OutboundEmail.created_at >= now - _CONFIRMATION_WINDOW,
            )
        )
    )
    if len(recent) >= CONFIRMATIONS_PER_DAY or any(product_url in body for body in recent):
        return False
    send_email(
        session,
        to=alert.email,
        template=CONFIRMATION_TEMPLATE,
        lang=alert.lang,
        context={
            "title": alert_title(product, variant, alert.lang),
            "product_url": product_url,
            "stop_url": external_url("favourites.stop_alerts", token=make_stop_token(alert.email)),
        },
    )
    return True


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


def find_guest_alert(
    session: Session, *, product_id: int, alert_ids: Sequence[int]
) -> tuple[int, str] | None:
    """(id, address) of the first of a guest's alerts (`alert_ids`, from their signed cookie) still
    waiting for this product, for the product page's "we will email …, Stop"; None when none waits
    (one query, none without ids)."""
    if not alert_ids:
        return None
    row = session.execute(
        sa.select(StockAlert.id, StockAlert.email)
        .where(
            StockAlert.id.in_(list(alert_ids)),
            StockAlert.product_id == product_id,
            StockAlert.user_id.is_(None),
            StockAlert.sent_at.is_(None),
        )
        .order_by(StockAlert.id)
        .limit(1)
    ).first()
    return (row.id, row.email) if row is not None else None


def find_waiting_alert(
    session: Session, *, product_id: int, variant_id: int | None, user=None, alert_ids: Sequence[int] = ()
) -> tuple[int, str] | None:
    """(id, address) of the alert the account `user`, or else the guest holding `alert_ids` (their
    signed cookie), waits on for exactly this product or variant (the "tell me" page says so and
    offers "Stop"); None when none waits (one query, none for a guest without ids)."""
    if user is None and not alert_ids:
        return None
    owner = (
        StockAlert.user_id == user.id
        if user is not None
        else sa.and_(StockAlert.id.in_(list(alert_ids)), StockAlert.user_id.is_(None))
    )
    row = session.execute(
        sa.select(StockAlert.id, StockAlert.email)
        .where(
            owner,
            StockAlert.product_id == product_id,
            StockAlert.variant_id.is_(None) if variant_id is None else StockAlert.variant_id == variant_id,
            StockAlert.sent_at.is_(None),
        )
        .limit(1)
    ).first()
    return (row.id, row.email) if row is not None else None


def list_guest_alerts(session: Session, *, alert_ids: Sequence[int]) -> list[StockAlert]:
    """A guest's alerts (`alert_ids`, from their signed cookie) still waiting, newest first, with
    their products (one query, none without ids)."""
    if not alert_ids:
        return []
    return _list_waiting(session, sa.and_(StockAlert.id.in_(list(alert_ids)), StockAlert.user_id.is_(None)))


def _list_waiting(session: Session, owner: sa.ColumnElement[bool]) -> list[StockAlert]:
    """The alerts `owner` (an account's, or a guest's ids) still waits on, newest first, with
    their products and sizes (one query)."""
    return list(
        session.scalars(
            sa.select(StockAlert)
            .options(joinedload(StockAlert.product), joinedload(StockAlert.variant))
            .where(owner, StockAlert.sent_at.is_(None))
            .order_by(StockAlert.created_at.desc(), StockAlert.id.desc())
        )
    )


def stop_guest_alert(session: Session, *, alert_id: object, alert_ids: Sequence[int]) -> StockAlert:
    """Forget a guest's waiting alert named by their signed cookie (`alert_ids`); returns the row,
    now deleted. Raises NotFound when it is not among them, or no longer waits."""
    aid = params.find_id(str(alert_id))
    return _stop_waiting(session, aid if aid in alert_ids else None, StockAlert.user_id.is_(None))


def _stop_waiting(session: Session, aid: int | None, owner: sa.ColumnElement[bool]) -> StockAlert:
    """Delete the alert `aid` if `owner` (an account's, or a guest's) still waits on it; returns the
    row, with its product and size for the message. Raises NotFound otherwise."""
    alert = (
        session.scalar(
            sa.select(StockAlert)
            .options(joinedload(StockAlert.product), joinedload(StockAlert.variant))
            .where(StockAlert.id == aid, owner, StockAlert.sent_at.is_(None))
        )
        if aid is not None
        else None
    )
    if alert is None:
        raise NotFound(str(_l("This alert is already stopped or was sent.")))
    session.delete(alert)
    session.flush()
    return alert


def list_pending_alerts(session: Session, *, user) -> list[StockAlert]:
    """The account's alerts still waiting, newest first, with their products (one query)."""
    return _list_waiting(session, StockAlert.user_id == user.id)


def stop_alert(session: Session, *, alert_id: object, user) -> StockAlert:
    """Forget one of the account's waiting alerts (no email will come for it); returns the row, now
    deleted. Raises NotFound when `alert_id` names no waiting alert of this account (already sent,
    already stopped, or someone else's)."""
    return _stop_waiting(session, params.find_id(str(alert_id)), StockAlert.user_id == user.id)


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
