"""CSRF: with protection on (as in production), every account form refuses a POST without a token."""

from __future__ import annotations

import re

import pytest

from marketplace.accounts import services
from tests.factories import TEST_PASSWORD

ADDRESS = {
    "recipient_name": "Siti",
    "phone": "081234567890",
    "street": "Jl. Raya Kabat 280",
    "district": "Kabat",
    "city": "Banyuwangi",
    "province": "Jawa Timur",
    "postal_code": "68461",
    "country": "ID",
}


@pytest.fixture
def app_overrides():
    return {"WTF_CSRF_ENABLED": True}


def _token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    match = re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', page
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1) or match.group(2)


def _logged_in(client, user):
    token = _token(client, "/account/login")
    response = client.post(
        "/account/login", data={"email": user.email, "password": TEST_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/account/login", {"email": "siti@example.test", "password": TEST_PASSWORD}),
        ("/account/register", {"email": "new@example.test", "password": "a" * 12, "confirm": "a" * 12}),
        ("/account/password/reset", {"email": "siti@example.test"}),
    ],
)
def test_anonymous_forms_refuse_posts_without_a_token(client, user, path, data):
    response = client.post(path, data=data)
    assert response.status_code == 400
    response = client.post(path, data={**data, "csrf_token": "forged"})
    assert response.status_code == 400


def test_login_with_a_token_works(client, user):
    _logged_in(client, user)  # positive control: the token the page gives is accepted
    assert client.get("/account/").status_code == 200


def test_logged_in_forms_refuse_posts_without_a_token(app, client, session, user):
    with app.test_request_context():
        address = services.save_address(session, user=user, values=ADDRESS)
    session.commit()
    _logged_in(client, user)
    posts = [
        ("/account/logout", {}),
        ("/account/", {"name": "X", "locale": "en"}),
        ("/account/password", {"current_password": TEST_PASSWORD, "password": "b" * 12, "confirm": "b" * 12}),
        ("/account/addresses/new", ADDRESS),
        (f"/account/addresses/{address.id}/edit", ADDRESS),
        (f"/account/addresses/{address.id}/delete", {}),
        (f"/account/addresses/{address.id}/default", {}),
    ]
    for path, data in posts:
        assert client.post(path, data=data).status_code == 400, path
    # Still logged in, nothing changed.
    assert client.get("/account/").status_code == 200
    session.expire_all()
    assert user.name == "Siti"
    assert services.list_addresses(session, user) == [address]


def test_logout_with_the_pages_token_works(client, user):
    _logged_in(client, user)
    token = _token(client, "/account/")
    assert client.post("/account/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/account/").status_code == 302


def test_address_buttons_carry_tokens(app, client, session, user):
    with app.test_request_context():
        address = services.save_address(session, user=user, values=ADDRESS)
        services.save_address(session, user=user, values={**ADDRESS, "label": "Kantor"})
    session.commit()
    _logged_in(client, user)
    token = _token(client, "/account/addresses")
    assert (
        client.post(f"/account/addresses/{address.id}/delete", data={"csrf_token": token}).status_code == 302
    )
