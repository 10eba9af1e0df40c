"""The demo data command: `flask --app wsgi seed-demo [--if-empty]`."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.exc import SQLAlchemyError

from marketplace.demo import seed
from marketplace.demo.picture_cache import PictureCache
from marketplace.extensions import db
from marketplace.markets.services import ensure_demo_rates
from marketplace.media.storage import get_storage
from marketplace.timezones import jakarta_date
from marketplace.types import utcnow


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has products.")
@with_appcontext
def seed_demo(if_empty: bool):
    """Load a believable Kabat: villages, clusters, sellers, products, labels, featured, accounts.

    Idempotent: rows are matched on slugs and emails, so a second run adds nothing.
    """
    if current_app.config.get("PRODUCTION"):
        raise click.ClickException(
            "seed-demo refuses to run with MARKETPLACE_ENV=production: it creates demo accounts "
            "whose password is published in the README."
        )
    if if_empty and seed.has_products(db.session):
        # The demo's own exchange rates are carried to today, so a buyer abroad can still pay by
        # card a week after `make run` first loaded the demo (a rate anyone entered is kept).
        carried = ensure_demo_rates(db.session, today=jakarta_date(utcnow()), add_missing=False)
        db.session.commit()
        click.echo(
            "seed-demo: the database already has products; leaving it as it is"
            + (f" (demo exchange rates carried to today: {carried})." if carried else ".")
        )
        return
    storage = get_storage(current_app)
    started = time.perf_counter()
    kept = current_app.config.get("DEMO_PICTURES_CACHE")
    report = seed.seed_demo(db.session, storage, picture_cache=PictureCache(kept) if kept else None)
    try:
        db.session.commit()
    except SQLAlchemyError:
        db.session.rollback()
        seed.discard_images(storage, report)
        raise
    elapsed = time.perf_counter() - started
    click.echo(f"seed-demo: {report.summary()} ({elapsed:.1f} s).")
    if report.changed:
        click.echo("Demo accounts (password demo12345): curator@demo.test, seller@demo.test, buyer@demo.test")
        click.echo("Facilitator (pendamping) of two artisans' shops: pendamping@demo.test")
