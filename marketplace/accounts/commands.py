"""Account commands."""

from __future__ import annotations

import click


@click.command("create-curator")
@click.argument("email")
def create_curator(email: str):
    """Create a curator account (asks for the password)."""
    raise click.ClickException("not implemented yet")
