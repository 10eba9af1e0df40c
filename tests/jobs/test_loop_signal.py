"""`flask jobs run` as a service manager runs it: a pass, then SIGTERM (or Ctrl-C) stops it cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.jobs.models import JobOutcome, JobTask
from marketplace.jobs.tasks import TASKS

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow  # starts the app in a process of its own


def test_the_loop_runs_tasks_and_stops_on_a_signal(app, session, database_url):
    """Starts its own process: signal handling and the exit status are the subject (2-4 s, mostly
    the app's start). systemd's SIGTERM on PostgreSQL, a terminal's Ctrl-C (SIGINT) on SQLite."""
    signum = signal.SIGTERM if database_url.startswith("postgresql") else signal.SIGINT
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "OUTBOX_DIR": app.config["OUTBOX_DIR"],
        "MEDIA_ROOT": app.config["MEDIA_ROOT"],
        "PYTHONUNBUFFERED": "1",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "jobs", "run", "--max-sleep", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        finished = 0
        while finished < len(TASKS) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.05)
            session.rollback()
            finished = session.scalar(sa.select(sa.func.count()).where(JobTask.last_outcome == JobOutcome.OK))
        assert finished == len(TASKS), process.stderr.read() if process.poll() is not None else "timed out"
        sent = time.monotonic()
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0, stderr
    assert time.monotonic() - sent < 5
    assert "jobs: stopped after" in stderr
    session.rollback()
    assert session.scalar(sa.select(sa.func.count()).where(JobTask.lease_until.is_not(None))) == 0
