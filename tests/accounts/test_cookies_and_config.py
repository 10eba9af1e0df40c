"""Session cookie flags in development and production; production refuses to start unsafely."""

from __future__ import annotations

import pytest

from marketplace import create_app
from marketplace.config import DEV_SECRET_KEY, ConfigError, load_config
from marketplace.extensions import db
from tests.accounts.conftest import IsolatedClient, log_in
from tests.factories import TEST_PASSWORD, make_user

LONG_KEY = "k" * 64


def _set_cookie(response, name: str) -> str:
    [header] = [h for h in response.headers.getlist("Set-Cookie") if h.startswith(f"{name}=")]
    return header


def test_session_cookie_is_httponly_lax_and_not_secure_in_development(client, user):
    response = log_in(client, user.email)
    header = _set_cookie(response, "session")
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header


def test_production_cookies_are_secure(app, session, database_url):
    user = make_user(session, email="prod@example.test")
    session.commit()
    config = load_config(
        environ={
            "MARKETPLACE_ENV": "production",
            "SECRET_KEY": LONG_KEY,
            "DATABASE_URL": "sqlite://",
            "PUBLIC_BASE_URL": "https://pasar.example",
        }
    )
    production = create_app(
        {
            **config,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": False,
        }
    )
    assert production.config["PRODUCTION"] and production.config["SECRET_KEY"] == LONG_KEY
    production.test_client_class = IsolatedClient
    client = production.test_client()
    response = client.post(
        "/account/login",
        data={"email": user.email, "password": TEST_PASSWORD, "remember": "y"},
        base_url="https://localhost",
    )
    assert response.status_code == 302
    for name in ("session", "remember_token"):
        header = _set_cookie(response, name)
        assert "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    with production.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("secret", [None, "", DEV_SECRET_KEY, "short"])
def test_production_refuses_to_start_without_a_real_secret_key(secret):
    environ = {"MARKETPLACE_ENV": "production"}
    if secret is not None:
        environ["SECRET_KEY"] = secret
    with pytest.raises(ConfigError):
        load_config(environ=environ)


def test_production_refuses_to_start_without_public_base_url():
    with pytest.raises(ConfigError, match="PUBLIC_BASE_URL"):
        load_config(environ={"MARKETPLACE_ENV": "production", "SECRET_KEY": LONG_KEY})


def test_production_refuses_a_cheap_password_hash():
    with pytest.raises(ConfigError, match="PASSWORD_HASH_METHOD"):
        load_config(
            environ={
                "MARKETPLACE_ENV": "production",
                "SECRET_KEY": LONG_KEY,
                "PUBLIC_BASE_URL": "https://pd.example",
                "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1",
            }
        )


def test_production_links_use_public_base_url():
    config = load_config(
        environ={
            "MARKETPLACE_ENV": "production",
            "SECRET_KEY": LONG_KEY,
            "PUBLIC_BASE_URL": "https://pd.example/",
        }
    )
    assert config["SERVER_NAME_FOR_LINKS"] == "https://pd.example"


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "http://127.0.0.1:5000"),
        ({"PORT": "8080"}, "http://127.0.0.1:8080"),
        ({"HOST": "0.0.0.0", "PORT": "8000"}, "http://127.0.0.1:8000"),  # noqa: S104 - a setting, not a bind
        ({"HOST": "192.0.2.7", "PORT": "5001"}, "http://192.0.2.7:5001"),
    ],
)
def test_development_links_point_where_the_app_listens(environ, expected):
    assert load_config(environ=environ)["SERVER_NAME_FOR_LINKS"] == expected


def test_create_app_refuses_production_without_secret_key(monkeypatch):
    monkeypatch.setenv("MARKETPLACE_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        create_app()


def test_a_logged_in_session_is_signed_again_only_when_it_changes(client, user):
    """The first page after the login adds the CSRF token to the session; later pages leave the
    cookie as it is (a new signed cookie on every page cost a logged-in product page 12 % of its CPU)."""
    log_in(client, user.email)
    client.get("/")
    for path in ("/", "/search?q=batik", "/", "/account/login"):
        response = client.get(path)
        assert response.status_code in (200, 302)
        assert not [h for h in response.headers.getlist("Set-Cookie") if h.startswith("session=")], path


def test_secret_key_fallbacks_come_from_the_environment(tmp_path):
    config = load_config(
        environ={"SECRET_KEY_FALLBACKS": "old-key-1, old-key-2,"}, instance_path=str(tmp_path)
    )
    assert config["SECRET_KEY_FALLBACKS"] == ["old-key-1", "old-key-2"]
    assert load_config(environ={}, instance_path=str(tmp_path))["SECRET_KEY_FALLBACKS"] == []
