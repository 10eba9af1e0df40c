"""Local media storage: round trips, safe names only, atomic writes; the app picks it by config."""

from __future__ import annotations

import pytest
from flask import Flask

from marketplace.media.storage import InvalidKey, LocalStorage, check_key, get_storage, is_public_key


def test_round_trip(tmp_path):
    storage = LocalStorage(tmp_path, "/media")
    storage.save("products/abc-320.webp", b"RIFF....WEBP", "image/webp")
    assert storage.exists("products/abc-320.webp")
    assert storage.read("products/abc-320.webp") == b"RIFF....WEBP"
    with storage.open("products/abc-320.webp") as handle:
        assert handle.read() == b"RIFF....WEBP"
    assert storage.url("products/abc-320.webp") == "/media/products/abc-320.webp"
    storage.save("products/abc-320.webp", b"replaced", "image/webp")
    assert storage.read("products/abc-320.webp") == b"replaced"
    # Written beside the target and renamed: no temporary files stay behind.
    assert [p.name for p in (tmp_path / "products").iterdir()] == ["abc-320.webp"]
    storage.delete("products/abc-320.webp")
    storage.delete("products/abc-320.webp")  # deleting what is gone is fine
    assert not storage.exists("products/abc-320.webp")
    with pytest.raises(FileNotFoundError):
        storage.read("products/abc-320.webp")


@pytest.mark.parametrize(
    "key",
    ["../secret", "products/../../secret", "/etc/passwd", "products/./x", "", "products//x", "a\\..\\b",
     "products/x\x00.webp", ".hidden", "products/", "ä.webp"],
)  # fmt: skip
def test_unsafe_names_are_refused(tmp_path, key):
    storage = LocalStorage(tmp_path)
    with pytest.raises(InvalidKey):
        check_key(key)
    with pytest.raises(InvalidKey):
        storage.save(key, b"x", "image/webp")
    assert list(tmp_path.iterdir()) == []


def test_only_public_prefixes_are_public():
    assert is_public_key("products/abc-320.webp")
    assert not is_public_key("private/evidence.pdf")


def test_get_storage_follows_config(tmp_path):
    app = Flask(__name__)
    app.config.update(MEDIA_ROOT=str(tmp_path / "m"), MEDIA_URL="/files/", MEDIA_S3_BUCKET=None)
    storage = get_storage(app)
    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "m").resolve()
    assert storage.url("products/k-320.webp") == "/files/products/k-320.webp"
    assert get_storage(app) is storage  # built once per app and settings
    app.config["MEDIA_ROOT"] = str(tmp_path / "other")
    assert get_storage(app).root == (tmp_path / "other").resolve()
