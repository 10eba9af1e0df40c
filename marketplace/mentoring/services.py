"""Writing and reading the mentoring log: notes and visits per seller, who has not been visited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session, joinedload

from marketplace.audit.services import record_action
from marketplace.catalogue.models import Region, RegionKind
from marketplace.errors import InvalidInput, NotFound
from marketplace.i18n import message
from marketplace.mentoring.models import MentoringKind, MentoringNote
from marketplace.seller.models import Seller, SellerStatus

#: A seller not visited for this many days shows up as "needs a visit".
VISIT_INTERVAL_DAYS = 90
MAX_BODY = 5000
RECENT_LIMIT = 50
NEEDS_VISIT_LIMIT = 100


def get_seller(session: Session, seller_id: int) -> Seller:
    """The seller with its village loaded; NotFound when there is none."""
    seller = session.scalars(
        sa.select(Seller).options(joinedload(Seller.village)).where(Seller.id == seller_id)
    ).first()
    if seller is None:
        raise NotFound(message(str(_l("Not found."))))
    return seller


def find_village(session: Session, slug: str) -> Optional[Region]:
    if not slug:
        return None
    return session.scalars(
        sa.select(Region).where(Region.slug == slug, Region.kind == RegionKind.DESA)
    ).first()


def note_problems(
    *,
    kind: MentoringKind | str | None,
    visited_on: Optional[date],
    body: Optional[str],
    follow_up_on: Optional[date],
    today: date,
) -> dict[str, str]:
    """Field name → message for everything wrong with a note, all at once (empty: it can be saved):
    an unknown kind, a missing or future day, an empty or overlong text, a follow-up before the day."""
    problems: dict[str, str] = {}
    if kind not in set(MentoringKind):
        problems["kind"] = message(str(_l("Choose a note or a visit.")))
    if visited_on is None:
        problems["visited_on"] = message(str(_l("Enter the day, e.g. 2026-11-28.")))
    elif visited_on > today:
        problems["visited_on"] = message(str(_l("The day cannot be in the future.")))
    text = (body or "").strip()
    if not text:
        problems["body"] = message(str(_l("Write what was discussed or seen.")))
    elif len(text) > MAX_BODY:
        problems["body"] = message(str(_l("Keep the note under %(count)s characters.")), count=MAX_BODY)
    if follow_up_on is not None and visited_on is not None and follow_up_on < visited_on:
        problems["follow_up_on"] = message(str(_l("The follow-up cannot be before the day of the note.")))
    return problems


def add_note(
    session: Session,
    *,
    seller: Seller,
    author,
    kind: MentoringKind | str,
    visited_on: Optional[date],
    body: str,
    follow_up_on: Optional[date] = None,
    today: date,
) -> MentoringNote:
    """Add a note or visit to `seller`'s log and audit it. Flushes only.

    Raises InvalidInput naming every problem at once (see `note_problems`); nothing is written then.
    """
    problems = note_problems(
        kind=kind, visited_on=visited_on, body=body, follow_up_on=follow_up_on, today=today
    )
    if problems:
        raise InvalidInput(problems)
    kind = MentoringKind(kind)
    body = (body or "").strip()
    note = MentoringNote(
        seller_id=seller.id,
        author_id=getattr(author, "id", None),
        kind=kind,
        visited_on=visited_on,
        body=body,
        follow_up_on=follow_up_on,
    )
    session.add(note)
    session.flush()
    record_action(
        session,
        actor=author,
        action=f"mentoring.{kind.value}",
        target_type="seller",
        target_id=seller.id,
        target_label=seller.name,
        seller_id=seller.id,
        after={
            "note_id": note.id,
            "kind": kind,
            "visited_on": visited_on,
            "follow_up_on": follow_up_on,
            "body": body[:200],
        },
    )
    return note


def list_notes(
    session: Session,
    *,
    village_id: Optional[int] = None,
    seller_id: Optional[int] = None,
    limit: int = RECENT_LIMIT,
) -> list[MentoringNote]:
    """Most recent first (by day, then entry), with seller, village and author loaded (one query)."""
    stmt = (
        sa.select(MentoringNote)
        .join(Seller, Seller.id == MentoringNote.seller_id)
        .options(
            joinedload(MentoringNote.seller).joinedload(Seller.village), joinedload(MentoringNote.author)
        )
        .order_by(MentoringNote.visited_on.desc(), MentoringNote.id.desc())
        .limit(limit)
    )
    if village_id is not None:
        stmt = stmt.where(Seller.village_id == village_id)
    if seller_id is not None:
        stmt = stmt.where(MentoringNote.seller_id == seller_id)
    return list(session.scalars(stmt))


@dataclass(frozen=True)
class SellerVisit:
    seller_id: int
    seller: str
    village: str
    village_slug: str
    last_visit: Optional[date]


def sellers_needing_visit(
    session: Session,
    *,
    today: date,
    village_id: Optional[int] = None,
    days: int = VISIT_INTERVAL_DAYS,
    limit: int = NEEDS_VISIT_LIMIT,
) -> list[SellerVisit]:
    """Approved sellers whose last visit was more than `days` days ago, or never (those first)."""
    last_visit = (
        sa.select(MentoringNote.seller_id, sa.func.max(MentoringNote.visited_on).label("last_visit"))
        .where(MentoringNote.kind == MentoringKind.VISIT)
        .group_by(MentoringNote.seller_id)
        .subquery("last_visit")
    )
    stmt = (
        sa.select(Seller.id, Seller.name, Region.name.label("village"), Region.slug, last_visit.c.last_visit)
        .join(Region, Region.id == Seller.village_id)
        .outerjoin(last_visit, last_visit.c.seller_id == Seller.id)
        .where(
            Seller.status == SellerStatus.APPROVED,
            sa.or_(last_visit.c.last_visit.is_(None), last_visit.c.last_visit < today - timedelta(days=days)),
        )
        .order_by(last_visit.c.last_visit.is_not(None), last_visit.c.last_visit, Region.name, Seller.name)
        .limit(limit)
    )
    if village_id is not None:
        stmt = stmt.where(Seller.village_id == village_id)
    return [
        SellerVisit(row.id, row.name, row.village, row.slug, row.last_visit) for row in session.execute(stmt)
    ]


#: Follow-ups due within this many days are listed with the overdue ones.
FOLLOW_UP_WITHIN_DAYS = 14


@dataclass(frozen=True)
class FollowUp:
    seller_id: int
    seller: str
    village: str
    village_slug: str
    follow_up_on: date
    body: str


def follow_ups_due(
    session: Session,
    *,
    today: date,
    village_id: Optional[int] = None,
    within_days: int = FOLLOW_UP_WITHIN_DAYS,
    limit: int = NEEDS_VISIT_LIMIT,
) -> list[FollowUp]:
    """Sellers whose latest note asks to check on them again by `today + within_days` (overdue
    ones first): a later note for the seller, the follow-up itself, takes them off. One query."""
    ranked = sa.select(
        MentoringNote.seller_id,
        MentoringNote.follow_up_on,
        MentoringNote.body,
        sa.func.row_number()
        .over(
            partition_by=MentoringNote.seller_id,
            order_by=(MentoringNote.visited_on.desc(), MentoringNote.id.desc()),
        )
        .label("newest"),
    ).subquery("ranked")
    stmt = (
        sa.select(Seller.id, Seller.name, Region.name.label("village"), Region.slug, ranked.c.follow_up_on,
                  ranked.c.body)
        .join(ranked, ranked.c.seller_id == Seller.id)
        .join(Region, Region.id == Seller.village_id)
        .where(
            ranked.c.newest == 1,
            ranked.c.follow_up_on.is_not(None),
            ranked.c.follow_up_on <= today + timedelta(days=within_days),
        )
        .order_by(ranked.c.follow_up_on, Seller.name, Seller.id)
        .limit(limit)
    )  # fmt: skip
    if village_id is not None:
        stmt = stmt.where(Seller.village_id == village_id)
    return [FollowUp(*row) for row in session.execute(stmt)]


def list_villages(session: Session) -> list[Region]:
    return list(
        session.scalars(sa.select(Region).where(Region.kind == RegionKind.DESA).order_by(Region.name))
    )
