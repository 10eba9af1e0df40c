"""Email commands: `flask --app wsgi email send-pending` (cron-friendly retries)."""

from __future__ import annotations

import click

from marketplace.email.services import deliver_pending
from marketplace.extensions import db


@click.group("email")
def email_cli():
    """Outgoing email queue."""


@email_cli.command("send-pending")
@click.option("--limit", default=200, show_default=True, help="Most emails to try in this run.")
def send_pending(limit: int):
    """Deliver queued emails that are due; failures wait longer each time, then are marked failed."""
    counts = deliver_pending(db.session, limit=limit)
    click.echo(f"sent {counts['sent']}, will retry {counts['retry']}, failed {counts['failed']}")
