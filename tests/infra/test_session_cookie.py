"""KeptSessionInterface (marketplace/application.py): Flask's signed cookie session, verified once per
process. Driven on a bare app of our Flask class (no blueprints: only the session is under test)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask.sessions import SecureCookieSessionInterface

from marketplace.application import KeptSessionInterface, MarketplaceFlask


@pytest.fixture
def bare_app():
    app = MarketplaceFlask(__name__)
    app.secret_key = "k" * 64
    return app


def _cookie(app, data: dict) -> str:
    return SecureCookieSessionInterface().get_signing_serializer(app).dumps(data)


def _open(app, cookie: str | None):
    headers = {"Cookie": f"session={cookie}"} if cookie else {}
    with app.test_request_context("/", headers=headers) as ctx:
        return app.session_interface.open_session(app, ctx.request)


def test_each_app_has_its_own_interface_and_flasks_cookies_open(bare_app):
    assert isinstance(bare_app.session_interface, KeptSessionInterface)
    assert MarketplaceFlask(__name__).session_interface is not bare_app.session_interface
    cookie = _cookie(bare_app, {"_user_id": "7:abc", "_fresh": True, "csrf_token": "t"})
    for _ in range(2):  # verified, then kept
        assert dict(_open(bare_app, cookie)) == {"_user_id": "7:abc", "_fresh": True, "csrf_token": "t"}
    assert dict(_open(bare_app, None)) == {}


def test_a_request_changing_its_session_leaves_the_next_one_alone(bare_app):
    cookie = _cookie(bare_app, {"csrf_token": "t"})
    first = _open(bare_app, cookie)
    first["csrf_token"] = "changed"
    first["_flashes"] = [("message", "Saved")]
    assert dict(_open(bare_app, cookie)) == {"csrf_token": "t"}


def test_a_session_with_a_list_is_verified_every_time_and_never_shared(bare_app):
    cookie = _cookie(bare_app, {"_flashes": [["message", "Saved"]]})
    _open(bare_app, cookie)["_flashes"].append(["message", "Again"])
    assert _open(bare_app, cookie)["_flashes"] == [["message", "Saved"]]
    assert len(bare_app.session_interface._verified) == 0


def test_a_tampered_cookie_is_an_empty_session_and_is_not_kept(bare_app):
    cookie = _cookie(bare_app, {"_user_id": "7:abc"})
    _payload, rest = cookie.split(".", 1)
    forged = _cookie(bare_app, {"_user_id": "1:curator"}).split(".", 1)[0] + "." + rest
    assert dict(_open(bare_app, forged)) == {}
    assert len(bare_app.session_interface._verified) == 0


def test_a_kept_cookie_still_expires(bare_app, monkeypatch):
    bare_app.permanent_session_lifetime = timedelta(days=31)
    cookie = _cookie(bare_app, {"_user_id": "7:abc"})
    assert dict(_open(bare_app, cookie)) == {"_user_id": "7:abc"}
    later = time.time() + timedelta(days=32).total_seconds()
    monkeypatch.setattr(time, "time", lambda: later)  # the clock, outside our code
    assert dict(_open(bare_app, cookie)) == {}


def test_a_rotated_secret_key_verifies_again(bare_app):
    cookie = _cookie(bare_app, {"_user_id": "7:abc"})
    assert dict(_open(bare_app, cookie)) == {"_user_id": "7:abc"}
    bare_app.secret_key = "n" * 64
    assert dict(_open(bare_app, cookie)) == {}, "the old key is no longer trusted"
    bare_app.config["SECRET_KEY_FALLBACKS"] = ["k" * 64]
    assert dict(_open(bare_app, cookie)) == {"_user_id": "7:abc"}, "unless it is a fallback"
