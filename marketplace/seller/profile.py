"""The shop's own profile: its name, story in both languages, desa, phone and workshop photos.

What buyers read (the name, the stories, the desa) and new workshop photos wait for a curator in the
shop's one pending ShopProfileRevision, while buyers keep seeing the live profile; a curator decides
in marketplace/curation/shop_profiles.py. The desa waits too: it moves the shop between village
pages and the programme's monitoring. A shop still applying (pending or rejected) changes its text
at once, as the curator reads it in the application. The phone is private and changes at once;
the WhatsApp number keeps its own rules and page (seller/whatsapp.py). Deleting a live photo takes
it off the public page at once (nothing new becomes public).

Functions take the session first, flush only and raise marketplace.errors. The caller checks that
the account runs the shop (the seller area's guard, which also audits every row changed here).
Files of deleted photos are returned as FileToDelete for `delete_files` after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import Region, RegionKind
from marketplace.errors import Conflict, InvalidInput, NotFound
from marketplace.i18n import message as _l
from marketplace.media.images import new_storage_key, process_upload, save_renditions
from marketplace.media.storage import MediaStorage
from marketplace.seller.common import FileToDelete, clean_text, delete_files, shop_phone
from marketplace.seller.models import (
    ProfileChangeStatus,
    Seller,
    SellerStatus,
    ShopProfileRevision,
    WorkshopPhoto,
)

#: Seller columns buyers read: a change to an approved shop's waits for a curator.
REVIEWED_PROFILE_FIELDS = ("name", "story_id", "story_en", "village_id")
#: A few photos of the workshop are enough to show where things are made.
MAX_WORKSHOP_PHOTOS = 4
MAX_NAME = 140
MIN_STORY = 20
MAX_STORY = 5000
MAX_ALT = 200
#: Shops whose text a curator reads in the application itself: their changes apply at once.
APPLYING = (SellerStatus.PENDING, SellerStatus.REJECTED)


@dataclass(frozen=True)
class ProfileInput:
    name: str
    story_id: str
    story_en: str
    village_id: int | None
    phone: str
    address_line: str = ""


@dataclass(frozen=True)
class ProfileSaved:
    """What a save did: the fields changed at once, and whether anything now waits for a curator."""

    applied: tuple[str, ...]
    waiting: bool


def reviews_text(seller: Seller) -> bool:
    """Whether a change to the shop's public text waits for a curator (not while it is applying)."""
    return seller.status not in APPLYING


def _village_ok(session: Session, village_id: int | None) -> bool:
    village = session.get(Region, village_id) if village_id else None
    return village is not None and village.kind == RegionKind.DESA


def check_profile(session: Session, data: ProfileInput) -> dict[str, str]:
    """Field name → message for everything wrong with `data`; empty when it can be saved."""
    errors: dict[str, str] = {}
    if not 2 <= len(clean_text(data.name)) <= MAX_NAME:
        errors["name"] = _l("Enter the business name (2 to 140 characters).")
    if len(clean_text(data.story_id)) < MIN_STORY:
        errors["story_id"] = _l("Tell buyers your story in Indonesian (at least 20 characters).")
    elif len(clean_text(data.story_id)) > MAX_STORY:
        errors["story_id"] = _l("The story can be at most 5000 characters.")
    if len(clean_text(data.story_en)) > MAX_STORY:
        errors["story_en"] = _l("The story can be at most 5000 characters.")
    if not _village_ok(session, data.village_id):
        errors["village_id"] = _l("Choose your village.")
    if shop_phone(data.phone) is None:
        errors["phone"] = _l("Enter a phone number of 8 to 15 digits, for example 0812 3456 7890.")
    return errors


def _cleaned(data: ProfileInput) -> dict[str, Any]:
    return {
        "name": clean_text(data.name),
        "story_id": clean_text(data.story_id),
        "story_en": clean_text(data.story_en),
        "village_id": data.village_id,
    }


# ---------------------------------------------------------------------------------------------
# The pending change
# ---------------------------------------------------------------------------------------------


def find_pending_profile(session: Session, seller_id: int) -> ShopProfileRevision | None:
    return session.scalar(
        sa.select(ShopProfileRevision).where(
            ShopProfileRevision.seller_id == seller_id,
            ShopProfileRevision.status == ProfileChangeStatus.PENDING,
        )
    )


def find_latest_decision(session: Session, seller_id: int) -> ShopProfileRevision | None:
    """The curator's last decision on the shop's profile changes (approved or rejected), if any."""
    return session.scalar(
        sa.select(ShopProfileRevision)
        .where(
            ShopProfileRevision.seller_id == seller_id,
            ShopProfileRevision.status.in_([ProfileChangeStatus.APPROVED, ProfileChangeStatus.REJECTED]),
        )
        .order_by(ShopProfileRevision.reviewed_at.desc(), ShopProfileRevision.id.desc())
        .limit(1)
    )


def _open_revision(session: Session, seller: Seller, *, actor_id: int, now: datetime) -> ShopProfileRevision:
    # Lock the shop's row first (PostgreSQL; SQLite's write lock), so two edits at once cannot both
    # create "the" pending change: the second waits, then finds the first.
    session.execute(sa.select(Seller.id).where(Seller.id == seller.id).with_for_update())
    revision = find_pending_profile(session, seller.id)
    if revision is None:
        revision = ShopProfileRevision(
            seller_id=seller.id, status=ProfileChangeStatus.PENDING, changes={}, created_at=now
        )
        session.add(revision)
    revision.submitted_by_id = actor_id
    revision.updated_at = now
    return revision


def _waiting_photo_count(session: Session, revision: ShopProfileRevision) -> int:
    if revision.id is None:
        return 0
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(WorkshopPhoto)
        .where(WorkshopPhoto.revision_id == revision.id, WorkshopPhoto.approved_at.is_(None))
    )


def _settle(session: Session, revision: ShopProfileRevision | None, now: datetime) -> bool:
    """Withdraw a pending change that no longer proposes anything; True while it still waits."""
    if revision is None or revision.status != ProfileChangeStatus.PENDING:
        return False
    session.flush()
    if revision.changes or _waiting_photo_count(session, revision):
        return True
    revision.status = ProfileChangeStatus.WITHDRAWN
    revision.updated_at = now
    session.flush()
    return False


def proposed_values(seller: Seller, revision: ShopProfileRevision | None) -> dict[str, Any]:
    """The reviewed fields as the shop last wrote them: the live values with the pending ones over them."""
    changes = (revision.changes or {}) if revision is not None else {}
    return {name: changes.get(name, getattr(seller, name)) for name in REVIEWED_PROFILE_FIELDS}


def save_profile(
    session: Session, seller: Seller, *, data: ProfileInput, actor_id: int, now: datetime
) -> ProfileSaved:
    """Save the profile form: the phone at once, the public text at once or for a curator.

    A field written back to its live value leaves the pending change; a change that then proposes
    nothing is withdrawn. Raises InvalidInput (nothing changed) for any bad field.
    """
    errors = check_profile(session, data)
    if errors:
        raise InvalidInput(errors)
    applied: list[str] = []
    phone = shop_phone(data.phone) or ""
    if phone != seller.phone:
        seller.phone = phone
        applied.append("phone")
    address_line = " ".join(data.address_line.split())  # one line on a label, whatever was pasted
    if address_line != seller.address_line:  # private, like the phone: no curator needed
        seller.address_line = address_line
        applied.append("address_line")
    values = _cleaned(data)
    if not reviews_text(seller):
        for name, value in values.items():
            if getattr(seller, name) != value:
                setattr(seller, name, value)
                applied.append(name)
        session.flush()
        revision = find_pending_profile(session, seller.id)
        return ProfileSaved(tuple(applied), revision is not None)
    differing = {name: value for name, value in values.items() if getattr(seller, name) != value}
    revision = find_pending_profile(session, seller.id)
    current = dict(revision.changes or {}) if revision is not None else {}
    proposed = {key: value for key, value in current.items() if key not in REVIEWED_PROFILE_FIELDS}
    proposed.update(differing)
    if proposed == current:  # nothing new for the curator (e.g. only the phone changed)
        session.flush()
        return ProfileSaved(tuple(applied), revision is not None)
    revision = _open_revision(session, seller, actor_id=actor_id, now=now)
    revision.changes = proposed
    return ProfileSaved(tuple(applied), _settle(session, revision, now))


# ---------------------------------------------------------------------------------------------
# Workshop photos
# ---------------------------------------------------------------------------------------------


def list_workshop_photos(session: Session, seller_id: int) -> list[WorkshopPhoto]:
    """Every workshop photo of the shop, live and waiting, in the order they were added."""
    return list(
        session.scalars(
            sa.select(WorkshopPhoto).where(WorkshopPhoto.seller_id == seller_id).order_by(WorkshopPhoto.id)
        )
    )


def list_public_workshop_photos(session: Session, seller_id: int) -> list[WorkshopPhoto]:
    """The photos buyers see on the shop's page: those a curator approved (one query)."""
    return list(
        session.scalars(
            sa.select(WorkshopPhoto)
            .where(WorkshopPhoto.seller_id == seller_id, WorkshopPhoto.approved_at.is_not(None))
            .order_by(WorkshopPhoto.id)
        )
    )


def check_alt(alt_id: str, alt_en: str) -> dict[str, str]:
    """The photo's description: required in Indonesian (buyers who cannot see it hear it), short."""
    errors: dict[str, str] = {}
    if not clean_text(alt_id):
        errors["alt_id"] = _l("Say in a few words what the photo shows, in Indonesian.")
    elif len(clean_text(alt_id)) > MAX_ALT:
        errors["alt_id"] = _l("The description can be at most 200 characters.")
    if len(clean_text(alt_en)) > MAX_ALT:
        errors["alt_en"] = _l("The description can be at most 200 characters.")
    return errors


def add_workshop_photo(
    session: Session,
    storage: MediaStorage,
    *,
    seller: Seller,
    data: bytes,
    alt_id: str,
    alt_en: str,
    actor_id: int,
    now: datetime,
    limits: Mapping[str, int] | None = None,
) -> WorkshopPhoto:
    """Check, re-encode and store an upload as a workshop photo waiting for a curator.

    Raises InvalidInput for a missing or long description, Conflict at MAX_WORKSHOP_PHOTOS
    (live and waiting together) and ValidationError (field "photo") for a file the media pipeline
    refuses; nothing is stored then.
    """
    errors = check_alt(alt_id, alt_en)
    if errors:
        raise InvalidInput(errors)
    if len(list_workshop_photos(session, seller.id)) >= MAX_WORKSHOP_PHOTOS:
        raise Conflict(
            _l("A shop can show at most %(max)d workshop photos. Delete one first.", max=MAX_WORKSHOP_PHOTOS)
        )
    processed = process_upload(data, **(limits or {}))
    revision = _open_revision(session, seller, actor_id=actor_id, now=now)
    session.flush()
    storage_key = new_storage_key()
    save_renditions(storage, processed, storage_key)
    try:
        photo = WorkshopPhoto(
            seller_id=seller.id,
            revision_id=revision.id,
            storage_key=storage_key,
            width=processed.width,
            height=processed.height,
            alt_id=clean_text(alt_id),
            alt_en=clean_text(alt_en),
            created_at=now,
        )
        session.add(photo)
        session.flush()
    except BaseException:
        delete_files(storage, [FileToDelete(storage_key, processed.width)])
        raise
    return photo


def _own_photo(session: Session, seller: Seller, photo_id: int) -> WorkshopPhoto:
    photo = session.get(WorkshopPhoto, photo_id)
    if photo is None or photo.seller_id != seller.id:
        raise NotFound(_l("Not found."))
    return photo


def describe_workshop_photo(
    session: Session, *, seller: Seller, photo_id: int, alt_id: str, alt_en: str, actor_id: int, now: datetime
) -> bool:
    """Change a photo's description. A live photo keeps its description until a curator approves
    the new one (returns True: it waits); a waiting photo's changes at once (it is reviewed anyway).

    Raises NotFound for another shop's photo, InvalidInput for a bad description.
    """
    photo = _own_photo(session, seller, photo_id)
    errors = check_alt(alt_id, alt_en)
    if errors:
        raise InvalidInput(errors)
    alt = {"alt_id": clean_text(alt_id), "alt_en": clean_text(alt_en)}
    if photo.approved_at is None:
        photo.alt_id, photo.alt_en = alt["alt_id"], alt["alt_en"]
        revision = _open_revision(session, seller, actor_id=actor_id, now=now)  # a new version to review
        session.flush()
        return _settle(session, revision, now)
    revision = find_pending_profile(session, seller.id)
    live = {"alt_id": photo.alt_id, "alt_en": photo.alt_en}
    if revision is None and alt == live:
        return False
    revision = _open_revision(session, seller, actor_id=actor_id, now=now)
    changes = dict(revision.changes or {})
    alts = dict(changes.pop("photo_alts", None) or {})
    if alt == live:
        alts.pop(str(photo.id), None)
    else:
        alts[str(photo.id)] = alt
    revision.changes = {**changes, **({"photo_alts": alts} if alts else {})}
    return _settle(session, revision, now)


def delete_workshop_photo(
    session: Session, *, seller: Seller, photo_id: int, actor_id: int, now: datetime
) -> list[FileToDelete]:
    """Delete a photo, live (it leaves the public page at once) or waiting. Raises NotFound for
    another shop's photo. Returns its renditions for `delete_files` after the commit."""
    photo = _own_photo(session, seller, photo_id)
    files = [FileToDelete(photo.storage_key, photo.width)]
    revision = find_pending_profile(session, seller.id)
    if revision is not None:
        changes = dict(revision.changes or {})
        alts = dict(changes.pop("photo_alts", None) or {})
        dropped_alt = alts.pop(str(photo.id), None) is not None
        if dropped_alt:
            revision.changes = {**changes, **({"photo_alts": alts} if alts else {})}
        if dropped_alt or photo.approved_at is None:
            # What the curator decides on changed: a new version.
            revision.submitted_by_id = actor_id
            revision.updated_at = now
    session.delete(photo)
    session.flush()
    _settle(session, revision, now)
    return files
