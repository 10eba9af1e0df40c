"""Order commands (cron-friendly)."""

from __future__ import annotations

import click


@click.group("orders")
def orders_cli():
    """Order maintenance."""
