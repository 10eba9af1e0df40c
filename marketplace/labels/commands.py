"""Label commands (cron-friendly): `flask --app wsgi labels remind [--days 30]`."""

from __future__ import annotations

import click

from marketplace.extensions import db
from marketplace.timezones import market_today


@click.group("labels")
def labels_cli():
    """Quality labels."""


@labels_cli.command("remind")
@click.option(
    "--days",
    type=click.IntRange(0, 365),
    default=30,
    show_default=True,
    help="Remind about verified labels whose last valid day is at most this many days away.",
)
def remind(days: int):
    """Email each seller whose labels expire soon, one email per seller (idempotent: run daily)."""
    from marketplace.labels.reminders import send_expiry_reminders

    result = send_expiry_reminders(db.session, today=market_today(), days=days)
    db.session.commit()
    click.echo(f"sent {result.emails} reminder email(s) about {result.labels} label(s)")
