"""Demo fixtures: pictures go to a temporary media root, shared by the app and the tests."""

from __future__ import annotations

import pytest

from marketplace.media.storage import LocalStorage


@pytest.fixture
def media_root(tmp_path):
    return tmp_path / "media"


@pytest.fixture
def app_overrides(media_root):
    return {"MEDIA_ROOT": str(media_root)}


@pytest.fixture
def storage(media_root):
    return LocalStorage(media_root)
