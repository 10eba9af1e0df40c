"""Demo money for `seed-demo`: parcels of older demo orders delivered, so their sales are available
to pay out, and the facilitator's artisans paid into bank accounts recorded with their consent.

Runs on the rows this seed run created only (a database seeded before keeps its orders as they
are); flushes only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.demo.actors import received_by, shipped_by
from marketplace.media.images import new_storage_key
from marketplace.media.storage import MediaStorage
from marketplace.monitoring.demo import DEMO_ORDER_PREFIX
from marketplace.orders.fulfilment import mark_fulfilment_delivered, mark_fulfilment_shipped
from marketplace.orders.models import Fulfilment, FulfilmentStatus, Order
from marketplace.seller.models import Seller, SellerPayoutAccount
from marketplace.seller.payout_accounts import CONSENT_PREFIX, CONSENT_TYPES

#: Demo parcels paid longer ago than this were delivered; newer ones still wait (pending money).
DELIVERED_AFTER = timedelta(days=14)

#: Shop slug → (artisan's name, bank, account number, holder, why the holder differs).
ARTISAN_ACCOUNTS = {
    "batik-tulis-bu-sumiati": ("Sumiati", "BRI", "0021 0100 4455 501", "Sumiati", ""),
    "ukir-kayu-pak-slamet": (
        "Slamet",
        "Bank Jatim",
        "0112 3345 66",
        "Siti Khotijah",
        "Rekening istri Pak Slamet (demo): beliau belum punya rekening sendiri.",
    ),
}

#: A one-page PDF standing for the scanned consent form (demo only).
_CONSENT_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Contents 4 0 R"
    b"/Resources<</Font<</F1<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>>>>>>>endobj\n"
    b"4 0 obj<</Length 64>>stream\nBT /F1 14 Tf 60 760 Td (Surat persetujuan pembayaran - demo) Tj ET\n"
    b"endstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def deliver_demo_parcels(session: Session, *, now: datetime) -> int:
    """Ship and deliver (through the real services) the demo orders' parcels paid more than
    DELIVERED_AFTER ago that are still being prepared. Returns how many were delivered."""
    parcels = list(
        session.scalars(
            sa.select(Fulfilment)
            .join(Order, Order.id == Fulfilment.order_id)
            .where(
                Order.checkout_token.like(f"{DEMO_ORDER_PREFIX}%"),
                Order.paid_at < now - DELIVERED_AFTER,
                Fulfilment.status == FulfilmentStatus.PROCESSING,
            )
            .order_by(Fulfilment.id)
        )
    )
    delivered = 0
    for parcel in parcels:
        paid_at = parcel.order.paid_at
        # Sent by the shop, received by the buyer: the order's history says so (demo/actors.py).
        mark_fulfilment_shipped(
            session, parcel, courier="JNE", courier_code="jne", tracking_number=f"DEMO{parcel.id:08d}",
            **shipped_by(parcel), now=paid_at + timedelta(days=1),
        )  # fmt: skip
        if mark_fulfilment_delivered(
            session, parcel, **received_by(parcel.order), now=paid_at + timedelta(days=4)
        ):
            delivered += 1
    return delivered


def record_artisan_accounts(
    session: Session, storage: MediaStorage, sellers: dict[str, Seller], *, facilitator: User, now: datetime
) -> int:
    """The facilitator's artisans get the bank account they agreed to (with a consent scan) when
    they have none yet. Returns how many were recorded."""
    recorded = 0
    for slug, (artisan, bank, number, holder, explanation) in ARTISAN_ACCOUNTS.items():
        seller = sellers.get(slug)
        if seller is None or seller.user_id is not None:
            continue
        exists = session.scalar(
            sa.select(SellerPayoutAccount.id).where(SellerPayoutAccount.seller_id == seller.id)
        )
        if exists is not None:
            continue
        key = f"{CONSENT_PREFIX}{new_storage_key()}.pdf"
        storage.save(key, _CONSENT_PDF, CONSENT_TYPES["pdf"])
        if not seller.artisan_name:
            seller.artisan_name = artisan
        session.add(
            SellerPayoutAccount(
                seller_id=seller.id,
                bank_name=bank,
                account_number=number.replace(" ", ""),
                account_holder=holder,
                holder_explanation=explanation,
                recorded_via="facilitator",
                recorded_by_id=facilitator.id,
                consent_on=(now - timedelta(days=55)).date(),
                consent_evidence_key=key,
                created_at=now,
                updated_at=now,
            )
        )
        recorded += 1
    session.flush()
    return recorded
