"""Naik kelas rules: measure sellers, place them on the levels, and let curators edit the levels.

Metrics are computed for many sellers at once, one grouped query per metric whatever the number
of sellers, so the curator's list of every seller costs the same as one seller's scorecard.
Services flush only; the view commits. Every curator edit writes an audit row.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask_babel import lazy_gettext
from sqlalchemy.orm import Session, selectinload

from marketplace.audit.services import record_action
from marketplace.catalogue.models import Product, ProductImage, ProductStatus
from marketplace.errors import Conflict, NotFound, ValidationError
from marketplace.i18n import message as _l
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.naikkelas.models import NaikKelasCriterion, NaikKelasLevel
from marketplace.orders.lateness import grace_days_setting
from marketplace.orders.outcomes import shop_counts
from marketplace.seller.models import Seller, SellerPayoutAccount, SellerStatus
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow

PERCENT = "percent"
COUNT = "count"
#: Buyers' average stars, 1–5 with one decimal (marketplace/reviews: the products' counters).
RATING = "rating"


@dataclass(frozen=True)
class Metric:
    code: str
    unit: str  # PERCENT (0–100), COUNT or RATING (0–5)
    label: object  # lazy string: what the code measures, for the curator's metric list


#: What the code can measure. Criteria name one of these; thresholds are data.
METRICS: dict[str, Metric] = {
    m.code: m
    for m in (
        Metric(
            "profile_complete", PERCENT, lazy_gettext("Profile complete: both stories, phone, payout account")
        ),
        Metric("photo_share", PERCENT, lazy_gettext("Products on sale with at least 3 photos")),
        Metric("active_products", COUNT, lazy_gettext("Products on sale")),
        Metric("verified_labels", COUNT, lazy_gettext("Verified quality labels, not expired")),
        Metric("export_ready", COUNT, lazy_gettext("Exportable products on sale with an HS code")),
        Metric("on_time_rate", PERCENT, lazy_gettext("Parcels shipped on time, every paid order")),
        Metric("fulfilled_orders", COUNT, lazy_gettext("Orders shipped")),
        Metric(
            "not_cancelled_rate",
            PERCENT,
            lazy_gettext("Paid orders not cancelled by the shop"),
        ),
        Metric("average_rating", RATING, lazy_gettext("Buyers' average rating (stars out of 5)")),
        Metric("review_count", COUNT, lazy_gettext("Reviews from buyers")),
    )
}
MIN_PHOTOS = 3
#: On time or late: the rule of orders/lateness.py (the shop's processing days, or its products'
#: when longer, + LATE_GRACE_DAYS), over every paid order, as the reminders and curators use it.
MAX_COUNT_THRESHOLD = 1_000_000
CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")

Value = Decimal | int | None


# ---------------------------------------------------------------------------------------------
# Measuring
# ---------------------------------------------------------------------------------------------


def _percent(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


def _where_seller(stmt, column, seller_ids: Sequence[int] | None):
    return stmt if seller_ids is None else stmt.where(column.in_(list(seller_ids)))


def compute_metrics(
    session: Session, *, seller_ids: Sequence[int] | None = None, now: datetime
) -> dict[int, dict[str, Value]]:
    """Every metric for the given sellers (None: all sellers), keyed by seller id then metric code.

        Percentages are Decimal with one decimal place (None when there is nothing to measure, e.g.
        no parcels yet); counts are ints; the average rating a Decimal with one decimal (None without
    reviews). Seven queries, whatever the number of sellers.
    """
    ids_stmt = _where_seller(sa.select(Seller.id), Seller.id, seller_ids)
    values: dict[int, dict[str, Value]] = {
        sid: {
            "profile_complete": Decimal("0.0"),
            "photo_share": None,
            "active_products": 0,
            "verified_labels": 0,
            "export_ready": 0,
            "on_time_rate": None,
            "fulfilled_orders": 0,
            "not_cancelled_rate": None,
            "average_rating": None,
            "review_count": 0,
        }
        for sid in session.scalars(ids_stmt)
    }
    if not values:
        return values

    def filled(column):
        return sa.case((sa.func.length(sa.func.trim(sa.func.coalesce(column, ""))) > 0, 1), else_=0)

    profile = session.execute(
        _where_seller(
            sa.select(
                Seller.id,
                filled(Seller.story_id) + filled(Seller.story_en) + filled(Seller.phone),
                sa.func.count(SellerPayoutAccount.id),
            )
            .outerjoin(SellerPayoutAccount, SellerPayoutAccount.seller_id == Seller.id)
            .group_by(Seller.id, Seller.story_id, Seller.story_en, Seller.phone),
            Seller.id,
            seller_ids,
        )
    ).all()
    for sid, parts, accounts in profile:
        values[sid]["profile_complete"] = _percent(int(parts) + min(int(accounts), 1), 4)

    # The products with enough photos, as a set the planner hashes once: counted from the images'
    # product_id index in its order (no hash of every product's count, then a join: 23 → 5 ms).
    well_photographed = (
        sa.select(ProductImage.product_id)
        .group_by(ProductImage.product_id)
        .having(sa.func.count() >= MIN_PHOTOS)
    )
    products = session.execute(
        _where_seller(
            sa.select(
                Product.seller_id,
                sa.func.count(Product.id),
                sa.func.sum(sa.case((Product.id.in_(well_photographed), 1), else_=0)),
                sa.func.sum(
                    sa.case(
                        (
                            sa.and_(
                                Product.exportable.is_(True), sa.func.coalesce(Product.hs_code, "") != ""
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
            )
            .where(Product.status == ProductStatus.ACTIVE)
            .group_by(Product.seller_id),
            Product.seller_id,
            seller_ids,
        )
    ).all()
    for sid, active, with_photos, export_ready in products:
        values[sid]["active_products"] = int(active)
        values[sid]["photo_share"] = _percent(int(with_photos or 0), int(active))
        values[sid]["export_ready"] = int(export_ready or 0)

    today = jakarta_date(now)
    labels = session.execute(
        _where_seller(
            sa.select(Product.seller_id, sa.func.count(ProductLabel.id))
            .join(Product, Product.id == ProductLabel.product_id)
            .where(
                ProductLabel.status == LabelStatus.VERIFIED,
                sa.or_(ProductLabel.valid_until.is_(None), ProductLabel.valid_until >= today),
                Product.status == ProductStatus.ACTIVE,
            )
            .group_by(Product.seller_id),
            Product.seller_id,
            seller_ids,
        )
    ).all()
    for sid, count in labels:
        values[sid]["verified_labels"] = int(count)

    # Parcels shipped, on time and cancelled by the shop: the shops' kept counts (orders/outcomes.py)
    # plus the parts still open, instead of every parcel ever paid.
    on_time, cancellations, shipped = shop_counts(
        session, seller_ids, now=now, grace_days=grace_days_setting()
    )
    for sid, count in shipped.items():
        if sid in values:
            values[sid]["fulfilled_orders"] = int(count)
    for sid, (good, measured) in on_time.items():
        if sid in values:
            values[sid]["on_time_rate"] = _percent(good, measured)
    for sid, (cancelled, paid) in cancellations.items():
        if sid in values:
            values[sid]["not_cancelled_rate"] = _percent(paid - cancelled, paid)
    ratings = session.execute(
        _where_seller(
            sa.select(Product.seller_id, sa.func.sum(Product.rating_count), sa.func.sum(Product.rating_sum))
            .where(Product.rating_count > 0)
            .group_by(Product.seller_id),
            Product.seller_id,
            seller_ids,
        )
    ).all()
    for sid, count, stars in ratings:
        if sid in values and count:
            values[sid]["review_count"] = int(count)
            values[sid]["average_rating"] = (Decimal(int(stars)) / Decimal(int(count))).quantize(
                Decimal("0.1")
            )
    return values


# ---------------------------------------------------------------------------------------------
# Placing sellers on the levels
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CriterionResult:
    criterion: NaikKelasCriterion
    value: Value
    met: bool


@dataclass
class LevelResult:
    level: NaikKelasLevel
    results: list[CriterionResult]

    @property
    def met(self) -> bool:
        return all(r.met for r in self.results)


@dataclass
class Scorecard:
    seller_id: int
    #: The highest level reached (all its criteria and every lower level's met), or None.
    level: NaikKelasLevel | None
    next_level: NaikKelasLevel | None
    levels: list[LevelResult]
    #: The criteria of the next level not met yet: what to do next.
    next_steps: list[CriterionResult] = field(default_factory=list)


def list_levels(session: Session) -> list[NaikKelasLevel]:
    """Levels, lowest first, with their criteria loaded (two queries)."""
    return list(
        session.scalars(
            sa.select(NaikKelasLevel)
            .options(selectinload(NaikKelasLevel.criteria))
            .order_by(NaikKelasLevel.position, NaikKelasLevel.id)
        )
    )


def is_met(criterion: NaikKelasCriterion, value: Value) -> bool:
    return value is not None and Decimal(value) >= Decimal(criterion.threshold)


def evaluate(seller_id: int, levels: Sequence[NaikKelasLevel], metrics: dict[str, Value]) -> Scorecard:
    """Place one seller on the levels from already computed metrics (no queries)."""
    results = []
    for level in levels:
        criteria = sorted(level.criteria, key=lambda c: (c.position, c.id))
        results.append(
            LevelResult(
                level,
                [
                    CriterionResult(c, metrics.get(c.metric), is_met(c, metrics.get(c.metric)))
                    for c in criteria
                ],
            )
        )
    reached = None
    next_result = None
    for result in results:
        if not result.met:
            next_result = result
            break
        reached = result.level
    return Scorecard(
        seller_id=seller_id,
        level=reached,
        next_level=next_result.level if next_result else None,
        levels=results,
        next_steps=[r for r in next_result.results if not r.met] if next_result else [],
    )


def scorecards(session: Session, *, seller_ids: Sequence[int] | None, now: datetime) -> dict[int, Scorecard]:
    """Scorecards for the given sellers (None: all sellers), in a bounded number of queries."""
    levels = list_levels(session)
    metrics = compute_metrics(session, seller_ids=seller_ids, now=now)
    return {sid: evaluate(sid, levels, values) for sid, values in metrics.items()}


def list_seller_levels(session: Session, now: datetime | None = None) -> dict[int, NaikKelasLevel | None]:
    """Every approved seller's current level (None: below the first level). For other domains."""
    approved = set(session.scalars(sa.select(Seller.id).where(Seller.status == SellerStatus.APPROVED)))
    if not approved:
        return {}
    cards = scorecards(session, seller_ids=None, now=now or utcnow())
    return {sid: card.level for sid, card in cards.items() if sid in approved}


# ---------------------------------------------------------------------------------------------
# Curators edit the levels and criteria
# ---------------------------------------------------------------------------------------------


def parse_threshold(raw: str, metric: str) -> Decimal:
    """A threshold as typed ("80", "92,5"): Decimal, 0–100 for percentages, whole for counts."""
    text = (raw or "").strip().replace(",", ".").removesuffix("%").strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite():
        raise ValidationError(_l("Enter a number, e.g. 80."), field="threshold")
    spec = METRICS.get(metric)
    if spec is not None and spec.unit == PERCENT and not 0 <= value <= 100:
        raise ValidationError(_l("A percentage is from 0 to 100."), field="threshold")
    if spec is not None and spec.unit == RATING and not 0 <= value <= 5:
        raise ValidationError(_l("A rating is from 0 to 5 stars."), field="threshold")
    if (
        spec is not None
        and spec.unit == COUNT
        and (value != value.to_integral_value() or not 0 <= value <= MAX_COUNT_THRESHOLD)
    ):
        raise ValidationError(
            _l("Enter a whole number from 0 to %(max)d.", max=MAX_COUNT_THRESHOLD), field="threshold"
        )
    if value < 0:
        raise ValidationError(_l("Enter a number from 0."), field="threshold")
    return value.quantize(Decimal("0.01"))


def _text(value: str, *, field_name: str, low: int, high: int) -> str:
    value = (value or "").strip()
    if not low <= len(value) <= high:
        raise ValidationError(
            _l("Enter %(low)d to %(high)d characters.", low=low, high=high), field=field_name
        )
    return value


def _criterion_values(criterion: NaikKelasCriterion) -> dict:
    return {
        "level": criterion.level.code if criterion.level else None,
        "metric": criterion.metric,
        "threshold": criterion.threshold,
        "name_id": criterion.name_id,
    }


def get_level(session: Session, level_id: int) -> NaikKelasLevel:
    level = session.get(NaikKelasLevel, level_id)
    if level is None:
        raise NotFound(_l("Not found."))
    return level


def get_criterion(session: Session, criterion_id: int) -> NaikKelasCriterion:
    criterion = session.get(NaikKelasCriterion, criterion_id)
    if criterion is None:
        raise NotFound(_l("Not found."))
    return criterion


def add_level(
    session: Session,
    *,
    code: str,
    position: int | None,
    name_id: str,
    name_en: str,
    description_id: str = "",
    description_en: str = "",
    actor,
) -> NaikKelasLevel:
    """A new level (no criteria yet: a level without criteria is reached with the one below)."""
    code = (code or "").strip().lower()
    if not CODE.match(code):
        raise ValidationError(
            _l("Use 2 to 40 small letters, digits or dashes, e.g. siap-ekspor."), field="code"
        )
    if session.scalar(sa.select(sa.func.count()).where(NaikKelasLevel.code == code)):
        raise Conflict(_l("A level with this code exists already."), field="code")
    if position is None or not 0 <= position <= 1000:
        raise ValidationError(_l("Enter a position from 0 to 1000 (lower levels first)."), field="position")
    level = NaikKelasLevel(
        code=code,
        position=position,
        name_id=_text(name_id, field_name="name_id", low=2, high=80),
        name_en=_text(name_en, field_name="name_en", low=0, high=80),
        description_id=(description_id or "").strip()[:2000],
        description_en=(description_en or "").strip()[:2000],
    )
    session.add(level)
    session.flush()
    record_action(
        session, actor=actor, action="naikkelas.level_add", target_type="naikkelas_level", target_id=level.id,
        target_label=level.name_id, after={"code": code, "position": position, "name_id": level.name_id},
    )  # fmt: skip
    return level


def remove_level(session: Session, *, level: NaikKelasLevel, actor) -> None:
    """Delete a level and its criteria (sellers are placed again on the next page view)."""
    before = {"code": level.code, "position": level.position, "criteria": [c.metric for c in level.criteria]}
    record_action(
        session, actor=actor, action="naikkelas.level_remove", target_type="naikkelas_level",
        target_id=level.id, target_label=level.name_id, before=before,
    )  # fmt: skip
    session.delete(level)
    session.flush()


def add_criterion(
    session: Session,
    *,
    level: NaikKelasLevel,
    metric: str,
    threshold: str,
    name_id: str,
    name_en: str = "",
    hint_id: str = "",
    hint_en: str = "",
    actor,
) -> NaikKelasCriterion:
    """A new target on `level`. Raises ValidationError for an unknown metric or bad threshold,
    Conflict when the level already measures that metric (change its threshold instead)."""
    if metric not in METRICS:
        raise ValidationError(_l("Choose what to measure from the list."), field="metric")
    value = parse_threshold(threshold, metric)
    if any(c.metric == metric for c in level.criteria):
        raise Conflict(
            _l("This level already has a target for that. Change its threshold instead."), field="metric"
        )
    criterion = NaikKelasCriterion(
        level=level,
        metric=metric,
        threshold=value,
        name_id=_text(name_id, field_name="name_id", low=2, high=120),
        name_en=_text(name_en, field_name="name_en", low=0, high=120),
        hint_id=(hint_id or "").strip()[:2000],
        hint_en=(hint_en or "").strip()[:2000],
        position=max((c.position for c in level.criteria), default=0) + 1,
    )
    session.add(criterion)
    session.flush()
    record_action(
        session, actor=actor, action="naikkelas.criterion_add", target_type="naikkelas_criterion",
        target_id=criterion.id, target_label=criterion.name_id, after=_criterion_values(criterion),
    )  # fmt: skip
    return criterion


def change_threshold(session: Session, *, criterion: NaikKelasCriterion, threshold: str, actor) -> bool:
    """Set a criterion's threshold; False (and no audit row) when it is the same value."""
    value = parse_threshold(threshold, criterion.metric)
    if value == criterion.threshold:
        return False
    before = _criterion_values(criterion)
    criterion.threshold = value
    session.flush()
    record_action(
        session, actor=actor, action="naikkelas.criterion_update", target_type="naikkelas_criterion",
        target_id=criterion.id, target_label=criterion.name_id,
        before={"threshold": before["threshold"]}, after={"threshold": value},
    )  # fmt: skip
    return True


def remove_criterion(session: Session, *, criterion: NaikKelasCriterion, actor) -> None:
    record_action(
        session, actor=actor, action="naikkelas.criterion_remove", target_type="naikkelas_criterion",
        target_id=criterion.id, target_label=criterion.name_id, before=_criterion_values(criterion),
    )  # fmt: skip
    session.delete(criterion)
    session.flush()


# ---------------------------------------------------------------------------------------------
# Default data
# ---------------------------------------------------------------------------------------------

#: (code, position, name_id, name_en, description_id, description_en, criteria:
#:  (metric, threshold, name_id, name_en, hint_id, hint_en))
DEFAULT_LEVELS = (
    (
        "pemula", 1, "Pemula", "Starter",
        "Toko sudah lengkap dan mulai berjualan.", "The shop is complete and has started selling.",
        (
            ("profile_complete", "100", "Profil lengkap", "Complete profile",
             "Isi cerita dalam bahasa Indonesia dan Inggris, nomor telepon, dan rekening pembayaran.",
             "Fill in the story in Indonesian and English, the phone number and the payout account."),
            ("active_products", "1", "Produk dijual", "Products on sale",
             "Tambahkan produk dan kirim untuk diperiksa kurator.", "Add a product and send it for review."),
        ),
    ),
    (
        "berkembang", 2, "Berkembang", "Growing",
        "Toko dipercaya pembeli: foto bagus, pengiriman tepat waktu.",
        "Buyers trust the shop: good photos, parcels on time.",
        (
            ("active_products", "5", "Minimal 5 produk dijual", "At least 5 products on sale",
             "Tambah produk sampai ada 5 yang dijual.", "Add products until 5 are on sale."),
            ("photo_share", "80", "Foto cukup (3 per produk)", "Enough photos (3 per product)",
             "Beri setidaknya 3 foto pada setiap produk.", "Give every product at least 3 photos."),
            ("fulfilled_orders", "10", "10 pesanan dikirim", "10 orders shipped",
             "Terus kirim pesanan.", "Keep shipping orders."),
            ("on_time_rate", "80", "Kirim tepat waktu (80%)", "Ship on time (80%)",
             "Kirim paket dalam waktu proses yang Anda tulis, ditambah 2 hari.",
             "Ship within the processing days you set, plus two days."),
        ),
    ),
    (
        "siap-ekspor", 3, "Siap Ekspor", "Export-ready",
        "Toko siap menjual ke luar negeri.", "The shop is ready to sell abroad.",
        (
            ("verified_labels", "1", "Label mutu terverifikasi", "Verified quality label",
             "Ajukan label mutu (mis. SNI, Halal, Kurasi Kecamatan) dengan sertifikat.",
             "Request a quality label (e.g. SNI, Halal, Kurasi Kecamatan) with its certificate."),
            ("export_ready", "3", "3 produk siap ekspor", "3 export-ready products",
             "Tandai produk bisa diekspor dan isi kode HS-nya.",
             "Mark products exportable and fill in their HS code."),
            ("on_time_rate", "95", "Kirim tepat waktu (95%)", "Ship on time (95%)",
             "Hampir semua paket harus dikirim tepat waktu.", "Nearly every parcel must ship on time."),
            ("not_cancelled_rate", "95", "Jarang membatalkan (95%)", "Rarely cancels (95%)",
             "Jangan batalkan pesanan yang sudah dibayar: perbarui stok Anda.",
             "Do not cancel paid orders: keep your stock up to date."),
            ("average_rating", "4", "Pembeli puas (rata-rata 4 bintang)",
             "Buyers are happy (4 stars on average)",
             "Minta pembeli mengulas setelah barang tiba, dan balas ulasan mereka.",
             "Ask buyers to review once their parcel arrives, and reply to their reviews."),
            ("fulfilled_orders", "50", "50 pesanan dikirim", "50 orders shipped",
             "Terus kirim pesanan.", "Keep shipping orders."),
        ),
    ),
)  # fmt: skip


def ensure_default_naik_kelas(session: Session) -> int:
    """Create the default levels and their criteria when missing (by code); returns how many
    levels were created. Existing levels are left alone: the kecamatan may have edited them."""
    existing = set(session.scalars(sa.select(NaikKelasLevel.code)))
    created = 0
    for code, position, name_id, name_en, desc_id, desc_en, criteria in DEFAULT_LEVELS:
        if code in existing:
            continue
        level = NaikKelasLevel(
            code=code, position=position, name_id=name_id, name_en=name_en,
            description_id=desc_id, description_en=desc_en,
        )  # fmt: skip
        for index, (metric, threshold, c_name_id, c_name_en, hint_id, hint_en) in enumerate(criteria):
            level.criteria.append(
                NaikKelasCriterion(
                    metric=metric, threshold=Decimal(threshold), name_id=c_name_id, name_en=c_name_en,
                    hint_id=hint_id, hint_en=hint_en, position=index,
                )
            )  # fmt: skip
        session.add(level)
        created += 1
    session.flush()
    return created
