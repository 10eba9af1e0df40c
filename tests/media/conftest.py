"""Media fixtures: a local storage in a temporary directory, shared with the app under test."""

from __future__ import annotations

import pytest

from marketplace.media.storage import LocalStorage


@pytest.fixture
def media_root(tmp_path):
    root = tmp_path / "media"
    root.mkdir()
    return root


@pytest.fixture
def app_overrides(media_root):
    return {"MEDIA_ROOT": str(media_root)}


@pytest.fixture
def storage(media_root):
    return LocalStorage(media_root)


@pytest.fixture(autouse=True)
def _request_context(request):
    """Services here translate their messages; marketplace.i18n.select_locale reads `request`, so
    database tests run inside a request context (as a view would call them)."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    with app.test_request_context():
        yield
