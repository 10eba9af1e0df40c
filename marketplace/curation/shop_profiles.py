"""Curator review of shops' profile changes: the queue, the side-by-side view, the decision.

A shop proposes changes to its name, stories, desa, photo descriptions and new workshop photos
(marketplace/seller/profile.py); buyers see the live profile until a curator approves here. Approving
applies everything the change holds; rejecting keeps the live profile, deletes the new photos and
tells the shop why. Every decision is audited and emailed to everyone running the shop. Functions
flush only; the view commits once and then deletes the files a rejection made obsolete.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session, selectinload

from marketplace.accounts.models import User
from marketplace.audit.services import record_action
from marketplace.catalogue.models import Region, RegionKind
from marketplace.curation.reviews import QUEUE_LIMIT, Decision, FieldChange, version_of
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.i18n import message as _l
from marketplace.seller.common import FileToDelete, clean_text
from marketplace.seller.contacts import list_shop_contacts
from marketplace.seller.models import ProfileChangeStatus, Seller, ShopProfileRevision, WorkshopPhoto
from marketplace.seller.profile import REVIEWED_PROFILE_FIELDS, find_pending_profile


@dataclass(frozen=True)
class ProfileQueueItem:
    revision: ShopProfileRevision
    changed_fields: tuple[str, ...]
    new_photos: int
    alt_changes: int


def list_profile_queue(session: Session, *, limit: int = QUEUE_LIMIT) -> list[ProfileQueueItem]:
    """Shops with a profile change waiting, oldest first, with what changed: three queries."""
    revisions = session.scalars(
        sa.select(ShopProfileRevision)
        .where(ShopProfileRevision.status == ProfileChangeStatus.PENDING)
        .options(
            selectinload(ShopProfileRevision.seller).selectinload(Seller.village),
            selectinload(ShopProfileRevision.photos),
        )
        .order_by(ShopProfileRevision.updated_at, ShopProfileRevision.id)
        .limit(limit)
    ).all()
    return [
        ProfileQueueItem(
            revision,
            tuple(name for name in REVIEWED_PROFILE_FIELDS if name in (revision.changes or {})),
            sum(1 for photo in revision.photos if photo.approved_at is None),
            len((revision.changes or {}).get("photo_alts") or {}),
        )
        for revision in revisions
    ]


@dataclass(frozen=True)
class AltChange:
    photo: WorkshopPhoto
    alt_id: str
    alt_en: str


@dataclass(frozen=True)
class ProfileReview:
    seller: Seller
    revision: ShopProfileRevision
    #: Every reviewed field, live and proposed ("village_id" values are the desa's names).
    fields: list[FieldChange]
    new_photos: list[WorkshopPhoto]
    live_photos: list[WorkshopPhoto]
    alt_changes: list[AltChange]
    submitted_by: str
    version: str


def _village_name(session: Session, village_id: Any) -> str:
    village = session.get(Region, village_id) if isinstance(village_id, int) else None
    return village.name if village is not None else ""


def get_profile_review(session: Session, seller_id: int) -> ProfileReview:
    """What a curator decides on for this shop. Raises NotFound when nothing of it waits."""
    seller = session.get(Seller, seller_id)
    revision = find_pending_profile(session, seller_id) if seller is not None else None
    if seller is None or revision is None:
        raise NotFound(_l("Nothing of this shop's profile is waiting for review."))
    changes = revision.changes or {}
    fields = []
    for name in REVIEWED_PROFILE_FIELDS:
        live = getattr(seller, name)
        proposed = changes.get(name, live)
        if name == "village_id":
            live, proposed = _village_name(session, live), _village_name(session, proposed)
        fields.append(FieldChange(name, live, proposed, name in changes))
    photos = list(
        session.scalars(
            sa.select(WorkshopPhoto).where(WorkshopPhoto.seller_id == seller.id).order_by(WorkshopPhoto.id)
        )
    )
    by_id = {str(photo.id): photo for photo in photos}
    alt_changes = [
        AltChange(by_id[key], alt.get("alt_id", ""), alt.get("alt_en", ""))
        for key, alt in (changes.get("photo_alts") or {}).items()
        if key in by_id
    ]
    submitter = session.get(User, revision.submitted_by_id) if revision.submitted_by_id else None
    return ProfileReview(
        seller=seller,
        revision=revision,
        fields=fields,
        new_photos=[p for p in photos if p.approved_at is None and p.revision_id == revision.id],
        live_photos=[p for p in photos if p.approved_at is not None],
        alt_changes=alt_changes,
        submitted_by=submitter.email if submitter is not None else "",
        version=version_of(revision.updated_at),
    )


def _stale() -> Conflict:
    return Conflict(_l("The shop changed its profile while you were looking at it. Check the changes again."))


def decide_profile(
    session: Session,
    *,
    seller: Seller,
    approve: bool,
    curator: User,
    note: str,
    now: datetime,
    version: str = "",
) -> Decision:
    """Approve (the proposed values and photos go live) or reject (the live profile stays, the new
    photos are deleted) what waits for `seller`, write the audit row and email the shop.

    `version` is the change as the curator saw it: a change edited meanwhile raises Conflict; one
    no longer waiting (a double submit, another curator first) returns done=False and changes
    nothing. Raises InvalidInput when a rejection has no reason. `files` of the result are for
    `delete_files` after the commit.
    """
    note = clean_text(note)[:2000]
    if not approve and not note:
        raise InvalidInput({"note": _l("Write the reason, so the seller knows what to fix.")})
    revision = find_pending_profile(session, seller.id)
    if revision is None:
        return Decision(False)
    if version and version != version_of(revision.updated_at):
        raise _stale()
    claimed = session.execute(
        sa.update(ShopProfileRevision)
        .where(
            ShopProfileRevision.id == revision.id, ShopProfileRevision.status == ProfileChangeStatus.PENDING
        )
        .values(
            status=ProfileChangeStatus.APPROVED if approve else ProfileChangeStatus.REJECTED,
            reviewed_by_id=curator.id,
            reviewed_at=now,
            reviewer_note=note,
        )
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        session.expire(revision)
        return Decision(False)
    # Read the change again now that it is ours: an edit committed meanwhile is not decided blindly.
    session.expire(
        revision, ["status", "reviewed_by_id", "reviewed_at", "reviewer_note", "changes", "updated_at"]
    )
    if version and version != version_of(revision.updated_at):
        raise _stale()  # the view rolls the claim back
    changes = dict(revision.changes or {})
    waiting = list(
        session.scalars(
            sa.select(WorkshopPhoto)
            .where(WorkshopPhoto.revision_id == revision.id, WorkshopPhoto.approved_at.is_(None))
            .order_by(WorkshopPhoto.id)
        )
    )
    before: dict[str, Any] = {
        name: getattr(seller, name) for name in REVIEWED_PROFILE_FIELDS if name in changes
    }
    after: dict[str, Any] = {name: changes[name] for name in REVIEWED_PROFILE_FIELDS if name in changes}
    if waiting:
        after["new_photos"] = [photo.id for photo in waiting]
    if changes.get("photo_alts"):
        after["photo_alts"] = changes["photo_alts"]
    files: list[FileToDelete] = []
    if approve:
        _apply(session, seller, changes, waiting, now)
    else:
        for photo in waiting:
            files.append(FileToDelete(photo.storage_key, photo.width))
            session.delete(photo)
    session.flush()
    record_action(
        session,
        actor=curator,
        action="shop_profile.approve" if approve else "shop_profile.reject",
        target_type="seller",
        target_id=seller.id,
        target_label=seller.name,
        seller_id=seller.id,
        before=before,
        after=after,
        note=note,
    )
    _notify(session, seller, approve=approve, note=note)
    return Decision(True, files)


def _apply(
    session: Session, seller: Seller, changes: dict[str, Any], waiting: list[WorkshopPhoto], now: datetime
) -> None:
    for name in ("name", "story_id", "story_en"):
        if name in changes:
            setattr(seller, name, changes[name])
    if "village_id" in changes:
        village = session.get(Region, changes["village_id"])
        if village is not None and village.kind == RegionKind.DESA:  # still a desa we know
            seller.village_id = village.id
    for photo in waiting:
        photo.approved_at = now
    for key, alt in (changes.get("photo_alts") or {}).items():
        photo = session.get(WorkshopPhoto, int(key))
        if photo is not None and photo.seller_id == seller.id:  # not deleted since
            photo.alt_id = alt.get("alt_id", photo.alt_id)
            photo.alt_en = alt.get("alt_en", photo.alt_en)


def _notify(session: Session, seller: Seller, *, approve: bool, note: str) -> None:
    """Email everyone running the shop (the owner and its facilitators), each in their language."""
    if approve:
        subject = lazy_gettext("Your shop profile changes for %(name)s are live", name=seller.name)
        body = lazy_gettext("A curator approved your changes. Buyers see them on your shop's page now.")
    else:
        subject = lazy_gettext("Your shop profile changes for %(name)s were not approved", name=seller.name)
        body = lazy_gettext(
            "Buyers still see the previous version. You can change your shop profile and send it again."
        )
    link = external_url("seller.shop_profile", seller_id=seller.id)
    for user in list_shop_contacts(session, [seller.id]).get(seller.id, []):
        send_email(
            session,
            to=user.email,
            subject=subject,
            template="seller_notice",
            lang=user.locale,
            context={"name": user.name, "body": body, "note": note, "link": link},
        )
