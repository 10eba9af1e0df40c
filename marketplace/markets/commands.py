"""`flask --app wsgi rates …`: list the rates in force and import a CSV of rates."""

from __future__ import annotations

from pathlib import Path

import click

from marketplace.extensions import db


@click.group("rates")
def rates_cli():
    """Exchange rates (rupiah per unit of each foreign currency)."""


@rates_cli.command("list")
def list_rates():
    """Show the latest rate of every currency."""
    from marketplace.markets.services import list_latest_rates

    for row in list_latest_rates(db.session):
        click.echo(
            f"{row.currency}\t{row.rate.normalize():f}\t{row.effective_date.isoformat()}\t{row.source}"
        )


@rates_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", default="csv import", help="Source recorded for rows without one.")
def import_rates_command(file: Path, source: str):
    """Import FILE.csv with the header currency,rate,date[,source].

    The whole file is checked first: any bad row and nothing is applied (exit status 1).
    """
    from marketplace.markets.services import RateImportError, import_rates, parse_rates_csv

    try:
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise click.ClickException("the file is not UTF-8 text") from None
    try:
        rows = parse_rates_csv(text)
    except RateImportError as error:
        for problem in error.errors:
            click.echo(problem, err=True)
        raise click.ClickException(f"{len(error.errors)} problem(s); nothing was imported") from None
    applied = import_rates(db.session, rows, default_source=source)
    db.session.commit()
    click.echo(f"imported {len(applied)} rate(s)")
