"""`flask --app wsgi jobs run` (a loop for a service manager), `jobs run-due` (one pass, for cron),
`jobs status`. Safe to run on several machines at once: each due task runs once (see runner.py)."""

from __future__ import annotations

import signal
import threading

import click

from marketplace.extensions import db
from marketplace.jobs import runner
from marketplace.jobs.models import JobOutcome
from marketplace.jobs.status import list_task_status
from marketplace.jobs.tasks import TASKS, find_task
from marketplace.timezones import jakarta_time


@click.group("jobs")
def jobs_cli():
    """Periodic tasks: expire unpaid orders, send queued email, label reminders."""


def _selected(names: tuple[str, ...]):
    if not names:
        return TASKS
    unknown = [name for name in names if find_task(name) is None]
    if unknown:
        known = ", ".join(task.name for task in TASKS)
        raise click.BadParameter(f"unknown task(s) {', '.join(unknown)}; known: {known}", param_hint="--task")
    return tuple(task for task in TASKS if task.name in names)


@jobs_cli.command("run-due")
@click.option("--task", "names", multiple=True, help="Only this task (repeatable). Default: all.")
@click.option(
    "--force", is_flag=True, help="Run the tasks even if not due (never while another runner has one)."
)
def run_due(names: tuple[str, ...], force: bool):
    """Run every task that is due, once, and exit (status 1 if a task failed). For cron: every minute."""
    results = runner.run_due(_selected(names), force=force, prune=not names)
    for result in results:
        click.echo(result.line())
    if any(result.outcome == JobOutcome.FAILED for result in results):
        raise SystemExit(1)


@jobs_cli.command("run")
@click.option(
    "--max-sleep",
    type=click.FloatRange(0.05, 3600),
    default=runner.MAX_SLEEP_SECONDS,
    show_default=True,
    help="Longest pause between passes, in seconds.",
)
def run(max_sleep: float):
    """Run due tasks until SIGTERM or Ctrl-C (a task under way finishes first). For systemd and the like."""
    stop = threading.Event()

    def request_stop(signum, frame):
        stop.set()

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        click.echo(f"jobs: running {len(TASKS)} task(s); SIGTERM or Ctrl-C stops", err=True)
        passes = runner.run_forever(stop, max_sleep=max_sleep, prune=True)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    click.echo(f"jobs: stopped after {passes} pass(es)", err=True)


@jobs_cli.command("status")
def status():
    """Each task's state, last start (Jakarta time), outcome and duration; exit 1 if one needs attention."""
    statuses = list_task_status(db.session)
    for item in statuses:
        row = item.row
        started = jakarta_time(row.last_started_at, "en") if row and row.last_started_at else "never"
        outcome = f"{row.last_outcome} {row.last_duration_ms} ms" if row and row.last_outcome else "-"
        click.echo(f"{item.name}\t{item.state}\t{started}\t{outcome}\t{row.last_summary if row else ''}")
    if any(item.state.needs_attention for item in statuses):
        raise SystemExit(1)
