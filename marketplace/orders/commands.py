"""Order commands (cron-friendly)."""

from __future__ import annotations

import click

from marketplace.extensions import db
from marketplace.orders.services import expire_unpaid_orders
from marketplace.types import utcnow


@click.group("orders")
def orders_cli():
    """Order maintenance."""


@orders_cli.command("expire-unpaid")
@click.option("--limit", type=int, default=None, help="Expire at most this many orders in this run.")
def expire_unpaid(limit: int | None):
    """Cancel unpaid orders past their payment deadline and release their stock (idempotent)."""
    count = expire_unpaid_orders(db.session, now=utcnow(), limit=limit)
    db.session.commit()
    click.echo(f"expired {count} unpaid order(s)")
