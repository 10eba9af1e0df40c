"""Account forms name every problem of one attempt at once: a password too short AND not repeated
the same, an unusable email beside them; nothing is left for the next attempt to reveal."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User


def register(client, lang: str, **values) -> str:
    data = {"name": "Budi", "email": "budi@example.test", "locale": lang, **values}
    response = client.post(f"/account/register?lang={lang}", data=data)
    assert response.status_code == 400
    return response.get_data(as_text=True)


def test_register_shows_too_short_and_not_the_same_together(client, session):
    indonesian = register(client, "id", password="short", confirm="shorter")
    assert "Gunakan minimal 10 karakter untuk kata sandi Anda." in indonesian
    assert "Kedua kata sandi tidak sama." in indonesian
    english = register(client, "en", password="short", confirm="shorter")
    assert "Use at least 10 characters for your password." in english
    assert "The two passwords are not the same." in english
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_register_shows_a_bad_email_beside_the_password_problems(client, session):
    page = register(client, "en", email="budi@", password="short", confirm="short")
    assert "Enter a valid email address." in page
    assert "Use at least 10 characters for your password." in page
    page = register(client, "en", email="budi@example.test", password="Budi@Example.test", confirm="x")
    assert "Your password must not be your email address." in page
    assert "The two passwords are not the same." in page
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_change_password_shows_too_short_and_not_the_same_together(logged_in_client):
    response = logged_in_client.post(
        "/account/password?lang=en",
        data={"current_password": "whatever it is", "password": "short", "confirm": "other"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Use at least 10 characters for your password." in page
    assert "The two passwords are not the same." in page
