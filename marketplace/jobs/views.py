"""The curator's view of the periodic tasks: `/curator/jobs` (last run in Jakarta time, outcome)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import gettext as _

from marketplace.accounts.access import curator_required
from marketplace.extensions import db
from marketplace.i18n import current_language
from marketplace.jobs.status import TaskState, TaskStatus, list_task_status
from marketplace.jobs.summaries import translated_summary
from marketplace.timezones import jakarta_time

bp = Blueprint("jobs", __name__)


def _state_text(state: TaskState) -> str:
    return {
        TaskState.OK: _("OK"),
        TaskState.RUNNING: _("In progress"),
        TaskState.FAILED: _("Failed"),
        TaskState.OVERDUE: _("Overdue"),
        TaskState.NEVER_RUN: _("Never run"),
    }[state]


def _every(seconds: int) -> str:
    if seconds % 3600 == 0:
        return _("every %(count)d hour(s)", count=seconds // 3600)
    if seconds % 60 == 0:
        return _("every %(count)d minute(s)", count=seconds // 60)
    return _("every %(count)d second(s)", count=seconds)


def _row(status: TaskStatus, lang: str) -> dict:
    row = status.row
    return {
        "name": status.name,
        "label": str(status.label),
        "every": _every(int(status.interval.total_seconds())),
        "state": _state_text(status.state),
        "attention": status.state.needs_attention,
        "started": jakarta_time(row.last_started_at, lang) if row and row.last_started_at else "",
        "finished": jakarta_time(row.last_finished_at, lang) if row and row.last_finished_at else "",
        "duration": _("%(ms)d ms", ms=row.last_duration_ms)
        if row and row.last_duration_ms is not None
        else "",
        "outcome": (_("OK") if row.last_outcome == "ok" else _("Failed")) if row and row.last_outcome else "",
        "summary": translated_summary(row.last_summary) if row else "",
        "next_run": jakarta_time(row.next_run_at, lang) if row else "",
        "runner": row.leased_by if row else "",
    }


@bp.get("/curator/jobs")
@curator_required
def index():
    lang = current_language()
    rows = [_row(status, lang) for status in list_task_status(db.session)]
    return render_template("jobs/index.html", rows=rows, attention=sum(1 for row in rows if row["attention"]))
