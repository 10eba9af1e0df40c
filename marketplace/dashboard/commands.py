"""Seller commands: `flask --app wsgi seller export-csv|import-csv` (listings and stock as CSV).

The dashboard's bulk CSV from the shell; the command group keeps its name "seller".
"""

from __future__ import annotations

import sys

import click
import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.dashboard import bulk, bulk_export
from marketplace.extensions import db
from marketplace.seller.models import Seller
from marketplace.types import utcnow


@click.group("seller")
def seller_cli():
    """Seller listings and stock."""


def _seller(slug: str):
    seller = db.session.scalar(sa.select(Seller).where(Seller.slug == slug))
    if seller is None:
        raise click.BadParameter(f"no seller with slug {slug!r}", param_hint="--seller")
    return seller


def _actor(email: str | None):
    if not email:
        return None
    user = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.strip().lower()))
    if user is None:
        raise click.BadParameter(f"no account with email {email!r}", param_hint="--actor")
    return user


@seller_cli.command("export-csv")
@click.option("--seller", "slug", required=True, help="The shop's slug.")
@click.argument("output", type=click.File("w", encoding="utf-8"), default="-")
def export_csv(slug: str, output):
    """Write the shop's products and stock as CSV to OUTPUT (default: standard output)."""
    output.write(bulk_export.export_csv(db.session, [_seller(slug).id]))


@seller_cli.command("import-csv")
@click.option("--seller", "slug", required=True, help="The shop's slug.")
@click.option("--dry-run", is_flag=True, help="Check the file and show the changes; change nothing.")
@click.option(
    "--actor", "actor_email", default=None, help="Email of the account doing this (for the audit log)."
)
@click.argument("file", type=click.File("rb"))
def import_csv(slug: str, dry_run: bool, actor_email: str | None, file):
    """Check every row of FILE, then apply all of it in one transaction (or nothing, exit code 1)."""
    seller = _seller(slug)
    actor = _actor(actor_email)
    parsed = bulk.parse_csv(file.read())
    with click.progressbar(length=len(parsed.rows), label="Checking rows", file=sys.stderr) as bar:
        plan = bulk.plan_import(db.session, parsed, seller_ids=[seller.id], progress=bar.update)
    if plan.valid and not dry_run and plan.changes:
        with click.progressbar(length=len(plan.changes), label="Applying", file=sys.stderr) as bar:
            try:
                result = bulk.apply_import(
                    db.session, plan=plan, actor=actor, now=utcnow(), progress=bar.update
                )
            except bulk.InvalidImport as error:
                db.session.rollback()
                plan.errors = error.errors
            else:
                db.session.commit()
                click.echo(
                    f"applied {result.changed} product change(s): {result.stock_changes} stock, "
                    f"{result.sent_for_review} waiting for curator review"
                )
                return
    if not plan.valid:
        db.session.rollback()
        click.echo(f"{len(plan.errors)} error(s); nothing was changed:", err=True)
        for error in plan.errors:
            where = f"row {error.row}" if error.row else "file"
            column = f" [{error.column}]" if error.column else ""
            click.echo(f"  {where}{column}: {error.message}", err=True)
        raise SystemExit(1)
    db.session.rollback()
    click.echo(
        f"{plan.rows} row(s) checked, {len(plan.changes)} would change" + (" (dry run)" if dry_run else "")
    )
    for change in plan.changes:
        fields = ", ".join(f"{name}: {old!r} -> {new!r}" for name, (old, new) in change.fields.items())
        click.echo(f"  row {change.row} (product {change.product.id}): {fields}")
