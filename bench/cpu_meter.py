"""CPU seconds a benchmarked server spends, from /proc: its gunicorn workers and the database's
backends serving its database. CPU per request moves much less than requests/s when other work
shares the machine (whose speed drifts 20–40 % between runs here), so A/B decisions read both."""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa


class CpuMeter:
    """CPU seconds spent by the app's gunicorn workers and by the database's server processes
    serving this bench's database (PostgreSQL backends, found in pg_stat_activity), from /proc:
    what a request costs, whatever else the machine is running at the time."""

    def __init__(self, server_pid: int, url: str):
        self.server_pid = server_pid
        self.url = url
        self.tick = os.sysconf("SC_CLK_TCK")

    def _children(self, pid: int) -> list[int]:
        found = []
        for task in Path(f"/proc/{pid}/task").glob("*"):
            try:
                found += [int(x) for x in (task / "children").read_text().split()]
            except OSError:
                pass
        return found

    def _backends(self) -> list[int]:
        if not self.url.startswith("postgresql"):
            return []
        engine = sa.create_engine(self.url, poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            pids = (
                conn.execute(
                    sa.text(
                        "SELECT pid FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                )
                .scalars()
                .all()
            )
        engine.dispose()
        return list(pids)

    def _cpu(self, pids: list[int]) -> dict[int, float]:
        seconds = {}
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            seconds[pid] = (int(fields[11]) + int(fields[12])) / self.tick
        return seconds

    def snapshot(self) -> dict[str, dict[int, float]]:
        return {"app": self._cpu(self._children(self.server_pid)), "database": self._cpu(self._backends())}

    def spent(self, before: dict[str, dict[int, float]]) -> dict[str, float]:
        after = self.snapshot()
        return {
            side: sum(seconds - before[side].get(pid, 0.0) for pid, seconds in after[side].items())
            for side in after
        }

    def total(self, before: dict[str, dict[int, float]]) -> float:
        """CPU seconds spent since `before` (a `snapshot`), app and database together."""
        return sum(self.spent(before).values())
