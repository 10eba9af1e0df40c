"""Expiry reminders: one email per label and expiry date, before the label lapses."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.catalogue.models import Product, ProductStatus
from marketplace.email.links import external_url
from marketplace.email.services import send_email
from marketplace.i18n import localized
from marketplace.labels.common import EXPIRY_WARNING_DAYS
from marketplace.labels.models import LabelReminder, LabelStatus, ProductLabel
from marketplace.labels.review import with_context
from marketplace.seller.models import Seller
from marketplace.timezones import day_text


@dataclass(frozen=True)
class ReminderResult:
    emails: int
    labels: int


def send_expiry_reminders(
    session: Session, *, today: date, days: int = EXPIRY_WARNING_DAYS
) -> ReminderResult:
    """Email each seller whose verified labels expire within `days`: one email per seller listing them.

    Idempotent: each (label, valid_until) reminded is recorded in LabelReminder (unique), so a
    second run sends nothing new, and a renewed label (new valid_until) is reminded again.
    Sellers without an account are skipped (and reminded once an account is attached).
    Archived products are left out. Flushes only; the caller commits.
    """
    reminded = sa.exists().where(
        LabelReminder.label_id == ProductLabel.id, LabelReminder.valid_until == ProductLabel.valid_until
    )
    due = list(
        session.scalars(
            with_context(sa.select(ProductLabel))
            .where(
                ProductLabel.status == LabelStatus.VERIFIED,
                ProductLabel.valid_until.between(today, today + timedelta(days=days)),
                Product.status != ProductStatus.ARCHIVED,
                ~reminded,
            )
            .order_by(Seller.id, ProductLabel.valid_until, ProductLabel.id)
        )
    )
    by_seller: dict[int, list[ProductLabel]] = {}
    for label in due:
        by_seller.setdefault(label.product.seller_id, []).append(label)
    user_ids = {label.product.seller.user_id for label in due if label.product.seller.user_id}
    users = (
        {u.id: u for u in session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    )
    emails = labels_done = 0
    for labels in by_seller.values():
        seller = labels[0].product.seller
        user = users.get(seller.user_id) if seller.user_id else None
        if user is None or not user.email:
            continue
        lang = user.locale or "id"
        rows = [
            {
                "label": localized(label.label_type, "name", lang),
                "product": localized(label.product, "title", lang),
                "certificate_number": label.certificate_number,
                "valid_until": day_text(label.valid_until, lang),
                "days_left": (label.valid_until - today).days,
            }
            for label in labels
        ]
        send_email(
            session,
            to=user.email,
            template="label_reminder",
            lang=lang,
            context={
                "name": user.name,
                "shop": seller.name,
                "rows": rows,
                "link": external_url("labels.seller_labels"),
            },
        )
        for label in labels:
            session.add(LabelReminder(label_id=label.id, valid_until=label.valid_until))
        emails += 1
        labels_done += len(labels)
    session.flush()
    return ReminderResult(emails=emails, labels=labels_done)
