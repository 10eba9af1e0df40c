"""Register, log in, log out, profile: the whole flow through the real views and database."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from tests.accounts.conftest import log_in
from tests.factories import TEST_PASSWORD, make_user


def _register(client, **values):
    data = {
        "name": "Budi",
        "email": "  Budi@Example.TEST ",
        "password": "gajah oling 2026",
        "confirm": "gajah oling 2026",
        "locale": "en",
    }
    data.update(values)
    return client.post("/account/register", data=data)


def test_register_stores_lowercased_email_and_logs_in(app, client, session):
    app.config["PASSWORD_HASH_METHOD"] = "scrypt"  # the production setting (tests use a cheap one)
    response = _register(client)
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/"
    user = session.scalar(sa.select(User))
    assert user.email == "budi@example.test"
    assert user.locale == "en"
    assert user.password_hash.startswith("scrypt:")
    assert "gajah oling" not in user.password_hash
    profile = client.get("/account/")
    assert profile.status_code == 200
    assert b"budi@example.test" in profile.data


def test_register_refuses_weak_password_and_duplicate_email(client, session):
    response = _register(client, password="short", confirm="short")
    assert response.status_code == 400
    assert b"at least 10 characters" in response.data
    assert b'aria-describedby="password-hint password-error"' in response.data
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0

    make_user(session, email="budi@example.test")
    session.commit()
    response = _register(client)
    assert response.status_code == 400
    assert b"already exists" in response.data
    assert session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_register_refuses_password_equal_to_email_and_mismatch(client, session):
    response = _register(client, password="budi@example.test", confirm="budi@example.test")
    assert response.status_code == 400
    assert b"must not be your email" in response.data
    response = _register(client, confirm="something else entirely")
    assert response.status_code == 400
    assert b"not the same" in response.data
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0


def test_login_with_any_case_email_and_next(client, user):
    response = log_in(client, "  SITI@example.test", next="/orders?page=2")
    assert response.status_code == 302
    assert response.headers["Location"] == "/orders?page=2"
    assert client.get("/account/").status_code == 200


def test_wrong_password_and_unknown_email_give_the_same_answer(client, user):
    wrong_password = log_in(client, user.email, "wrong password here")
    unknown_email = log_in(client, "nobody@example.test", "wrong password here")
    assert wrong_password.status_code == unknown_email.status_code == 400
    assert b"The email or password is incorrect." in wrong_password.data
    assert b"The email or password is incorrect." in unknown_email.data
    assert client.get("/account/").status_code == 302


def test_inactive_account_cannot_log_in(client, session):
    blocked = make_user(session, active=False)
    session.commit()
    response = log_in(client, blocked.email)
    assert response.status_code == 400
    assert b"The email or password is incorrect." in response.data


def test_profile_requires_login_and_redirects_back(client):
    response = client.get("/account/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_login_renews_the_session(client, user):
    with client.session_transaction() as http_session:
        http_session["planted"] = "by an attacker"
    log_in(client, user.email)
    with client.session_transaction() as http_session:
        assert "planted" not in http_session
        assert http_session["_user_id"] == user.get_id()


def test_guest_cart_cookie_survives_login(client, user):
    client.set_cookie("cart_token", "guest-cart-123")
    log_in(client, user.email)
    assert client.get_cookie("cart_token").value == "guest-cart-123"


def test_logout_is_post_only_and_ends_every_copy_of_the_session(app, client, user, session):
    log_in(client, user.email)
    stolen = client.get_cookie("session").value
    assert client.get("/account/logout").status_code == 405

    response = client.post("/account/logout")
    assert response.status_code == 302
    assert client.get("/account/").status_code == 302

    # Someone who copied the cookie before logout gets nothing from it.
    other = app.test_client()
    other.set_cookie("session", stolen)
    response = other.get("/account/")
    assert response.status_code == 302
    assert "/account/login" in response.headers["Location"]


def test_old_cookie_works_until_logout(app, client, user):
    log_in(client, user.email)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    assert copy.get("/account/").status_code == 200  # control: the copy is a real session


def test_remember_me_is_off_by_default(client, user):
    log_in(client, user.email)
    assert client.get_cookie("remember_token") is None


def test_remember_me_cookie_dies_at_logout(app, client, user):
    log_in(client, user.email, remember="y")
    remember = client.get_cookie("remember_token")
    assert remember is not None and remember.http_only
    client.post("/account/logout")
    other = app.test_client()
    other.set_cookie("remember_token", remember.value)
    assert other.get("/account/").status_code == 302


def test_profile_update_changes_name_and_language(logged_in_client, session, user):
    response = logged_in_client.post("/account/", data={"name": "Siti Aminah", "locale": "id"})
    assert response.status_code == 302
    session.expire_all()
    assert user.name == "Siti Aminah"
    assert user.locale == "id"
    response = logged_in_client.post("/account/", data={"name": "Siti", "locale": "fr"})
    assert response.status_code == 400


def test_change_password_needs_the_current_one(logged_in_client, session, user, app):
    response = logged_in_client.post(
        "/account/password",
        data={
            "current_password": "not it at all",
            "password": "new password 2026",
            "confirm": "new password 2026",
        },
    )
    assert response.status_code == 400
    assert b"current password is incorrect" in response.data
    response = logged_in_client.post(
        "/account/password",
        data={
            "current_password": TEST_PASSWORD,
            "password": "new password 2026",
            "confirm": "new password 2026",
        },
    )
    assert response.status_code == 302
    assert logged_in_client.get("/account/").status_code == 200  # this device stays logged in
    fresh = app.test_client()
    assert log_in(fresh, user.email).status_code == 400
    assert log_in(fresh, user.email, "new password 2026").status_code == 302


def test_login_page_is_accessible(client):
    page = client.get("/account/login").get_data(as_text=True)
    assert 'autocomplete="username"' in page
    assert 'autocomplete="current-password"' in page
    assert '<label for="email">' in page
    assert '<label for="password">' in page
    remember = page.split('id="remember"')[0].rsplit("<input", 1)[1]
    assert "checked" not in remember


def test_login_required_pages_come_back_after_login(client, user):
    response = client.get("/account/addresses?tab=1")
    login_url = response.headers["Location"]
    assert login_url.startswith("/account/login?next=")
    form_page = client.get(login_url).get_data(as_text=True)
    assert 'action="/account/login?next=' in form_page
    response = client.post(login_url, data={"email": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    assert response.headers["Location"] == "/account/addresses?tab=1"


def test_login_and_register_never_redirect_off_site(client, user, session):
    for target in (
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "%2F%2Fevil.example",
        "javascript:alert(1)",
    ):
        response = log_in(client, user.email, next=target)
        assert response.status_code == 302
        assert response.headers["Location"] == "/account/", target
        # Already logged in: the login page itself must not bounce off-site either.
        response = client.get("/account/login", query_string={"next": target})
        assert response.headers["Location"] == "/account/", target
        client.post("/account/logout")
    response = _register(client, email="new@example.test", next="//evil.example")
    assert response.headers["Location"] == "/account/"


def test_user_email_is_normalised_by_the_model_too(session):
    user = make_user(session, email="  MiXed@Example.Test ")
    assert user.email == "mixed@example.test"


def test_a_login_without_next_lands_where_the_account_works(app, session):
    """A seller on a phone lands on the shop's dashboard, a curator on the console; the account
    page links both, and the buyer's orders."""
    from tests.factories import make_seller

    owner = make_user(session, email="penjual@example.test")
    make_seller(session, user_id=owner.id)
    make_user(session, email="kurator@example.test", is_curator=True)
    make_user(session, email="pembeli@example.test")
    session.commit()
    for email, landing in (
        ("penjual@example.test", "/seller/"),
        ("kurator@example.test", "/curator/"),
        ("pembeli@example.test", "/account/"),
    ):
        client = app.test_client()
        response = log_in(client, email)
        assert response.headers["Location"] == landing, email
        assert client.get("/account/login").headers["Location"] == landing, email  # already logged in
        account = client.get("/account/?lang=en").get_data(as_text=True)
        assert 'href="/orders"' in account
        assert ("Your shop's dashboard" in account) == (landing == "/seller/"), email
        assert ("Curator console" in account) == (landing == "/curator/"), email
    # A `next` still wins.
    client = app.test_client()
    response = log_in(client, "penjual@example.test", next="/cart")
    assert response.headers["Location"] == "/cart"
