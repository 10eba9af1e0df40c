"""Seller rules shared by the dashboard's features: limits the forms show and the services enforce,
slugs, and photo files deleted after the commit that dropped their rows.

Every seller service takes the session first, flushes only and raises marketplace.errors; the view or
CLI commits once. Access is by seller ids: callers pass the ids of the shops the account runs
(`marketplace.accounts.access.user_seller_ids`) and anything outside them is NotFound.
Files (photo renditions) are deleted only after the commit that drops their rows: functions that
make files obsolete return `FileToDelete`s for the caller to pass to `delete_files` after commit.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace import contact
from marketplace.media.images import (
    delete_renditions,
)
from marketplace.media.storage import MediaStorage

MAX_PRICE_MINOR = 1_000_000_000  # Rp 1.000.000.000: anything above is a typo


MAX_WEIGHT_GRAMS = 30_000  # one postal parcel


MAX_DIMENSION_CM = 150


MAX_PROCESSING_DAYS = 90


MAX_LOW_STOCK_THRESHOLD = 10_000


MAX_PHOTOS = 8


HS_CODE = re.compile(r"^[0-9][0-9.]*$")


ACCOUNT_NUMBER = re.compile(r"^[0-9]{6,20}$")


PHONE = re.compile(r"^\+?[0-9]{8,15}$")


def shop_phone(raw: str | None) -> str | None:
    """A shop's phone number as stored (digits, "+" first when given), or None when it cannot be
    dialled: the kernel's phone rules (`contact.clean_phone`, `contact.phone_ok`) and at most 15
    digits (E.164). One rule for the application and the shop profile."""
    cleaned = contact.clean_phone(raw)
    digits = contact.phone_digits(cleaned)
    if not contact.phone_ok(cleaned) or not PHONE.match(digits):
        return None
    return digits


TRACKING = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 /-]{3,79}$")


#: Product columns a curator reviews again when an ACTIVE product changes them.
REVIEWED_FIELDS = ("title_id", "title_en", "description_id", "description_en", "price_minor")


#: Product columns a seller changes directly, even on a live product.
DIRECT_FIELDS = (
    "cluster_id",
    "weight_grams",
    "length_mm",
    "width_mm",
    "height_mm",
    "processing_days",
    "exportable",
    "hs_code",
    "low_stock_threshold",
)


@dataclass(frozen=True)
class FileToDelete:
    """Photo renditions to delete once the transaction that dropped their row has committed."""

    storage_key: str
    width: int


def delete_files(storage: MediaStorage, files: Sequence[FileToDelete]) -> None:
    """Delete renditions no row refers to any more. Call after commit; missing files are fine."""
    for item in files:
        try:
            delete_renditions(storage, item.storage_key, item.width)
        except OSError:
            pass  # an orphan file with a random name is harmless; the commit already happened


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:100] or "item"


def unique_slug(session: Session, column, text: str) -> str:
    base = slugify(text)
    if not session.scalar(sa.select(sa.func.count()).where(column == base)):
        return base
    for _attempt in range(10):
        candidate = f"{base}-{secrets.token_hex(3)}"
        if not session.scalar(sa.select(sa.func.count()).where(column == candidate)):
            return candidate
    return f"{base}-{secrets.token_hex(8)}"


def clean_text(text: str | None) -> str:
    return (text or "").strip()
