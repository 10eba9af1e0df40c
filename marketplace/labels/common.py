"""Quality-label rules shared by requests, review, types and reminders: limits and text cleaning.

Every label service takes the session first, flushes only and raises marketplace.errors; the view or
CLI commits once. Sellers reach labels only through the ids of the shops they run (`seller_ids`);
anything outside them is NotFound. A label is public while verified and not past `valid_until`, the
last valid day on the Asia/Jakarta calendar (`marketplace.labels.visibility.visible_label_filter`):
expiry needs no job.
"""

from __future__ import annotations

import re

#: Sellers are warned (dashboard, /seller/labels, reminder email) this many days before expiry.
EXPIRY_WARNING_DAYS = 30


#: A certificate valid for longer than this is a typo in the year.
MAX_VALID_YEARS = 30


#: The largest row count the queue and one registry page show (keeps every page bounded).
QUEUE_LIMIT = 200


REGISTRY_PAGE_SIZE = 100


REGISTRY_STATES = ("", "valid", "expiring", "expired")


CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,39}$")


def clean_text(text: str | None) -> str:
    return " ".join((text or "").split())


def clean_block(text: str | None) -> str:
    return (text or "").strip()
