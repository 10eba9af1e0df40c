"""Label fixtures: two shops with a product each, a buyer, a curator, and two label types."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.email.models import OutboundEmail
from marketplace.labels.models import LabelReminder, LabelType, ProductLabel
from tests.built_once import built_once
from tests.factories import make_cluster, make_label_type, make_product, make_seller, make_user, make_village
from tests.seller.conftest import log_in

__all__ = ["log_in"]

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


@pytest.fixture
def media_root(tmp_path) -> Path:
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.fixture
def app_overrides(media_root):
    return {"MEDIA_ROOT": str(media_root)}


@dataclass
class World:
    village: object
    user_a: object
    user_b: object
    buyer: object
    curator: object
    seller_a: object
    seller_b: object
    product_a: object
    product_b: object
    halal: LabelType
    handmade: LabelType


@pytest.fixture
def world(session) -> World:
    return built_once(session, _build_world)


def _build_world(session) -> World:
    village = make_village(session, name="Tambong", slug="tambong")
    cluster = make_cluster(session, slug="kuliner", name_id="Kuliner", name_en="Food")
    user_a = make_user(session, email="ani@example.test", name="Ani", locale="id")
    user_b = make_user(session, email="budi@example.test", name="Budi", locale="en")
    buyer = make_user(session, email="buyer@example.test", name="Pembeli")
    curator = make_user(session, email="curator@example.test", name="Kurator", is_curator=True)
    seller_a = make_seller(session, user_id=user_a.id, village=village, name="Dapur Ani")
    seller_b = make_seller(session, user_id=user_b.id, village=make_village(session), name="Kopi Budi")
    product_a = make_product(
        session, seller=seller_a, cluster=cluster, title_id="Sambal pecel", title_en="Peanut sambal"
    )
    product_b = make_product(
        session, seller=seller_b, cluster=cluster, title_id="Kopi robusta", title_en="Robusta coffee"
    )
    halal = make_label_type(
        session,
        code="halal",
        name_id="Halal",
        name_en="Halal",
        issuer="BPJPH",
        requires_certificate=True,
        position=1,
    )
    handmade = make_label_type(
        session,
        code="handmade",
        name_id="Buatan tangan",
        name_en="Handmade",
        requires_certificate=False,
        position=2,
    )
    session.commit()
    return World(
        village, user_a, user_b, buyer, curator, seller_a, seller_b, product_a, product_b, halal, handmade
    )


BOUNDARY = "labels-test-boundary"


def multipart(fields: dict, evidence: bytes | None, name: str) -> bytes:
    """A multipart body built in memory: the test client would spool a large file to a temporary
    file that it never closes."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    if evidence is not None:
        parts.append(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="evidence"; filename="{name}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n".encode()
            + evidence
            + b"\r\n"
        )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def post_request(
    client, product_id, *, evidence: bytes | None = MINIMAL_PDF, name="sertifikat.pdf", **fields
):
    data = {"label_type_id": "", "certificate_number": "", "issuer": "", "valid_until": "", **fields}
    return client.post(
        f"/seller/products/{product_id}/labels/new",
        data=multipart(data, evidence, name),
        content_type=f"multipart/form-data; boundary={BOUNDARY}",
    )


def private_files(media_root: Path) -> list[str]:
    root = media_root / "private"
    return (
        sorted(str(p.relative_to(media_root)) for p in root.rglob("*") if p.is_file())
        if root.exists()
        else []
    )


def labels(session) -> list[ProductLabel]:
    session.expire_all()
    return list(session.scalars(sa.select(ProductLabel).order_by(ProductLabel.id)))


def emails(session, template: str | None = None) -> list[OutboundEmail]:
    session.expire_all()
    stmt = sa.select(OutboundEmail).order_by(OutboundEmail.id)
    if template:
        stmt = stmt.where(OutboundEmail.template == template)
    return list(session.scalars(stmt))


def audit(session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id))
    )


def reminders(session) -> list[LabelReminder]:
    session.expire_all()
    return list(session.scalars(sa.select(LabelReminder).order_by(LabelReminder.id)))
