"""Run the periodic tasks that are due, each once however many machines run the job runner.

How "once" is decided: a lease in the `job_tasks` table, one row per task. A runner claims a task
with one conditional UPDATE — `SET lease_until = now + lease, next_run_at = now + interval
WHERE name = :task AND next_run_at <= now AND (lease_until IS NULL OR lease_until < now)` — and
runs it only when the database reports that it changed the row. The database serializes the two
UPDATEs (PostgreSQL re-checks the WHERE clause on the row the first one committed; SQLite takes
its write lock), so the second runner changes nothing and skips the task.

Why a lease row rather than a PostgreSQL advisory lock (or SELECT … SKIP LOCKED): the same code
runs on SQLite, the default install, where a cron job and a `jobs run` service can overlap; and a
lock alone says only "nobody runs it right now" — a second machine would run the task again just
after the first finished. The row also holds what the schedule needs (next_run_at) and what
/healthz and the curator page show (last start, finish, outcome, duration). A runner that dies
mid-task leaves a lease that simply expires (Task.lease, 10 minutes), unlike a lock held by a
stuck connection. Times come from the database's clock on PostgreSQL, so machines whose clocks
disagree still agree on what is due.

Why our own loop rather than a library: APScheduler 3 has no way to run a job once across
machines (its job stores do not lock), APScheduler 4 is not stable yet, and Celery beat needs a
broker and exactly one beat process — more to run and monitor than this table and a sleep.

This module commits (like a CLI command): the claim and the record of each run in a session of
their own, the task's work in `db.session`.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from marketplace.email.services import deliver_pending, take_committed_ids
from marketplace.extensions import db
from marketplace.jobs.models import JobOutcome, JobTask
from marketplace.jobs.tasks import TASKS, Task
from marketplace.types import utcnow

log = logging.getLogger(__name__)

#: `jobs run` sleeps at most this long between passes (a task added by a deploy starts within it).
MAX_SLEEP_SECONDS = 30.0
#: After a database error the loop waits this long before trying again.
ERROR_SLEEP_SECONDS = 10.0
SUMMARY_LENGTH = 500


@dataclass(frozen=True)
class TaskRun:
    """What a pass did with one task: ran it (ok or failed), or skipped it."""

    name: str
    ran: bool
    outcome: Optional[JobOutcome] = None
    summary: str = ""
    duration_ms: Optional[int] = None

    def line(self) -> str:
        if not self.ran:
            return f"{self.name}: not due (or another runner has it)"
        return f"{self.name}: {self.outcome} in {self.duration_ms} ms: {self.summary}"


def new_runner_id() -> str:
    """Who holds a lease: host, process and a random part (two runners in one process differ)."""
    return f"{socket.gethostname()[:80]}:{os.getpid()}:{secrets.token_hex(4)}"


def database_now(session: Session) -> datetime:
    """The database's clock on PostgreSQL (shared by every machine), this machine's on SQLite."""
    if session.get_bind().dialect.name == "postgresql":
        return session.execute(sa.text("SELECT clock_timestamp()")).scalar_one().astimezone(UTC)
    return utcnow()


def ensure_rows(session: Session, tasks: tuple[Task, ...], now: datetime) -> None:
    """A row for every task (due at once when new); several runners may do this at the same time."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    for task in tasks:
        session.execute(
            insert(JobTask)
            .values(
                name=task.name,
                interval_seconds=int(task.interval.total_seconds()),
                next_run_at=now,
                leased_by="",
                last_summary="",
                run_count=0,
            )
            .on_conflict_do_nothing(index_elements=["name"])
        )


def claim(session: Session, task: Task, *, now: datetime, runner_id: str, force: bool = False) -> bool:
    """Take `task` for this runner if it is due (or `force`) and nobody holds a live lease.

    One conditional UPDATE: True only for the one runner whose UPDATE changed the row. A lease
    this runner still holds (its last pass broke off on a database error) is free to it.
    """
    free = sa.or_(JobTask.lease_until.is_(None), JobTask.lease_until < now, JobTask.leased_by == runner_id)
    due = sa.true() if force else JobTask.next_run_at <= now
    result = session.execute(
        sa.update(JobTask)
        .where(JobTask.name == task.name, free, due)
        .values(
            lease_until=now + task.lease,
            leased_by=runner_id,
            last_started_at=now,
            next_run_at=now + task.interval,
            interval_seconds=int(task.interval.total_seconds()),
            run_count=JobTask.run_count + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def record(
    session: Session,
    task: Task,
    *,
    runner_id: str,
    outcome: JobOutcome,
    summary: str,
    finished: datetime,
    duration_ms: int,
) -> None:
    """Write the run's result and free the lease (only this runner's: a taken-over lease is not ours)."""
    changed = session.execute(
        sa.update(JobTask)
        .where(JobTask.name == task.name, JobTask.leased_by == runner_id)
        .values(
            lease_until=None,
            last_finished_at=finished,
            last_outcome=outcome,
            last_summary=summary[:SUMMARY_LENGTH],
            last_duration_ms=duration_ms,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        log.warning(
            "job %s finished after its lease passed to another runner; result not recorded", task.name
        )


def run_due(
    tasks: tuple[Task, ...] = TASKS,
    *,
    runner_id: Optional[str] = None,
    force: bool = False,
    stop: Optional[threading.Event] = None,
    prune: bool = False,
) -> list[TaskRun]:
    """One pass: claim and run every due task of `tasks`, in order, recording each run.

    Needs an app context. A task that raises is rolled back, logged and recorded as failed; the
    pass goes on with the next task. `stop` (set by a signal) ends the pass between tasks.
    `prune` first deletes the rows of tasks not in `tasks` (for the full list only).
    Database errors of the bookkeeping itself propagate (the loop waits and tries again).
    """
    runner_id = runner_id or new_runner_id()
    results: list[TaskRun] = []
    with Session(db.engine) as book:
        if prune:
            prune_unknown(book, tasks)
        ensure_rows(book, tasks, database_now(book))
        book.commit()
        for task in tasks:
            if stop is not None and stop.is_set():
                break
            taken = claim(book, task, now=database_now(book), runner_id=runner_id, force=force)
            book.commit()
            if not taken:
                results.append(TaskRun(task.name, ran=False))
                continue
            results.append(_run_one(book, task, runner_id))
    return results


def _run_one(book: Session, task: Task, runner_id: str) -> TaskRun:
    started = time.perf_counter()
    try:
        summary = task.run(db.session)
        db.session.commit()
        # Emails the task queued go out now (a request would send them after its response).
        ids = take_committed_ids(db.session())
        if ids:
            deliver_pending(db.session, ids=ids)
        outcome = JobOutcome.OK
    except Exception as error:  # noqa: BLE001 - a task's failure is recorded and shown, never stops the runner
        db.session.rollback()
        log.exception("job %s failed", task.name)
        outcome = JobOutcome.FAILED
        summary = f"{type(error).__name__}: {error}"
    finally:
        db.session.remove()
    duration_ms = round((time.perf_counter() - started) * 1000)
    record(
        book,
        task,
        runner_id=runner_id,
        outcome=outcome,
        summary=summary,
        finished=database_now(book),
        duration_ms=duration_ms,
    )
    book.commit()
    log.info("job %s: %s in %d ms: %s", task.name, outcome, duration_ms, summary)
    return TaskRun(
        task.name, ran=True, outcome=outcome, summary=summary[:SUMMARY_LENGTH], duration_ms=duration_ms
    )


def seconds_until_due(tasks: tuple[Task, ...] = TASKS, *, max_sleep: float = MAX_SLEEP_SECONDS) -> float:
    """How long the loop may sleep: until the soonest task is due, between 1 s and `max_sleep`."""
    with Session(db.engine) as session:
        soonest = session.scalar(
            sa.select(sa.func.min(JobTask.next_run_at)).where(JobTask.name.in_([t.name for t in tasks]))
        )
        now = database_now(session)
    if soonest is None:
        return 1.0
    return min(max((soonest - now).total_seconds(), 1.0), max_sleep)


def run_forever(
    stop: threading.Event,
    tasks: tuple[Task, ...] = TASKS,
    *,
    max_sleep: float = MAX_SLEEP_SECONDS,
    prune: bool = False,
) -> int:
    """Run passes until `stop` is set (by SIGTERM/SIGINT in `flask jobs run`); returns passes made.

    A stop during a task lets that task finish and record its run, then returns. A database
    outage is logged and retried every ERROR_SLEEP_SECONDS; the loop itself never dies of it.
    """
    runner_id = new_runner_id()
    passes = 0
    log.info("job runner %s started", runner_id)
    while not stop.is_set():
        try:
            run_due(tasks, runner_id=runner_id, stop=stop, prune=prune)
            passes += 1
            pause = seconds_until_due(tasks, max_sleep=max_sleep)
        except sa.exc.SQLAlchemyError:
            log.exception("job runner: database error; trying again in %s s", ERROR_SLEEP_SECONDS)
            db.session.remove()
            pause = min(ERROR_SLEEP_SECONDS, max_sleep)
        stop.wait(pause)
    log.info("job runner %s stopped after %d pass(es)", runner_id, passes)
    return passes


def prune_unknown(session: Session, tasks: tuple[Task, ...] = TASKS) -> int:
    """Delete rows of tasks the code no longer has (and nobody holds), so they stop showing as overdue."""
    now = database_now(session)
    return session.execute(
        sa.delete(JobTask)
        .where(
            JobTask.name.not_in([task.name for task in tasks]),
            sa.or_(JobTask.lease_until.is_(None), JobTask.lease_until < now),
        )
        .execution_options(synchronize_session=False)
    ).rowcount
