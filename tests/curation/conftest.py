"""Curation console fixtures: a curator, a seller with products, an applicant, things waiting."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.curation.models import FeaturedPlacement, ProductRevision, RevisionStatus
from marketplace.email.models import OutboundEmail
from marketplace.seller.models import Seller, SellerPayoutAccount, SellerStatus
from tests.built_once import built_once
from tests.factories import make_cluster, make_product, make_seller, make_user, make_village
from tests.login import logged_in_as_email


def log_in(client, email: str, lang: str = "en"):
    """Log in without the form (tests/accounts test it); pages then come in English (the msgids)."""
    return logged_in_as_email(client, email, lang=lang)


@dataclass
class Desk:
    village: object
    cluster: object
    curator: object
    buyer: object
    owner: object
    applicant: object
    seller: object
    pending_seller: object
    live: object  # ACTIVE product with a pending change
    new: object  # PENDING_REVIEW product
    revision: object


def make_revision(session, product, **changes) -> ProductRevision:
    revision = ProductRevision(product_id=product.id, status=RevisionStatus.PENDING, changes=changes)
    session.add(revision)
    session.flush()
    return revision


@pytest.fixture
def desk(session) -> Desk:
    return built_once(session, _build_desk)


def _build_desk(session) -> Desk:
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan tangan", name_en="Handicraft")
    curator = make_user(session, email="curator@example.test", name="Kurator", is_curator=True)
    buyer = make_user(session, email="buyer@example.test", name="Pembeli")
    owner = make_user(session, email="ani@example.test", name="Ani", locale="id")
    applicant = make_user(session, email="applicant@example.test", name="Budi", locale="en")
    seller = make_seller(session, user_id=owner.id, village=village, name="Rotan Ani")
    pending_seller = make_seller(
        session,
        user_id=applicant.id,
        village=village,
        name="Batik Budi",
        status=SellerStatus.PENDING,
        approved_at=None,
        story_id="Kami membuat batik tulis sejak tahun 1990 di Tambong.",
    )
    session.add(
        SellerPayoutAccount(
            seller_id=pending_seller.id, bank_name="BRI", account_number="1234567890", account_holder="Budi"
        )
    )
    live = make_product(
        session,
        seller=seller,
        cluster=cluster,
        title_id="Keranjang rotan",
        title_en="Rattan basket",
        description_id="Keranjang rotan anyaman tangan, kuat dan ringan.",
        price_minor=85_000,
    )
    new = make_product(
        session,
        seller=seller,
        cluster=cluster,
        title_id="Tas pandan",
        title_en="Pandan bag",
        status=ProductStatus.PENDING_REVIEW,
        published_at=None,
    )
    revision = make_revision(session, live, title_id="Keranjang rotan besar", price_minor=95_000)
    session.commit()
    return Desk(
        village, cluster, curator, buyer, owner, applicant, seller, pending_seller, live, new, revision
    )  # fmt: skip


def snapshot(session) -> dict:
    """Everything a curator route could change, to compare before and after a refused request."""
    session.expire_all()

    def rows(stmt):
        return [tuple(r) for r in session.execute(stmt).all()]

    return {
        "sellers": rows(sa.select(Seller.id, Seller.status, Seller.review_note).order_by(Seller.id)),
        "products": rows(
            sa.select(
                Product.id, Product.status, Product.title_id, Product.price_minor, Product.updated_at
            ).order_by(Product.id)
        ),  # fmt: skip
        "revisions": rows(
            sa.select(ProductRevision.id, ProductRevision.status, ProductRevision.reviewer_note).order_by(
                ProductRevision.id
            )
        ),  # fmt: skip
        "featured": rows(
            sa.select(
                FeaturedPlacement.id,
                FeaturedPlacement.product_id,
                FeaturedPlacement.headline_id,
                FeaturedPlacement.position,
                FeaturedPlacement.starts_at,
                FeaturedPlacement.ends_at,
            ).order_by(FeaturedPlacement.id)
        ),  # fmt: skip
        "emails": rows(sa.select(OutboundEmail.id).order_by(OutboundEmail.id)),
        "audit": rows(sa.select(AuditEntry.id).order_by(AuditEntry.id)),
    }


def audit_rows(session, action_prefix: str = "") -> list[AuditEntry]:
    session.expire_all()
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    if action_prefix:
        stmt = stmt.where(AuditEntry.action.startswith(action_prefix))
    return list(session.scalars(stmt))


def emails_to(session, address: str) -> list[OutboundEmail]:
    session.expire_all()
    return list(
        session.scalars(
            sa.select(OutboundEmail).where(OutboundEmail.to_address == address).order_by(OutboundEmail.id)
        )
    )
