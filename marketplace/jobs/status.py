"""Which periodic tasks need attention: never run, overdue, or failed last time (/healthz, curator page)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.jobs.models import JobOutcome, JobTask
from marketplace.jobs.runner import database_now
from marketplace.jobs.tasks import TASKS, Task

#: A task that has not started within this many of its intervals is overdue (the runner is not running,
#: or cannot claim it).
OVERDUE_FACTOR = 3


class TaskState(enum.StrEnum):
    OK = "ok"
    RUNNING = "running"
    FAILED = "failed"
    OVERDUE = "overdue"
    NEVER_RUN = "never_run"

    @property
    def needs_attention(self) -> bool:
        return self in {TaskState.FAILED, TaskState.OVERDUE, TaskState.NEVER_RUN}


@dataclass(frozen=True)
class TaskStatus:
    name: str
    label: object  # the task's lazy label, or its name for a task the code no longer knows
    interval: timedelta
    state: TaskState
    row: Optional[JobTask]

    @property
    def last_started_at(self) -> Optional[datetime]:
        return self.row.last_started_at if self.row else None


def state_of(row: Optional[JobTask], interval: timedelta, now: datetime) -> TaskState:
    if row is None or row.last_started_at is None:
        return TaskState.NEVER_RUN
    if row.lease_until is not None and row.lease_until >= now:
        # Running now; a run that started long ago and still holds its lease is still overdue.
        if now - row.last_started_at > OVERDUE_FACTOR * interval:
            return TaskState.OVERDUE
        return TaskState.RUNNING
    if now - row.last_started_at > OVERDUE_FACTOR * interval:
        return TaskState.OVERDUE
    if row.last_outcome == JobOutcome.FAILED:
        return TaskState.FAILED
    return TaskState.OK


def list_task_status(session: Session, tasks: tuple[Task, ...] = TASKS) -> list[TaskStatus]:
    """Every task the code knows, then any other recorded task, with its state now. One query."""
    now = database_now(session)
    rows = {row.name: row for row in session.scalars(sa.select(JobTask).order_by(JobTask.name))}
    statuses = []
    for task in tasks:
        row = rows.pop(task.name, None)
        statuses.append(
            TaskStatus(task.name, task.label, task.interval, state_of(row, task.interval, now), row)
        )
    for row in rows.values():
        interval = timedelta(seconds=row.interval_seconds)
        statuses.append(TaskStatus(row.name, row.name, interval, state_of(row, interval, now), row))
    return statuses


def health_report(session: Session) -> tuple[bool, dict]:
    """(healthy, the `jobs` section of /healthz): every task's state, last start and outcome."""
    statuses = list_task_status(session)
    tasks = {}
    for status in statuses:
        row = status.row
        tasks[status.name] = {
            "state": str(status.state),
            "interval_seconds": int(status.interval.total_seconds()),
            "last_started_at": _iso(row.last_started_at) if row else None,
            "last_finished_at": _iso(row.last_finished_at) if row else None,
            "last_outcome": str(row.last_outcome) if row and row.last_outcome else None,
            "last_duration_ms": row.last_duration_ms if row else None,
        }
        if status.state == TaskState.FAILED:
            tasks[status.name]["last_error"] = row.last_summary
    attention = sorted(status.name for status in statuses if status.state.needs_attention)
    healthy = not attention
    return healthy, {"status": "ok" if healthy else "attention", "attention": attention, "tasks": tasks}


def _iso(value: Optional[datetime]) -> Optional[str]:
    return value.isoformat(timespec="seconds") if value else None
