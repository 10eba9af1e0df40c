"""One row per periodic task: its schedule, who holds it now (the lease), and its last run."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.extensions import db
from marketplace.types import UTCDateTime, enum_column

__all__ = ["JobOutcome", "JobTask"]


class JobOutcome(enum.StrEnum):
    OK = "ok"
    FAILED = "failed"


class JobTask(db.Model):
    __tablename__ = "job_tasks"
    __table_args__ = (
        sa.CheckConstraint("interval_seconds > 0", name="interval_positive"),
        sa.CheckConstraint("run_count >= 0", name="run_count_not_negative"),
    )

    #: The task's name in marketplace/jobs/tasks.py ("orders.expire_unpaid").
    name: Mapped[str] = mapped_column(sa.String(80), primary_key=True)
    #: Copied from the code at every claim, so pages can judge "overdue" for any recorded task.
    interval_seconds: Mapped[int]
    #: The task is due from this moment; a claim moves it one interval on.
    next_run_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: A runner holds the task until this moment (NULL: nobody). A lease past its end is free
    #: again: its runner died, and the next runner may take the task over.
    lease_until: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: "host:pid:random" of the runner holding (or last holding) the lease.
    leased_by: Mapped[str] = mapped_column(sa.String(120), default="")
    last_started_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime)
    #: ok or failed; NULL before the first run finishes.
    last_outcome: Mapped[Optional[JobOutcome]] = mapped_column(enum_column(JobOutcome, "job_outcome"))
    #: What the last run did ("expired 2 unpaid order(s)"), or the start of its error.
    last_summary: Mapped[str] = mapped_column(sa.String(500), default="")
    last_duration_ms: Mapped[Optional[int]]
    #: Runs started since the row was made (a claim counts one).
    run_count: Mapped[int] = mapped_column(default=0)
