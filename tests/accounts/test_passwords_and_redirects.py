"""Password hashing and policy, and the `?next=` guard (pure functions, no database)."""

from __future__ import annotations

import pytest
from flask import Flask

from marketplace.accounts.passwords import check_password_policy, hash_password, verify_password
from marketplace.accounts.redirects import safe_next_url
from marketplace.config import load_config
from marketplace.errors import ValidationError
from tests.factories import _PASSWORD_HASH, TEST_PASSWORD


def test_hash_is_scrypt_salted_and_verifies():
    first, second = hash_password("kopi robusta kabat"), hash_password("kopi robusta kabat")
    assert first.startswith("scrypt:")
    assert first != second  # salted
    assert verify_password(first, "kopi robusta kabat")
    assert not verify_password(first, "kopi robusta kabaT")


def test_hash_method_is_a_setting_and_every_stored_hash_still_verifies():
    assert load_config(environ={})["PASSWORD_HASH_METHOD"] == "scrypt"
    stored = hash_password("kopi robusta kabat")  # no app: the default, scrypt
    app = Flask(__name__)
    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1"
    with app.app_context():
        cheap = hash_password("kopi robusta kabat")
        assert cheap.startswith("pbkdf2:sha256:1$")
        assert verify_password(cheap, "kopi robusta kabat")
        assert verify_password(stored, "kopi robusta kabat")  # the method is read from the hash
        assert not verify_password(stored, "kopi robusta kabaT")
        assert not verify_password(None, "kopi robusta kabat")
    assert stored.startswith("scrypt:") and verify_password(cheap, "kopi robusta kabat")


def test_verify_accepts_factory_hashes_and_refuses_garbage():
    assert verify_password(_PASSWORD_HASH, TEST_PASSWORD)
    assert not verify_password(None, TEST_PASSWORD)
    assert not verify_password("", TEST_PASSWORD)
    assert not verify_password("nonsense$hash", TEST_PASSWORD)


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "at least 10"),
        ("x" * 129, "at most 128"),
        ("Siti@Example.test", "email"),
    ],
)
def test_policy_refuses_with_a_clear_message(app, password, fragment):
    with app.test_request_context(), pytest.raises(ValidationError) as info:
        check_password_policy(password, email="siti@example.test")
    assert info.value.field == "password"
    assert fragment in info.value.message


def test_policy_accepts_ten_to_128_characters(app):
    with app.test_request_context():
        check_password_policy("a" * 10, email="siti@example.test")
        check_password_policy("a" * 128, email="siti@example.test")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "http://evil.example/account",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "\\/evil.example",
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "data:text/html,hi",
        "evil.example",
        "/%2Fevil.example",
        "%2F%2Fevil.example",
        "/%5Cevil.example",
        "%2F%5Cevil.example",
        "/%252F%252Fevil.example",
        "https:%2F%2Fevil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "/%09/evil.example",
        "/ /evil.example",
        "",
        None,
        "/" + "a" * 3000,
    ],
)
def test_safe_next_url_refuses_off_site_targets(target):
    assert safe_next_url(target) is None


@pytest.mark.parametrize(
    "target", ["/", "/orders", "/orders/PD-1234?x=1#top", "/cari?q=batik%20tulis", "/a//b"]
)
def test_safe_next_url_keeps_site_paths(target):
    assert safe_next_url(target) == target
