"""Account commands: `flask --app wsgi create-curator EMAIL`."""

from __future__ import annotations

import sys

import click
from flask_babel import force_locale

from marketplace.errors import DomainError
from marketplace.extensions import db


@click.command("create-curator")
@click.argument("email")
@click.option("--name", default="", help="The curator's name as shown in the console.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input (one line).")
def create_curator(email: str, name: str, password_stdin: bool):
    """Create a curator account, or make an existing account a curator (asks for the password)."""
    from marketplace.accounts import services

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        # Messages in English on the console; there is no request to choose a language from.
        with force_locale("en"):
            user = services.create_curator(db.session, email=email, password=password, name=name)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    click.echo(f"{user.email} is a curator.")
