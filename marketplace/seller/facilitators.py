"""Facilitators (pendamping): accounts allowed to run a shop's dashboard on its owner's behalf.

A shop's owner grants access to a facilitator's account by email; a curator links a facilitator
to an artisan without an account, recording the artisan's consent. Revoking takes effect on the
facilitator's next request (access is looked up on every request). Facilitators may change the
shop's products, stock and parcels — never its payout bank account (`update_payout_account` is
the owner's alone), nor who else has access.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from marketplace.accounts.models import ActorRole, User
from marketplace.audit.services import record_action
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ValidationError
from marketplace.seller import application, common
from marketplace.seller.models import Seller, SellerFacilitator, SellerPayoutAccount

__all__ = [
    "FacilitatorRow",
    "get_active_link",
    "grant_by_owner",
    "link_by_curator",
    "list_facilitator_rows",
    "revoke_link",
    "update_payout_account",
]

MAX_NOTE = 1000


class OwnerOnly(PermissionDenied):
    """Only the shop's owner may do this (not a facilitator): answered 403 with the message."""

    status = 403


@dataclass(frozen=True)
class FacilitatorRow:
    link: SellerFacilitator
    email: str
    name: str
    granted_by_email: str


def list_facilitator_rows(
    session: Session, seller_ids: Sequence[int], *, include_revoked: bool = False, limit: int = 200
) -> list[FacilitatorRow]:
    """Facilitator links of these shops with the accounts' emails: one query."""
    if not seller_ids:
        return []
    granter = sa.orm.aliased(User)
    stmt = (
        sa.select(SellerFacilitator, User.email, User.name, granter.email)
        .join(User, User.id == SellerFacilitator.facilitator_id)
        .outerjoin(granter, granter.id == SellerFacilitator.granted_by_id)
        .where(SellerFacilitator.seller_id.in_(list(seller_ids)))
        .order_by(
            SellerFacilitator.revoked_at.is_not(None),
            SellerFacilitator.granted_at.desc(),
            SellerFacilitator.id.desc(),
        )
        .limit(limit)
    )
    if not include_revoked:
        stmt = stmt.where(SellerFacilitator.revoked_at.is_(None))
    return [
        FacilitatorRow(link, email, name or "", by or "") for link, email, name, by in session.execute(stmt)
    ]


def get_active_link(session: Session, link_id: int, seller_ids: Sequence[int]) -> SellerFacilitator:
    """An active link of one of `seller_ids`; NotFound otherwise (someone else's looks missing)."""
    link = session.get(SellerFacilitator, link_id)
    if link is None or link.seller_id not in set(seller_ids) or link.revoked_at is not None:
        raise NotFound(str(_l("This facilitator no longer has access.")))
    return link


def _find_account(session: Session, email: str) -> User:
    email = (email or "").strip().lower()
    if not email or "@" not in email:
        raise ValidationError(str(_l("Enter the facilitator's email address.")), field="email")
    user = session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        raise ValidationError(
            str(_l("No account uses this email address. Ask the facilitator to sign up first.")),
            field="email",
        )
    return user


def _create_link(
    session: Session,
    *,
    seller: Seller,
    facilitator: User,
    granted_by: User,
    via: str,
    consent_note: str,
    now: datetime,
) -> SellerFacilitator:
    if facilitator.id == seller.user_id:
        raise ValidationError(str(_l("This account already owns the shop.")), field="email")
    existing = session.scalar(
        sa.select(SellerFacilitator.id).where(
            SellerFacilitator.seller_id == seller.id,
            SellerFacilitator.facilitator_id == facilitator.id,
            SellerFacilitator.revoked_at.is_(None),
        )
    )
    if existing is not None:
        raise ValidationError(str(_l("This facilitator already has access to the shop.")), field="email")
    link = SellerFacilitator(
        seller_id=seller.id,
        facilitator_id=facilitator.id,
        granted_by_id=granted_by.id,
        granted_via=via,
        consent_note=consent_note,
        granted_at=now,
    )
    session.add(link)
    session.flush()
    record_action(
        session,
        actor=granted_by,
        actor_role=ActorRole.CURATOR if via == "curator" else ActorRole.SELLER,
        action="facilitator.grant",
        target_type="seller_facilitator",
        target_id=link.id,
        target_label=facilitator.email,
        seller_id=seller.id,
        after={"facilitator": facilitator.email, "granted_via": via},
        note=consent_note,
    )
    _tell_facilitator(session, facilitator=facilitator, seller=seller)
    return link


def _tell_facilitator(session: Session, *, facilitator: User, seller: Seller) -> None:
    send_email(
        session,
        to=facilitator.email,
        template="facilitator_granted",
        lang=facilitator.locale,
        context={"name": facilitator.name, "shop": seller.name, "link": external_url("seller.dashboard")},
    )


def grant_by_owner(
    session: Session, *, seller: Seller, owner: User, email: str, now: datetime
) -> SellerFacilitator:
    """The shop's owner lets the account with `email` run the shop; the facilitator is emailed.

    Raises OwnerOnly when `owner` does not own the shop (a facilitator cannot pass access on),
    ValidationError for an unknown email, the owner's own, or a facilitator who already has access.
    """
    if seller.user_id is None or seller.user_id != owner.id:
        raise OwnerOnly(str(_l("Only the shop's owner can choose its facilitators.")))
    return _create_link(
        session, seller=seller, facilitator=_find_account(session, email), granted_by=owner,
        via="owner", consent_note="", now=now,
    )  # fmt: skip


def link_by_curator(
    session: Session,
    *,
    seller: Seller,
    curator: User,
    email: str,
    consent: bool,
    consent_note: str,
    now: datetime,
) -> SellerFacilitator:
    """A curator links a facilitator to an artisan who has no account and agreed to it offline.

    Raises Conflict when the shop has its own account (its owner decides), ValidationError
    (all problems at once, by field) without the consent box, a note, or a known account.
    """
    if seller.user_id is not None:
        raise Conflict(str(_l("This shop has its own account: its owner chooses its facilitators.")))
    errors: dict[str, str] = {}
    note = " ".join((consent_note or "").split())
    if not consent:
        errors["consent"] = str(_l("Confirm that the artisan agreed to this facilitator."))
    if not 5 <= len(note) <= MAX_NOTE:
        errors["consent_note"] = str(
            _l("Say how the artisan agreed (when, where, who was there), 5 to 1000 characters.")
        )
    facilitator: Optional[User] = None
    try:
        facilitator = _find_account(session, email)
    except ValidationError as error:
        errors["email"] = error.message
    if errors:
        raise InvalidInput(errors)
    return _create_link(
        session, seller=seller, facilitator=facilitator, granted_by=curator, via="curator",
        consent_note=note, now=now,
    )  # fmt: skip


def revoke_link(
    session: Session, *, link: SellerFacilitator, actor: User, actor_role: ActorRole, now: datetime
) -> None:
    """End a facilitator's access (kept as history); it stops working on their next request."""
    if link.revoked_at is not None:
        return
    link.revoked_at = now
    link.revoked_by_id = actor.id
    email = session.scalar(sa.select(User.email).where(User.id == link.facilitator_id)) or ""
    session.flush()
    record_action(
        session,
        actor=actor,
        actor_role=actor_role,
        action="facilitator.revoke",
        target_type="seller_facilitator",
        target_id=link.id,
        target_label=email,
        seller_id=link.seller_id,
        before={"facilitator": email},
        after=None,
    )


def update_payout_account(
    session: Session,
    *,
    seller: Seller,
    owner: User,
    bank_name: str,
    account_number: str,
    account_holder: str,
    now: datetime,
) -> SellerPayoutAccount:
    """The shop's owner changes where payouts go. Never a facilitator: money follows the owner.

    Raises OwnerOnly for anyone but the owner, InvalidInput (all fields at once) for bad values.
    The change is audited by the seller area's tracking (account number shown by its last digits).
    """
    if seller.user_id is None or seller.user_id != owner.id:
        raise OwnerOnly(str(_l("Only the shop's owner can change its bank account for payouts.")))
    bank_name = " ".join((bank_name or "").split())
    account_holder = " ".join((account_holder or "").split())
    number = application.normalize_account_number(account_number)
    errors: dict[str, str] = {}
    if not 2 <= len(bank_name) <= 80:
        errors["bank_name"] = str(_l("Enter the bank's name."))
    if not common.ACCOUNT_NUMBER.match(number):
        errors["account_number"] = str(_l("Enter the account number: 6 to 20 digits."))
    if not 2 <= len(account_holder) <= 120:
        errors["account_holder"] = str(_l("Enter the account holder's name as the bank knows it."))
    if errors:
        raise InvalidInput(errors)
    account = application.find_payout_account(session, seller.id)
    if account is None:
        account = SellerPayoutAccount(seller_id=seller.id, created_at=now)
        session.add(account)
    account.bank_name = bank_name
    account.account_number = number
    account.account_holder = account_holder
    account.updated_at = now
    session.flush()
    return account
