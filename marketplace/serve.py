"""`flask --app wsgi serve`: run the marketplace as `make run` does, through gunicorn as production does.

What a newcomer runs is what production runs: gunicorn with its gthread worker (gunicorn.conf.py
reads the environment), not Flask's development server. In development without
`STRIPE_SECRET_KEY`, the project's own Stripe-compatible test server (marketplace/payments/
local_stripe) is started beside it and the app is pointed at it, so a buyer abroad can pay by card
in the demo on a page clearly marked as test mode, and the signed webhook arrives as from Stripe.
That server starts empty each time, so it is first told about the refundable card payments the
database already holds (the demo's, and those paid in earlier runs): a curator can refund them as
any other, the refund made at the server and `charge.refunded` arriving by webhook.
The job runner (`flask --app wsgi jobs run`: queued email, unpaid orders past their deadline, label
reminders) runs beside it too, unless JOB_RUNNER=0 (a site whose cron runs `jobs run-due`).
All processes stop together (Ctrl-C, SIGTERM).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Mapping

import requests
import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import joinedload

from marketplace.config import REPO_ROOT, link_host
from marketplace.extensions import db
from marketplace.money import Money
from marketplace.orders.models import PaymentMethod
from marketplace.payments.local_stripe import StripeHarness
from marketplace.payments.models import Payment, PaymentStatus
from marketplace.refunds.queries import bank_refunded_minor

#: `make run` serves here unless HOST / PORT say otherwise.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5000
#: Development defaults for gunicorn: two worker processes of four threads each, enough for several
#: tabs and a crawler at once on a 2-core laptop, and within SQLAlchemy's per-process pool (5 + 10).
DEV_WORKERS = "2"
DEV_THREADS = "4"


class ServeError(RuntimeError):
    """The server or the local Stripe stand-in could not be started."""


def server_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment gunicorn gets: development unless MARKETPLACE_ENV says otherwise, HOST/PORT as
    the bind address, development worker defaults."""
    env = dict(environ)
    # gunicorn.conf.py takes a server started without MARKETPLACE_ENV for production: say it here.
    if not env.get("MARKETPLACE_ENV", "").strip():
        env["MARKETPLACE_ENV"] = "development"
    env.setdefault("HOST", DEFAULT_HOST)
    env.setdefault("PORT", str(DEFAULT_PORT))
    env.setdefault("WEB_CONCURRENCY", DEV_WORKERS)
    env.setdefault("GUNICORN_THREADS", DEV_THREADS)
    return env


def wants_local_stripe(environ: Mapping[str, str]) -> bool:
    """Development without Stripe keys, unless LOCAL_STRIPE=0 says to go without card payments."""
    production = environ.get("MARKETPLACE_ENV", "development").strip().lower() == "production"
    disabled = environ.get("LOCAL_STRIPE", "1").strip().lower() in {"0", "false", "no", "off"}
    return not production and not disabled and not environ.get("STRIPE_SECRET_KEY")


def start_local_stripe(app_base_url: str, python: str = sys.executable) -> tuple[subprocess.Popen, dict]:
    """Start the local Stripe-compatible server on a free port, delivering webhooks to the app.

    Returns the process and the settings that point the app at it (STRIPE_* and the CSP origin).
    """
    process = subprocess.Popen(  # noqa: S603 - our own module, fixed arguments
        [
            python,
            "-m",
            "marketplace.payments.local_stripe",
            "--port",
            "0",
            "--webhook",
            f"{app_base_url}/payments/stripe/webhook",
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    line = process.stdout.readline() if process.stdout else ""
    try:
        settings = json.loads(line)
    except json.JSONDecodeError:
        process.kill()
        raise ServeError(f"the local Stripe test server did not start (it printed {line!r})") from None
    # Whatever it prints later goes to our output; an unread pipe would fill and stall it.
    threading.Thread(target=_copy_lines, args=(process.stdout,), daemon=True).start()
    settings.update(
        STRIPE_LOCAL_TEST_MODE="1",
        CSP_EXTRA_FORM_ACTION=settings["STRIPE_API_BASE"],
    )
    return process, settings


def restore_card_payments(session, harness: StripeHarness) -> int:
    """Tell a freshly started local Stripe server about the card payments the database holds with
    something left to refund (see local_stripe/restore.py); returns how many it did not know yet.

    Reads only: no row changes, and the server sends no event for them. Raises SQLAlchemyError,
    RuntimeError (the server refused) and requests.RequestException.
    """
    payments = session.scalars(
        sa.select(Payment)
        .where(
            Payment.method == PaymentMethod.STRIPE,
            Payment.payment_intent_id.is_not(None),
            Payment.status.in_([PaymentStatus.SUCCEEDED, PaymentStatus.PARTIALLY_REFUNDED]),
        )
        .options(joinedload(Payment.order))
        .order_by(Payment.id)
    ).all()
    if not payments:
        return 0
    # Stripe's amount_refunded is the card's: money a curator paid back by bank transfer is not in it.
    by_bank = bank_refunded_minor(session, [payment.id for payment in payments])
    answer = harness.restore_payments(
        [
            {
                "payment_intent": payment.payment_intent_id,
                "amount": Money(payment.amount_minor, payment.currency).to_stripe_amount(),
                "currency": payment.currency.lower(),
                "amount_refunded": Money(
                    max(payment.refunded_minor - by_bank.get(payment.id, 0), 0), payment.currency
                ).to_stripe_amount(),
                "created": int(payment.created_at.timestamp()),
                "metadata": {"order_number": payment.order.number},
            }
            for payment in payments
        ]
    )
    return int(answer["restored"])


def _restore_card_payments(settings: Mapping[str, str]) -> None:
    """`restore_card_payments` from `serve`, which runs in the CLI's app context; never stops it."""
    if not has_app_context():
        return
    harness = StripeHarness(base_url=settings["STRIPE_API_BASE"], api_key=settings["STRIPE_SECRET_KEY"])
    try:
        restored = restore_card_payments(db.session, harness)
    except (SQLAlchemyError, RuntimeError, requests.RequestException) as error:
        print(
            f"Card payments: earlier card payments could not be told to the test server: {error}", flush=True
        )
        return
    finally:
        db.session.remove()
        db.engine.dispose()  # gunicorn serves from its own processes; hold no connection here
    if restored:
        print(
            f"Card payments: earlier card payments the test server knows again: {restored} "
            "(a curator can refund them).",
            flush=True,
        )


def wants_job_runner(environ: Mapping[str, str]) -> bool:
    """The job runner beside the server, unless JOB_RUNNER=0 (cron or a service runs it instead)."""
    return environ.get("JOB_RUNNER", "1").strip().lower() not in {"0", "false", "no", "off"}


def start_job_runner(env: Mapping[str, str], python: str = sys.executable) -> subprocess.Popen:
    """`flask --app wsgi jobs run` with the server's environment (it stops on SIGTERM)."""
    return subprocess.Popen(  # noqa: S603 - our own command, fixed arguments
        [python, "-m", "flask", "--app", "wsgi", "jobs", "run"], env=dict(env), cwd=REPO_ROOT
    )


def _copy_lines(stream) -> None:
    for line in stream:
        sys.stdout.write(line)


def run(environ: Mapping[str, str] | None = None) -> int:
    """Start gunicorn (and the local Stripe server when wanted); return gunicorn's exit code."""
    env = server_environment(os.environ if environ is None else environ)
    app_base_url = f"http://{link_host(env['HOST'])}:{env['PORT']}"
    helpers: list[subprocess.Popen] = []
    if wants_local_stripe(env):
        stripe_process, settings = start_local_stripe(app_base_url)
        helpers.append(stripe_process)
        env.update(settings)
        print(
            f"Card payments: local Stripe test server at {settings['STRIPE_API_BASE']} "
            "(test mode, card 4242 4242 4242 4242; no real money moves).",
            flush=True,
        )
        _restore_card_payments(settings)
    else:
        print("Card payments: " + ("Stripe" if env.get("STRIPE_SECRET_KEY") else "off"), flush=True)
    if wants_job_runner(env):
        helpers.append(start_job_runner(env))
        print("Jobs: the job runner runs beside the server (JOB_RUNNER=0 to leave it to cron).", flush=True)
    print(f"Pasar Desa: {app_base_url}", flush=True)
    server = subprocess.Popen(  # noqa: S603 - gunicorn from this interpreter's environment
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "wsgi:app"],
        env=env,
        cwd=REPO_ROOT,
    )

    def stop(signum, frame):
        server.send_signal(signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return server.wait()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if server.poll() is None:
            server.terminate()
            server.wait(10)
        for helper in helpers:
            helper.terminate()
            try:
                helper.wait(5)
            except subprocess.TimeoutExpired:
                helper.kill()
