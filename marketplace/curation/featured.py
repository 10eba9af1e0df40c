"""Featured slots on the home page: placing products, and how fairly featured time is spread.

Times are stored in UTC and typed by curators in Asia/Jakarta (marketplace.timezones turns one
into the other). Every change writes an audit row; the page cache notices writes to
featured_placements by itself and the home page shows the change on the next request
(marketplace/cache/). Functions flush only.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session, defaultload, joinedload

from marketplace import params
from marketplace.accounts.models import User
from marketplace.audit.services import changed_values, record_action
from marketplace.catalogue.models import Cluster, Product, Region, RegionKind
from marketplace.curation.models import FeaturedPlacement
from marketplace.errors import InvalidInput, NotFound
from marketplace.i18n import message as _l
from marketplace.params import MAX_ID
from marketplace.seller.models import Seller
from marketplace.seller.visibility import public_products_filter
from marketplace.timezones import JAKARTA, jakarta_day_start
from marketplace.types import utcnow

MAX_HEADLINE = 160
#: Positions as curators see and type them: 1 (first) to MAX_POSITION.
MAX_POSITION = 99
#: Longest placement a curator can set in one go (a typo in the year is the usual cause).
MAX_PLACEMENT_DAYS = 366
#: The fairness view looks this far back by default.
FAIRNESS_DAYS = 90
#: and at most this far in one range.
MAX_FAIRNESS_DAYS = 5 * 366
SEARCH_LIMIT = 20
PAST_LIMIT = 50


# ---------------------------------------------------------------------------------------------
# Choosing a product
# ---------------------------------------------------------------------------------------------


def search_featurable(session: Session, query: str, *, limit: int = SEARCH_LIMIT) -> list[Product]:
    """Products that may be featured (on sale, seller approved) whose id or title matches `query`."""
    text = " ".join((query or "").split())[:100]
    if not text:
        return []
    stmt = sa.select(Product).where(public_products_filter())
    product_id = params.find_id(text.lstrip("#"))
    if product_id is not None:
        stmt = stmt.where(Product.id == product_id)
    else:
        pattern = "%" + re.sub(r"([\\%_])", r"\\\1", text.lower()) + "%"
        stmt = stmt.where(
            sa.or_(
                sa.func.lower(Product.title_id).like(pattern, escape="\\"),
                sa.func.lower(Product.title_en).like(pattern, escape="\\"),
            )
        )
    stmt = (
        stmt.options(joinedload(Product.seller).joinedload(Seller.village)).order_by(Product.id).limit(limit)
    )
    return list(session.scalars(stmt))


def resolve_product(session: Session, reference: str) -> Product:
    """The one featurable product `reference` names (its id, or words of its title).

    Raises InvalidInput on the "product" field when none or several match.
    """
    text = (reference or "").strip()
    if not text:
        raise InvalidInput({"product": _l("Enter the product's id or part of its name.")})
    matches = search_featurable(session, text, limit=2)
    if not matches:
        raise InvalidInput(
            {
                "product": _l(
                    "No product on sale matches “%(query)s”. Only products on sale can be featured.",
                    query=text[:60],
                )
            }
        )
    if len(matches) > 1:
        raise InvalidInput(
            {"product": _l("Several products match. Search below and enter the product's id.")}
        )
    return matches[0]


# ---------------------------------------------------------------------------------------------
# Placements
# ---------------------------------------------------------------------------------------------


def shown_position(stored: int) -> int:
    """The position a curator reads and types (1 = first) of a stored one (0 = first).

    The column counts from 0, as the model's default, the demo and the benchmark always did; the
    console counts from 1, as its form says. The two meet only here (the form, the table, the audit
    log and the "position taken" message use shown numbers), so placements keep their order.
    """
    return stored + 1


def stored_position(shown: int) -> int:
    """The column's value for a position typed as `shown` (1 = first); see shown_position."""
    return shown - 1


@dataclass(frozen=True)
class PlacementInput:
    """What the form posts. Times are aware UTC datetimes (None when missing or unreadable)."""

    product: str
    headline_id: str
    headline_en: str
    #: As typed: 1 is the first slot (stored_position gives the column's value).
    position: int | None
    starts_at: datetime | None
    ends_at: datetime | None


def _checked(session: Session, data: PlacementInput) -> tuple[Product | None, dict[str, str]]:
    errors: dict[str, str] = {}
    product = None
    try:
        product = resolve_product(session, data.product)
    except InvalidInput as error:
        errors.update(error.errors)
    if not (data.headline_id or "").strip():
        errors["headline_id"] = _l("Enter the headline in Indonesian.")
    for name in ("headline_id", "headline_en"):
        if len((getattr(data, name) or "").strip()) > MAX_HEADLINE:
            errors[name] = _l("The headline can be at most %(max)d characters.", max=MAX_HEADLINE)
    if data.position is None or not 1 <= data.position <= MAX_POSITION:
        errors["position"] = _l("Enter a position from 1 (first) to %(max)d.", max=MAX_POSITION)
    if data.starts_at is None:
        errors["starts_at"] = _l("Enter when the placement starts.")
    if data.ends_at is None:
        errors["ends_at"] = _l("Enter when the placement ends.")
    if data.starts_at is not None and data.ends_at is not None:
        if data.ends_at <= data.starts_at:
            errors["ends_at"] = _l("The end must be after the start.")
        elif data.ends_at - data.starts_at > timedelta(days=MAX_PLACEMENT_DAYS):
            errors["ends_at"] = _l("A placement can last at most %(days)d days.", days=MAX_PLACEMENT_DAYS)
    return product, errors


def _lock_placements(session: Session) -> None:
    """Serialize changes to placements, so the "position free" check is read after the lock.

    PostgreSQL: a lock on the table that only other writers wait for (readers, the home page, go
    on). SQLite: the request already holds the database's write lock (BEGIN IMMEDIATE).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("LOCK TABLE featured_placements IN SHARE ROW EXCLUSIVE MODE"))


def _position_taken(session: Session, data: PlacementInput, *, other_than: int | None = None) -> int | None:
    """The id of another placement holding `data.position` at some moment of its period, if any."""
    stmt = sa.select(FeaturedPlacement.id).where(
        FeaturedPlacement.position == stored_position(data.position),
        FeaturedPlacement.starts_at < data.ends_at,
        FeaturedPlacement.ends_at > data.starts_at,
    )
    if other_than is not None:
        stmt = stmt.where(FeaturedPlacement.id != other_than)
    return session.scalar(stmt.order_by(FeaturedPlacement.id).limit(1))


def _check_slot(session: Session, data: PlacementInput, *, other_than: int | None = None) -> None:
    """A position holds one placement at a time (InvalidInput on "position" otherwise)."""
    taken = _position_taken(session, data, other_than=other_than)
    if taken is not None:
        raise InvalidInput(
            {
                "position": _l(
                    "Position %(position)d is taken at that time by placement #%(id)d. "
                    "Choose another position or other times.",
                    position=data.position,
                    id=taken,
                )
            }
        )


def _locked_placement(session: Session, placement: FeaturedPlacement) -> FeaturedPlacement:
    """`placement` re-read under the lock (NotFound when another curator deleted it meanwhile)."""
    _lock_placements(session)
    fresh = session.scalar(
        sa.select(FeaturedPlacement)
        .where(FeaturedPlacement.id == placement.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if fresh is None:
        raise NotFound(_l("Not found."))
    return fresh


def check_placement(session: Session, data: PlacementInput) -> dict[str, str]:
    """All that is wrong with the input at once (field name → message); {} when it can be saved."""
    return _checked(session, data)[1]


def _state(placement: FeaturedPlacement) -> dict[str, Any]:
    return {
        "product_id": placement.product_id,
        "headline_id": placement.headline_id,
        "headline_en": placement.headline_en,
        "position": shown_position(placement.position),
        "starts_at": placement.starts_at,
        "ends_at": placement.ends_at,
    }


def _label(placement: FeaturedPlacement, product: Product | None = None) -> str:
    product = product or placement.product
    return f"#{placement.product_id} {product.title_id}" if product else f"#{placement.product_id}"


def create_placement(
    session: Session, *, data: PlacementInput, actor: User, now: datetime
) -> FeaturedPlacement:
    """Feature a product on sale between two times. Raises InvalidInput with every bad field, or
    when another placement holds the position during that time (checked under a lock)."""
    product, errors = _checked(session, data)
    if errors:
        raise InvalidInput(errors)
    _lock_placements(session)
    _check_slot(session, data)
    placement = FeaturedPlacement(
        product_id=product.id,
        headline_id=data.headline_id.strip(),
        headline_en=(data.headline_en or "").strip(),
        position=stored_position(data.position),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(placement)
    session.flush()
    record_action(
        session, actor=actor, action="featured.create", target_type="featured_placement",
        target_id=placement.id, target_label=_label(placement, product), seller_id=product.seller_id,
        before=None, after=_state(placement),
    )  # fmt: skip
    return placement


def get_placement(session: Session, placement_id: int) -> FeaturedPlacement:
    placement = session.get(FeaturedPlacement, placement_id) if 0 < placement_id <= MAX_ID else None
    if placement is None:
        raise NotFound(_l("Not found."))
    return placement


def update_placement(
    session: Session, *, placement: FeaturedPlacement, data: PlacementInput, actor: User, now: datetime
) -> bool:
    """Change a placement. Returns False when nothing differed (no audit row then). Raises
    InvalidInput (every bad field; a position another placement holds then), NotFound."""
    product, errors = _checked(session, data)
    if errors:
        raise InvalidInput(errors)
    placement = _locked_placement(session, placement)
    _check_slot(session, data, other_than=placement.id)
    before = _state(placement)
    placement.product_id = product.id
    placement.headline_id = data.headline_id.strip()
    placement.headline_en = (data.headline_en or "").strip()
    placement.position = stored_position(data.position)
    placement.starts_at = data.starts_at
    placement.ends_at = data.ends_at
    old, new = changed_values(before, _state(placement))
    if not new:
        return False
    session.flush()
    record_action(
        session, actor=actor, action="featured.update", target_type="featured_placement",
        target_id=placement.id, target_label=_label(placement, product), seller_id=product.seller_id,
        before=old, after=new,
    )  # fmt: skip
    return True


def end_placement(
    session: Session, *, placement: FeaturedPlacement, actor: User, now: datetime | None = None
) -> bool:
    """End a running placement now. False (nothing changes) when it is not running.

    Without `now`, the clock is read once the row is locked: a time read before waiting for the lock
    could be earlier than the end another "end now" just wrote, and end the placement a second time.
    """
    placement = _locked_placement(session, placement)
    now = now or utcnow()
    if not placement.starts_at <= now < placement.ends_at:
        return False
    before = placement.ends_at
    placement.ends_at = now
    session.flush()
    record_action(
        session, actor=actor, action="featured.end", target_type="featured_placement",
        target_id=placement.id, target_label=_label(placement), seller_id=placement.product.seller_id,
        before={"ends_at": before}, after={"ends_at": now},
    )  # fmt: skip
    return True


def delete_placement(session: Session, *, placement: FeaturedPlacement, actor: User) -> None:
    """Remove a placement entirely (it no longer counts in the fairness view either). NotFound
    when it is gone already."""
    placement = _locked_placement(session, placement)
    state = _state(placement)
    label = _label(placement)
    seller_id = placement.product.seller_id
    placement_id = placement.id
    session.delete(placement)
    session.flush()
    record_action(
        session, actor=actor, action="featured.delete", target_type="featured_placement",
        target_id=placement_id, target_label=label, seller_id=seller_id, before=state, after=None,
    )  # fmt: skip


@dataclass(frozen=True)
class Placements:
    current: list[FeaturedPlacement]
    upcoming: list[FeaturedPlacement]
    past: list[FeaturedPlacement]


def list_placements(session: Session, *, now: datetime, past_limit: int = PAST_LIMIT) -> Placements:
    """Running (by position), upcoming (soonest first) and the latest past placements: two queries
    plus the eager loads."""
    options = (
        joinedload(FeaturedPlacement.product).joinedload(Product.seller).joinedload(Seller.village),
        # Whether it can be bought now: a sold-out placement shows last on the home page.
        defaultload(FeaturedPlacement.product).undefer(Product.has_offered_stock),
    )
    open_ = session.scalars(
        sa.select(FeaturedPlacement)
        .where(FeaturedPlacement.ends_at > now)
        .options(*options)
        .order_by(FeaturedPlacement.starts_at, FeaturedPlacement.position, FeaturedPlacement.id)
    ).all()
    past = session.scalars(
        sa.select(FeaturedPlacement)
        .where(FeaturedPlacement.ends_at <= now)
        .options(*options)
        .order_by(FeaturedPlacement.ends_at.desc(), FeaturedPlacement.id.desc())
        .limit(past_limit)
    ).all()
    current = sorted(
        (p for p in open_ if p.starts_at <= now), key=lambda p: (p.position, -p.starts_at.timestamp(), p.id)
    )
    upcoming = [p for p in open_ if p.starts_at > now]
    return Placements(current, upcoming, list(past))


# ---------------------------------------------------------------------------------------------
# Fairness: featured time per village and per cluster
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FairnessRow:
    id: int
    name: Any  # a Region or Cluster: the presenter picks the name in the reader's language
    seconds: int
    hours: int
    products: int
    #: Share of all featured time in the window, in percent with one decimal.
    share: Decimal


@dataclass(frozen=True)
class Fairness:
    start: datetime
    end: datetime
    villages: list[FairnessRow]
    clusters: list[FairnessRow]
    total_hours: int
    total_seconds: int
    placements: int


def _hours(seconds: int) -> int:
    return (seconds + 1800) // 3600  # to the nearest hour, halves up


def _share(seconds: int, total: int) -> Decimal:
    if not total:
        return Decimal("0.0")
    return (Decimal(seconds) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _rows(groups: Sequence[Any], seconds: dict[int, int], products: dict[int, set[int]], total: int):
    rows = [
        FairnessRow(g.id, g, seconds.get(g.id, 0), _hours(seconds.get(g.id, 0)), len(products.get(g.id, ())),
                    _share(seconds.get(g.id, 0), total))
        for g in groups
    ]  # fmt: skip
    return sorted(rows, key=lambda r: -r.seconds)  # stable: equal times keep the groups' own order


def featured_fairness(session: Session, *, start: datetime, end: datetime) -> Fairness:
    """How featured time in [start, end) spread over villages and clusters.

    Each placement counts with its overlap with the window; hours are rounded per village or
    cluster from the exact seconds. Villages and clusters never featured are listed with 0.
    One query for the placements, one each for the villages and clusters.
    """
    rows = session.execute(
        sa.select(
            FeaturedPlacement.product_id,
            FeaturedPlacement.starts_at,
            FeaturedPlacement.ends_at,
            Seller.village_id,
            Product.cluster_id,
        )
        .join(Product, Product.id == FeaturedPlacement.product_id)
        .join(Seller, Seller.id == Product.seller_id)
        .where(FeaturedPlacement.starts_at < end, FeaturedPlacement.ends_at > start)
    ).all()
    by_village: dict[int, int] = {}
    by_cluster: dict[int, int] = {}
    village_products: dict[int, set[int]] = {}
    cluster_products: dict[int, set[int]] = {}
    total = 0
    for product_id, starts_at, ends_at, village_id, cluster_id in rows:
        overlap = int((min(ends_at, end) - max(starts_at, start)).total_seconds())
        if overlap <= 0:
            continue
        total += overlap
        by_village[village_id] = by_village.get(village_id, 0) + overlap
        by_cluster[cluster_id] = by_cluster.get(cluster_id, 0) + overlap
        village_products.setdefault(village_id, set()).add(product_id)
        cluster_products.setdefault(cluster_id, set()).add(product_id)
    villages = session.scalars(
        sa.select(Region).where(Region.kind == RegionKind.DESA).order_by(Region.name, Region.id)
    ).all()
    clusters = session.scalars(sa.select(Cluster).order_by(Cluster.position, Cluster.id)).all()
    return Fairness(
        start=start,
        end=end,
        villages=_rows(villages, by_village, village_products, total),
        clusters=_rows(clusters, by_cluster, cluster_products, total),
        total_hours=_hours(total),
        total_seconds=total,
        placements=len(rows),
    )


def fairness_window(
    *, now: datetime, start_day: date | None = None, end_day: date | None = None
) -> tuple[datetime, datetime]:
    """The window for the fairness view: the last FAIRNESS_DAYS up to now by default, or whole
    Jakarta days from `start_day` through `end_day` (swapped when reversed, capped in length)."""
    if start_day is None and end_day is None:
        return now - timedelta(days=FAIRNESS_DAYS), now
    today = now.astimezone(JAKARTA).date()
    end_day = end_day or today
    start_day = start_day or end_day - timedelta(days=FAIRNESS_DAYS - 1)
    if start_day > end_day:
        start_day, end_day = end_day, start_day
    if (end_day - start_day).days >= MAX_FAIRNESS_DAYS:
        start_day = end_day - timedelta(days=MAX_FAIRNESS_DAYS - 1)
    return jakarta_day_start(start_day), jakarta_day_start(end_day + timedelta(days=1))


__all__ = [
    "Fairness",
    "FairnessRow",
    "PlacementInput",
    "Placements",
    "check_placement",
    "create_placement",
    "delete_placement",
    "end_placement",
    "fairness_window",
    "featured_fairness",
    "get_placement",
    "list_placements",
    "resolve_product",
    "search_featurable",
    "shown_position",
    "stored_position",
    "update_placement",
]
