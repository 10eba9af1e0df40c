"""Flask CLI commands for operations: `flask --app wsgi <command>`. Each domain owns its commands."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask, current_app


@click.group("translations")
def translations_cli():
    """Message catalogues (Indonesian and English)."""


@translations_cli.command("compile")
def compile_translations():
    """Compile .po catalogues to .mo (done by `make run`; .mo files are build output)."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    root = Path(current_app.config["BABEL_TRANSLATION_DIRECTORIES"])
    for po_path in sorted(root.glob("*/LC_MESSAGES/*.po")):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        click.echo(f"compiled {mo_path.relative_to(root)}")


@click.command("serve")
def serve():
    """Serve the marketplace through gunicorn as `make run` does (HOST, PORT, WEB_CONCURRENCY, …).

    In development without STRIPE_SECRET_KEY, also starts the local Stripe test server for card payments.
    """
    from marketplace import serve as server

    raise SystemExit(server.run())


def register(app: Flask) -> None:
    from marketplace import assets
    from marketplace.accounts import commands as account_commands
    from marketplace.demo import commands as demo_commands
    from marketplace.orders import commands as order_commands

    app.cli.add_command(translations_cli)
    app.cli.add_command(serve)
    app.cli.add_command(assets.assets_cli)
    app.cli.add_command(demo_commands.seed_demo)
    app.cli.add_command(account_commands.create_curator)
    app.cli.add_command(order_commands.orders_cli)
    from marketplace.email import commands as email_commands

    app.cli.add_command(email_commands.email_cli)
    from marketplace.markets.commands import rates_cli

    app.cli.add_command(rates_cli)
    from marketplace.dashboard.commands import seller_cli

    app.cli.add_command(seller_cli)
    from marketplace.labels.commands import labels_cli

    app.cli.add_command(labels_cli)
    from marketplace.jobs.commands import jobs_cli

    app.cli.add_command(jobs_cli)
    from marketplace.backup.commands import backup_cli

    app.cli.add_command(backup_cli)
    from marketplace.storefront.commands import search_cli

    app.cli.add_command(search_cli)
