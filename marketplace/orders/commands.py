"""Order commands (cron-friendly)."""

from __future__ import annotations

import click

from marketplace.extensions import db
from marketplace.orders import outcomes
from marketplace.orders.lateness import grace_days_setting
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


@orders_cli.command("recount-parcels")
def recount_parcels():
    """Count every shop's parcels again (orders/outcomes.py): after a change of LATE_GRACE_DAYS."""
    outcomes.rebuild(db.session, grace_days=grace_days_setting())
    db.session.commit()
    click.echo("parcel counts rebuilt")
