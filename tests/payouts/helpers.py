"""Builders for payout and refund tests: shops, paid bank-transfer orders, logins."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.orders import fulfilment
from marketplace.orders import services as orders
from marketplace.payouts.models import LedgerEntry, LedgerKind
from marketplace.seller.models import SellerPayoutAccount
from marketplace.types import utcnow
from tests.clients import IsolatedClient  # noqa: F401  (payouts' conftest takes it from here)
from tests.factories import make_product, make_seller, make_user
from tests.login import logged_in_as_email
from tests.orders.helpers import make_cart, place


def log_in(app, email: str):
    """A client logged in without the form (tests/accounts test it), pages in English."""
    return logged_in_as_email(app.test_client(), email, lang="en")


def make_shop(
    session, *, price: int, stock: int = 20, owner=None, name: str | None = None, account: bool = True
):
    """A seller (run by `owner`) with one product at `price` and, by default, a payout account."""
    extra = {"name": name} if name else {}
    seller = make_seller(session, user_id=getattr(owner, "id", None), **extra)
    product = make_product(session, seller=seller, price_minor=price, stock=stock)
    if account:
        session.add(
            SellerPayoutAccount(
                seller_id=seller.id,
                bank_name="BRI",
                account_number=f"0012{seller.id:06d}",
                account_holder=seller.name,
            )
        )
        session.flush()
    return seller, product


def paid_order(
    session,
    items: dict,
    *,
    now=None,
    courier: bool = False,
    email: str = "buyer@example.test",
    lang: str = "en",
    delivered: bool = False,
):
    """A bank-transfer order for {product: quantity}, marked paid (by the curator's confirmation) at
    `now`; with `delivered`, its parcels also shipped and arrived (their money is available)."""
    now = now or utcnow()
    cart = make_cart(session, items)
    extra = {} if courier else {"address": None, "shipping_method": "pickup"}
    order = place(session, cart, email=email, lang=lang, now=now, **extra)
    assert orders.mark_order_paid(session, order, actor_label="test", now=now)
    session.commit()
    if delivered:
        deliver(session, order, now=now)
    return order


def deliver(session, order, *, now=None) -> None:
    """Ship and deliver every parcel of a paid order, as seller and buyer would (then commit)."""
    now = now or utcnow()
    for parcel in order.fulfilments:
        fulfilment.mark_fulfilment_shipped(
            session, parcel, courier="JNE", tracking_number=f"JNE{parcel.id:08d}", actor_label="test", now=now
        )
        assert fulfilment.mark_fulfilment_delivered(session, parcel, actor_label="test", now=now)
    session.commit()


def entries(session, seller_id: int, kind: LedgerKind | None = None) -> list[int]:
    session.expire_all()
    query = (
        sa.select(LedgerEntry.amount_idr).where(LedgerEntry.seller_id == seller_id).order_by(LedgerEntry.id)
    )
    if kind is not None:
        query = query.where(LedgerEntry.kind == kind)
    return list(session.scalars(query))


def curator(session, email: str = "curator@example.test"):
    user = make_user(session, email=email, name="Kurator", is_curator=True)
    session.commit()
    return user
