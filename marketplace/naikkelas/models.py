"""Naik kelas levels and their criteria: data a curator (the kecamatan) changes, not code."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db

__all__ = ["NaikKelasCriterion", "NaikKelasLevel"]


class NaikKelasLevel(db.Model):
    """A step on the ladder (Pemula, Berkembang, Siap Ekspor…), ordered by `position`.

    A seller is at the highest level whose criteria, and every lower level's, are all met.
    """

    __tablename__ = "naik_kelas_levels"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    #: Lower first; levels are climbed in this order.
    position: Mapped[int] = mapped_column(default=0)
    name_id: Mapped[str] = mapped_column(sa.String(80))
    name_en: Mapped[str] = mapped_column(sa.String(80), default="")
    description_id: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")

    criteria: Mapped[list[NaikKelasCriterion]] = relationship(
        back_populates="level",
        cascade="all, delete-orphan",
        order_by="NaikKelasCriterion.position",
    )


class NaikKelasCriterion(db.Model):
    """One measurable target of a level: a metric the code computes, at least `threshold`."""

    __tablename__ = "naik_kelas_criteria"
    __table_args__ = (
        sa.UniqueConstraint("level_id", "metric", name="uq_naik_kelas_criteria_level_metric"),
        sa.CheckConstraint("threshold >= 0", name="threshold_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level_id: Mapped[int] = mapped_column(
        sa.ForeignKey("naik_kelas_levels.id", ondelete="CASCADE"), index=True
    )
    #: One of marketplace.naikkelas.services.METRICS (what the code knows how to measure).
    metric: Mapped[str] = mapped_column(sa.String(40))
    #: The minimum value: a percentage (0–100) or a count, depending on the metric. Never a float.
    threshold: Mapped[Decimal] = mapped_column(sa.Numeric(12, 2))
    name_id: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120), default="")
    #: What to do to meet it (shown as a next step).
    hint_id: Mapped[str] = mapped_column(sa.Text, default="")
    hint_en: Mapped[str] = mapped_column(sa.Text, default="")
    position: Mapped[int] = mapped_column(default=0)

    level: Mapped[NaikKelasLevel] = relationship(back_populates="criteria")
