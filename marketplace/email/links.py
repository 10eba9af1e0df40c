"""Absolute links for emails, built without a request (emails are also sent from the CLI)."""

from __future__ import annotations

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """`SERVER_NAME_FOR_LINKS` + the path of `endpoint`, e.g. "https://pasar.example/account/"."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint, values, force_external=False)
    return current_app.config["SERVER_NAME_FOR_LINKS"].rstrip("/") + path
