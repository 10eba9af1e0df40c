"""Applying to sell: the application form's checks and the pending shop it creates."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalogue.models import Cluster, Region, RegionKind
from marketplace.errors import Conflict, InvalidInput
from marketplace.i18n import message as _l
from marketplace.seller.common import ACCOUNT_NUMBER, clean_text, shop_phone, unique_slug
from marketplace.seller.models import Seller, SellerPayoutAccount, SellerStatus


@dataclass(frozen=True)
class ApplicationInput:
    name: str
    village_id: int | None
    cluster_ids: Sequence[int]
    story_id: str
    story_en: str
    phone: str
    bank_name: str
    account_number: str
    account_holder: str
    kind: str = "individual"


SELLER_KINDS = ("individual", "kub", "bumdes")


def list_villages(session: Session) -> list[Region]:
    return list(
        session.scalars(sa.select(Region).where(Region.kind == RegionKind.DESA).order_by(Region.name))
    )


def list_clusters(session: Session) -> list[Cluster]:
    return list(session.scalars(sa.select(Cluster).order_by(Cluster.position, Cluster.id)))


def list_user_sellers(session: Session, user_id: int) -> list[Seller]:
    return list(session.scalars(sa.select(Seller).where(Seller.user_id == user_id).order_by(Seller.id)))


def normalize_account_number(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "")


def check_application(session: Session, data: ApplicationInput) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not 2 <= len(clean_text(data.name)) <= 140:
        errors["name"] = _l("Enter the business name (2 to 140 characters).")
    village = session.get(Region, data.village_id) if data.village_id else None
    if village is None or village.kind != RegionKind.DESA:
        errors["village_id"] = _l("Choose your village.")
    if not data.cluster_ids:
        errors["cluster_ids"] = _l("Choose at least one kind of product you make.")
    elif len(set(data.cluster_ids)) != session.scalar(
        sa.select(sa.func.count()).select_from(Cluster).where(Cluster.id.in_(set(data.cluster_ids)))
    ):
        errors["cluster_ids"] = _l("Choose the kinds of product from the list.")
    if data.kind not in SELLER_KINDS:
        errors["kind"] = _l("Choose what kind of business you are.")
    if len(clean_text(data.story_id)) < 20:
        errors["story_id"] = _l("Tell buyers your story in Indonesian (at least 20 characters).")
    if len(data.story_id) > 5000 or len(data.story_en) > 5000:
        errors["story_en" if len(data.story_en) > 5000 else "story_id"] = _l(
            "The story can be at most 5000 characters."
        )
    if shop_phone(data.phone) is None:
        errors["phone"] = _l("Enter a phone number of 8 to 15 digits, for example 0812 3456 7890.")
    if not 2 <= len(clean_text(data.bank_name)) <= 80:
        errors["bank_name"] = _l("Enter the bank's name.")
    if not ACCOUNT_NUMBER.match(normalize_account_number(data.account_number)):
        errors["account_number"] = _l("Enter the account number: 6 to 20 digits.")
    if not 2 <= len(clean_text(data.account_holder)) <= 120:
        errors["account_holder"] = _l("Enter the account holder's name as the bank knows it.")
    return errors


def apply_to_sell(session: Session, *, user: User, data: ApplicationInput, now: datetime) -> Seller:
    """Create a pending Seller run by `user` (or resubmit a rejected application).

    Raises InvalidInput for bad fields and Conflict when the account already has a pending or
    approved shop.
    """
    existing = list_user_sellers(session, user.id)
    if any(s.status != SellerStatus.REJECTED for s in existing):
        raise Conflict(_l("You have already applied to sell."))
    errors = check_application(session, data)
    if errors:
        raise InvalidInput(errors)
    clusters = list(session.scalars(sa.select(Cluster).where(Cluster.id.in_(set(data.cluster_ids)))))
    seller = existing[0] if existing else None
    if seller is None:
        seller = Seller(user_id=user.id, slug=unique_slug(session, Seller.slug, data.name), created_at=now)
        session.add(seller)
    seller.name = clean_text(data.name)
    seller.kind = data.kind
    seller.village_id = data.village_id
    seller.story_id = clean_text(data.story_id)
    seller.story_en = clean_text(data.story_en)
    seller.phone = shop_phone(data.phone) or ""
    seller.status = SellerStatus.PENDING
    seller.approved_at = None
    seller.clusters = clusters
    session.flush()
    account = session.scalar(sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id == seller.id))
    if account is None:
        account = SellerPayoutAccount(seller_id=seller.id, created_at=now)
        session.add(account)
    account.bank_name = clean_text(data.bank_name)
    account.account_number = normalize_account_number(data.account_number)
    account.account_holder = clean_text(data.account_holder)
    account.updated_at = now
    session.flush()
    return seller


def find_payout_account(session: Session, seller_id: int) -> SellerPayoutAccount | None:
    return session.scalar(sa.select(SellerPayoutAccount).where(SellerPayoutAccount.seller_id == seller_id))
