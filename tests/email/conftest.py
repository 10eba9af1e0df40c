"""A real SMTP server (aiosmtpd) on a local port, and a tiny Indonesian catalogue for language tests."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPServer:
    """aiosmtpd in its own thread; `messages` holds every accepted (envelope, login) pair."""

    def __init__(self, username: str | None = None, password: str | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[dict] = []
        self.port = free_port()
        server = self

        class Handler:
            async def handle_DATA(self, smtp_server, session, envelope):
                login = session.auth_data if session.authenticated else None
                server.messages.append(
                    {
                        "from": envelope.mail_from,
                        "to": list(envelope.rcpt_tos),
                        "data": envelope.content,
                        "login": login.decode() if isinstance(login, bytes) else login,
                    }
                )
                return "250 OK"

        def authenticator(smtp_server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == username.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok, auth_data=auth_data.login if ok else None)

        kwargs = {}
        if username:
            kwargs = {"authenticator": authenticator, "auth_require_tls": False}
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **kwargs)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


@pytest.fixture
def smtp_server():
    with SMTPServer(username="kabat", password="s3cret pass") as server:
        yield server


@pytest.fixture(scope="session")
def tiny_catalogue(tmp_path_factory) -> Path:
    """A translations directory whose Indonesian catalogue knows a few email strings."""
    root = tmp_path_factory.mktemp("translations")
    catalog = Catalog(locale="id", domain="messages")
    catalog.add("Hello,", "Halo,")
    catalog.add("Hello %(name)s,", "Halo %(name)s,")
    catalog.add("Reset your password for %(market)s", "Atur ulang kata sandi di %(market)s")
    folder = root / "id" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    with (folder / "messages.mo").open("wb") as handle:
        write_mo(handle, catalog)
    return root


@pytest.fixture
def fresh_translations(app):
    """Flask-Babel caches catalogues per (locale, domain) for the whole process, whatever the
    directory: forget them before and after, so a module reading its own catalogue leaves no trace."""
    from marketplace.extensions import babel

    cache = babel.domain_instance.cache
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def app(app):
    from tests.accounts.conftest import IsolatedClient

    app.test_client_class = IsolatedClient
    return app
