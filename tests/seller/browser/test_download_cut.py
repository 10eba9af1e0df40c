"""A streamed CSV download cut by a database error after its first bytes is a failed download in
Chromium, not a short file that looks whole (issue 16; views_support.DownloadCut).

PostgreSQL only: the error is made for real, deterministically. A second connection holds a lock
on `products`, so the export's first query (run after the header row went out) waits; the test
then ends that backend, as a restarted or failed-over database would.
"""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.login import browser_logged_in_as

pytestmark = pytest.mark.browser

#: Seconds to wait for the export's query to be seen waiting on the lock.
LOCK_WAIT_SECONDS = 10


def _end_the_backend_waiting_on_the_lock(locker: sa.Connection) -> None:
    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    while time.monotonic() < deadline:
        ended = locker.execute(
            sa.text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
        ).all()
        if ended:
            return
        time.sleep(0.05)
    raise AssertionError("the export's query never waited on the lock")


def test_a_download_cut_by_a_database_error_is_reported_failed(page, live_server, database_url, world):
    if not database_url.startswith("postgresql"):
        pytest.skip("locks and pg_terminate_backend: PostgreSQL")
    browser_logged_in_as(page, live_server, world.user_a)
    page.goto(live_server.url("/seller/"))
    export = "location.href = '/seller/products/export.csv'"

    with page.expect_download() as whole:
        page.evaluate(export)
    assert whole.value.failure() is None
    assert "Keranjang rotan" in whole.value.path().read_text(encoding="utf-8-sig")

    engine = sa.create_engine(database_url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as locker:
            locker.execute(sa.text("LOCK TABLE products IN ACCESS EXCLUSIVE MODE"))
            with page.expect_download() as cut:
                page.evaluate(export)  # the header row arrives; the rows' query waits on the lock
            _end_the_backend_waiting_on_the_lock(locker)
            locker.rollback()
        assert cut.value.failure() is not None  # Chromium: "Failed - Network error", not a file
    finally:
        engine.dispose()
