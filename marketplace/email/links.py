"""Absolute links for emails, built without a request (emails are also sent from the CLI).

Every link an email carries starts with `SERVER_NAME_FOR_LINKS` (the public address of the site,
e.g. "https://pasar.example"), never with the host of whatever request happened to queue it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from flask import current_app

_LOCAL_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def base_url() -> str:
    """`SERVER_NAME_FOR_LINKS` as "scheme://host[:port][/prefix]", without a trailing slash.

    A value without a scheme ("pasar.example") gets https, or http for a local address. Raises
    RuntimeError when the setting is missing or not an http(s) address: a link that does not
    lead to the site is worse than no email.
    """
    raw = (current_app.config.get("SERVER_NAME_FOR_LINKS") or "").strip()
    if raw and "://" not in raw:
        host = urlsplit(f"//{raw}").hostname or ""
        local = host in _LOCAL_HOSTS or host.startswith("127.")
        raw = f"{'http' if local else 'https'}://{raw}"
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise RuntimeError(
            f"SERVER_NAME_FOR_LINKS must be the site's address, like https://pasar.example (got {raw!r})"
        )
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def site_url() -> str:
    """The home page, e.g. "https://pasar.example/"."""
    return base_url() + "/"


def external_url(endpoint: str, **values) -> str:
    """`SERVER_NAME_FOR_LINKS` + the path of `endpoint`, e.g. "https://pasar.example/account/"."""
    adapter = current_app.url_map.bind("localhost", url_scheme="http")
    path = adapter.build(endpoint, values, force_external=False)
    return base_url() + path
