"""The job runner: due tasks run once and are recorded, also with two runners at once; failures show."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace.email.models import EmailStatus, OutboundEmail
from marketplace.jobs import runner
from marketplace.jobs.models import JobOutcome, JobTask
from marketplace.jobs.tasks import TASKS, Task
from marketplace.orders.models import Order, OrderStatus
from marketplace.stock.models import StockMovement
from marketplace.types import utcnow
from tests.factories import make_product, make_user
from tests.jobs.helpers import run_together
from tests.login import logged_in_as
from tests.orders.helpers import make_cart, place


def rows(session) -> dict[str, JobTask]:
    session.expire_all()
    return {row.name: row for row in session.scalars(sa.select(JobTask))}


def overdue_order(session):
    product = make_product(session, stock=3)
    order = place(session, make_cart(session, {product: 1}))
    order.payment_due_at = utcnow() - timedelta(minutes=1)
    session.commit()
    return product, order


def outbox_files(app) -> list[Path]:
    return sorted(Path(app.config["OUTBOX_DIR"]).glob("*.eml"))


def test_run_due_runs_each_due_task_once_and_records_it(app, session):
    product, order = overdue_order(session)
    order_id, product_id = order.id, product.id

    results = runner.run_due()

    assert [(r.name, r.ran, r.outcome) for r in results] == [(t.name, True, JobOutcome.OK) for t in TASKS]
    summaries = {r.name: r.summary for r in results}
    assert summaries["orders.expire_unpaid"] == "expired 1 unpaid order(s)"
    # No Stripe configured here: nothing to ask it.
    assert summaries["payments.reconcile"] == (
        "settled 0 card payment(s) and 0 card refund(s) from Stripe, 0 unanswered"
    )
    recorded = rows(session)
    for task in TASKS:
        row = recorded[task.name]
        assert row.run_count == 1 and row.last_outcome == JobOutcome.OK and row.lease_until is None
        assert row.last_started_at <= row.last_finished_at and row.last_duration_ms >= 0
        assert row.next_run_at == row.last_started_at + task.interval
    assert session.get(Order, order_id).status == OrderStatus.CANCELLED
    # The confirmation the placement queued went out in the same pass; nothing is left queued.
    assert session.scalar(sa.select(sa.func.count()).where(OutboundEmail.status != EmailStatus.SENT)) == 0

    # Nothing is due a moment later: a second pass runs nothing.
    assert not any(result.ran for result in runner.run_due())
    # Once one task's time comes, only that one runs.
    session.execute(
        sa.update(JobTask).where(JobTask.name == "email.send_pending").values(next_run_at=utcnow())
    )
    session.commit()
    assert [r.name for r in runner.run_due() if r.ran] == ["email.send_pending"]
    assert {name: row.run_count for name, row in rows(session).items()} == {
        "payments.reconcile": 1,
        "orders.expire_unpaid": 1,
        "labels.remind": 1,
        "orders.auto_complete": 1,
        "orders.remind_late": 1,
        "reviews.invite": 1,
        "email.send_pending": 2,
    }
    moves = session.scalars(
        sa.select(StockMovement.quantity_delta).where(StockMovement.product_id == product_id)
    )
    assert sorted(moves) == [-1, 1]  # reserved once, released once


def test_two_runners_at_once_run_each_task_once(app, session):
    calls: list[str] = []

    def slow(session) -> str:
        calls.append(threading.current_thread().name)
        time.sleep(0.2)  # both runners are inside run_due while this one holds the task
        return "slow"

    task = Task("tests.slow", "slow", timedelta(minutes=5), slow)
    results = run_together(app, 2, runner.run_due, (task,))

    assert len(calls) == 1
    assert sorted(result[0].ran for result in results) == [False, True]
    assert rows(session)["tests.slow"].run_count == 1


def test_two_runners_with_the_real_tasks_expire_and_send_once(app, session):
    product, order = overdue_order(session)
    order_id, product_id = order.id, product.id
    session.execute(sa.delete(OutboundEmail))  # only what the runners produce counts below
    session.commit()

    run_together(app, 3, runner.run_due)

    assert session.get(Order, order_id).status == OrderStatus.CANCELLED
    assert {name: row.run_count for name, row in rows(session).items()} == {task.name: 1 for task in TASKS}
    sent = session.scalars(sa.select(OutboundEmail).where(OutboundEmail.status == EmailStatus.SENT)).all()
    assert len(outbox_files(app)) == len(sent)
    moves = session.scalars(
        sa.select(StockMovement.quantity_delta).where(StockMovement.product_id == product_id)
    )
    assert sorted(moves) == [-1, 1]


def test_a_failing_task_is_recorded_and_shown_on_healthz_and_the_curator_page(app, session, client):
    def broken(session) -> str:
        raise RuntimeError("the courier's API said no")

    task = Task("tests.broken", "broken", timedelta(minutes=5), broken)
    [result] = runner.run_due((task,))
    assert result.outcome == JobOutcome.FAILED
    row = rows(session)["tests.broken"]
    assert row.last_outcome == JobOutcome.FAILED and row.lease_until is None
    assert row.last_summary == "RuntimeError: the courier's API said no"

    health = client.get("/healthz")
    assert health.status_code == 200  # load balancers keep routing to a server that serves pages
    jobs = health.get_json()["jobs"]
    assert health.get_json()["database"] == "ok"
    assert jobs["status"] == "attention"
    assert jobs["tasks"]["tests.broken"]["state"] == "failed"
    assert jobs["tasks"]["tests.broken"]["last_error"] == "RuntimeError: the courier's API said no"
    assert jobs["tasks"]["email.send_pending"]["state"] == "never_run"
    assert client.get("/healthz/jobs").status_code == 503

    curator = make_user(session, email="camat@kabat.test", is_curator=True, locale="en")
    session.commit()
    logged_in_as(client, curator)
    page = client.get("/curator/jobs")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "the courier&#39;s API said no" in text
    assert "Failed" in text and "Never run" in text and "8 task(s) need attention" in text
    assert 'href="/curator/jobs"' in client.get("/curator/").get_data(as_text=True)
    indonesian = client.get("/curator/jobs?lang=id").get_data(as_text=True)
    assert "Tugas terjadwal" in indonesian and "Gagal" in indonesian


def test_healthz_is_all_clear_once_every_task_ran(app, session, client):
    runner.run_due()
    assert client.get("/healthz").get_json()["jobs"]["status"] == "ok"
    assert client.get("/healthz/jobs").status_code == 200

    # Three intervals without a run: overdue.
    session.execute(
        sa.update(JobTask)
        .where(JobTask.name == "orders.expire_unpaid")
        .values(last_started_at=utcnow() - timedelta(minutes=16))
    )
    session.commit()
    jobs = client.get("/healthz/jobs")
    assert jobs.status_code == 503
    assert jobs.get_json()["attention"] == ["orders.expire_unpaid"]
    assert jobs.get_json()["tasks"]["orders.expire_unpaid"]["state"] == "overdue"


def test_a_dead_runners_lease_expires_and_another_runner_takes_over(app, session):
    calls = []
    task = Task("tests.once", "once", timedelta(minutes=5), lambda s: calls.append(1) or "ran")
    runner.ensure_rows(session, (task,), utcnow())
    now = utcnow()
    assert runner.claim(session, task, now=now, runner_id="dead-host:1:x", force=True)
    session.commit()
    assert not runner.run_due((task,), force=True)[0].ran  # the dead runner's lease still holds
    session.execute(sa.update(JobTask).values(lease_until=utcnow() - timedelta(seconds=1)))
    session.commit()
    assert runner.run_due((task,), force=True)[0].ran
    assert calls == [1] and rows(session)["tests.once"].leased_by != "dead-host:1:x"
    # A runner whose pass broke off (a database error after the claim) takes its own lease back.
    assert runner.claim(session, task, now=utcnow(), runner_id="me:2:y", force=True)
    session.commit()
    assert runner.run_due((task,), runner_id="me:2:y", force=True)[0].ran
    assert calls == [1, 1]


def test_run_forever_stops_when_asked(app, session):
    stop = threading.Event()
    task = Task("tests.tick", "tick", timedelta(seconds=1), lambda s: stop.set() or "tick")
    started = time.monotonic()
    assert runner.run_forever(stop, (task,), max_sleep=0.05) == 1
    assert time.monotonic() - started < 5
    assert rows(session)["tests.tick"].last_outcome == JobOutcome.OK


def test_the_cli_runs_due_tasks_and_reports_failures_with_its_exit_status(app, runner_cli):
    result = runner_cli.invoke(args=["jobs", "run-due"])
    assert result.exit_code == 0, result.output
    assert "orders.expire_unpaid: ok" in result.output and "email.send_pending: ok" in result.output
    again = runner_cli.invoke(args=["jobs", "run-due", "--task", "labels.remind"])
    assert "labels.remind: not due" in again.output
    forced = runner_cli.invoke(args=["jobs", "run-due", "--task", "labels.remind", "--force"])
    assert "labels.remind: ok" in forced.output
    assert runner_cli.invoke(args=["jobs", "run-due", "--task", "nope"]).exit_code == 2
    status = runner_cli.invoke(args=["jobs", "status"])
    assert status.exit_code == 0 and "labels.remind\tok\t" in status.output


@pytest.fixture
def runner_cli(app):
    return app.test_cli_runner()


def test_healthz_still_answers_before_the_jobs_migration_ran(tmp_path):
    """Code deployed before `db upgrade`: pages are served, so /healthz must not pull the server."""
    from marketplace import create_app
    from marketplace.extensions import db

    fresh = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}"})
    with fresh.app_context():
        db.create_all()
        JobTask.__table__.drop(db.engine)
        health = fresh.test_client().get("/healthz")
        assert health.status_code == 200
        assert health.get_json()["jobs"]["status"] == "unknown"
        assert fresh.test_client().get("/healthz/jobs").status_code == 503
        db.session.remove()
        db.engine.dispose()
