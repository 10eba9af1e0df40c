"""Search maintenance commands."""

from __future__ import annotations

import click

from marketplace.extensions import db
from marketplace.storefront.search_index import rebuild_stale_search_text


@click.group("search")
def search_cli():
    """Search maintenance."""


@search_cli.command("rebuild-text")
def rebuild_text():
    """Rewrite products' search text where it no longer names their shop, desa or cluster as they are
    now (rows written before renames and moves were followed); the full-text indexes follow."""
    count = rebuild_stale_search_text(db.session)
    db.session.commit()
    click.echo(f"search text rebuilt for {count} product(s)")
