"""The demo data command."""

from __future__ import annotations

import click


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has products.")
def seed_demo(if_empty: bool):
    """Load a believable Kabat: villages, clusters, sellers, products, labels, featured, accounts."""
    click.echo("seed-demo: not implemented yet")
