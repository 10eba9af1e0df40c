"""Real-browser fixtures for the search pages, shared with tests/browser, scoped to this package."""

from __future__ import annotations

from tests.browser.conftest import (  # noqa: F401  (fixtures and the report hook, re-exported)
    app_overrides,
    live_server,
    mobile_page,
    page_nojs,
    page_pool,
    pytest_runtest_makereport,
)
