"""Seller-dashboard fixtures: two shops, a buyer, a curator, a paid order split between the shops."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product, ProductImage, ProductStatus
from marketplace.curation.models import ProductRevision, RevisionPhoto
from marketplace.email.models import OutboundEmail
from marketplace.orders import services as orders
from marketplace.orders.models import Fulfilment, Order
from marketplace.seller.models import SellerPayoutAccount
from marketplace.stock.models import StockMovement
from marketplace.types import utcnow
from tests.built_once import built_once
from tests.clients import IsolatedClient
from tests.factories import make_cluster, make_product, make_seller, make_user, make_village
from tests.login import logged_in_as_email
from tests.orders.helpers import make_cart, place


@pytest.fixture
def media_root(tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.fixture
def app_overrides(media_root):
    return {"MEDIA_ROOT": str(media_root)}


@pytest.fixture
def app(app):
    app.test_client_class = IsolatedClient
    return app


def log_in(client, email: str, lang: str = "en"):
    """Log in without the form (tests/accounts test it). Pages then come in English (msgids)."""
    return logged_in_as_email(client, email, lang=lang)


@dataclass
class World:
    village: object
    cluster: object
    user_a: object
    user_b: object
    buyer: object
    curator: object
    seller_a: object
    seller_b: object
    product_a: object
    product_b: object
    order: object
    fulfilment_a: object
    fulfilment_b: object


@pytest.fixture
def world(session) -> World:
    return built_once(session, _build_world)


def _build_world(session) -> World:
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan tangan", name_en="Handicraft")
    user_a = make_user(session, email="ani@example.test", name="Ani", locale="id")
    user_b = make_user(session, email="budi@example.test", name="Budi", locale="en")
    buyer = make_user(session, email="buyer@example.test", name="Pembeli")
    curator = make_user(session, email="curator@example.test", name="Kurator", is_curator=True)
    seller_a = make_seller(
        session, user_id=user_a.id, village=village, name="Rotan Ani", phone="081234567890"
    )
    seller_b = make_seller(session, user_id=user_b.id, village=village, name="Batik Budi")
    product_a = make_product(
        session,
        seller=seller_a,
        cluster=cluster,
        title_id="Keranjang rotan",
        title_en="",
        price_minor=85_000,
        stock=10,
    )
    product_b = make_product(
        session, seller=seller_b, cluster=cluster, title_id="Batik tulis", title_en="", price_minor=450_000
    )
    cart = make_cart(session, {product_a: 2, product_b: 1})
    order = place(session, cart, email="pembeli@example.test")
    orders.mark_order_paid(session, order, actor_label="test", now=utcnow())
    session.commit()
    by_seller = {f.seller_id: f for f in order.fulfilments}
    return World(
        village, cluster, user_a, user_b, buyer, curator, seller_a, seller_b, product_a, product_b,
        order, by_seller[seller_a.id], by_seller[seller_b.id],
    )  # fmt: skip


def notices(session, *addresses: str) -> list[OutboundEmail]:
    """Emails to `addresses`, oldest first, without the "paid: pack and ship it" notices of the
    world's order (paid while the world was built; dashboard/notifications.py links the parcel)."""
    session.expire_all()
    return list(
        session.scalars(
            sa.select(OutboundEmail)
            .where(
                OutboundEmail.to_address.in_(addresses),
                ~OutboundEmail.body_text.contains("/seller/orders/"),
            )
            .order_by(OutboundEmail.id)
        )
    )


def product_images(session, product_id) -> list[ProductImage]:
    """The product's photos as stored now, in their order."""
    session.expire_all()
    return list(
        session.scalars(
            sa.select(ProductImage)
            .where(ProductImage.product_id == product_id)
            .order_by(ProductImage.position)
        )
    )


@pytest.fixture
def draft(session, world):
    """A product of shop A still waiting for its first review (photos change at once)."""
    product = make_product(
        session,
        seller=world.seller_a,
        cluster=world.cluster,
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    session.commit()
    return product


def snapshot(session) -> dict:
    """Everything a seller route could change, to compare before and after a refused request."""
    session.expire_all()

    def rows(stmt):
        return [tuple(r) for r in session.execute(stmt).all()]

    return {
        "products": rows(
            sa.select(
                Product.id,
                Product.status,
                Product.stock,
                Product.price_minor,
                Product.title_id,
                Product.weight_grams,
                Product.seller_id,
                Product.low_stock_threshold,
                Product.updated_at,
            ).order_by(Product.id)
        ),  # fmt: skip
        "images": rows(sa.select(ProductImage.id, ProductImage.position).order_by(ProductImage.id)),
        "movements": rows(sa.select(StockMovement.id).order_by(StockMovement.id)),
        "fulfilments": rows(
            sa.select(Fulfilment.id, Fulfilment.status, Fulfilment.tracking_number).order_by(Fulfilment.id)
        ),
        "orders": rows(sa.select(Order.id, Order.status).order_by(Order.id)),
        "revisions": rows(sa.select(ProductRevision.id, ProductRevision.status).order_by(ProductRevision.id)),
        "revision_photos": rows(sa.select(RevisionPhoto.id).order_by(RevisionPhoto.id)),
        "emails": rows(sa.select(OutboundEmail.id).order_by(OutboundEmail.id)),
        "payout_accounts": rows(sa.select(SellerPayoutAccount.id).order_by(SellerPayoutAccount.id)),
    }
