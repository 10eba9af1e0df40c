"""Redis for the tests that empty it or read all its keys: a redis-server of this test process's own.

The machine's Redis (6379) is shared by pytest-xdist's workers and by every other run on the machine.
A test that emptied its database there (FLUSHDB) emptied it under another process's test as well:
under xdist's `--dist load` the tests of one class land on two workers, and they failed with MISS
where they expected HIT. So one server per test process, started on first use (about 10 ms) and
stopped when the process exits; each test module keeps to a database number of its own in it.
"""

from __future__ import annotations

import atexit
import shutil

import pytest

from tests.faults.helpers import PrivateRedis

_server: PrivateRedis | None = None


def scratch_redis_url(database: int) -> str:
    """The URL of `database` on this process's own redis-server (skips when Redis is not installed)."""
    global _server
    if _server is None:
        if shutil.which("redis-server") is None:
            pytest.skip("redis-server is not installed")
        server = PrivateRedis()
        server.start()
        atexit.register(server.stop)
        _server = server
    return f"redis://127.0.0.1:{_server.port}/{database}"
