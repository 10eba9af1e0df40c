"""Real-browser fixtures for the seller journey, shared with tests/browser, scoped to this package."""

from __future__ import annotations

import pytest

from tests.browser.conftest import (  # noqa: F401  (fixtures and the report hook, re-exported)
    live_server,
    mobile_page,
    page,
    page_nojs,
    page_pool,
    pytest_runtest_makereport,
)


@pytest.fixture
def app_overrides(media_root) -> dict:
    # CSRF on, as in production: every form must carry a real token.
    return {"WTF_CSRF_ENABLED": True, "MEDIA_ROOT": str(media_root)}
