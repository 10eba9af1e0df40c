"""Private servers the fault tests may break: a redis-server and a PostgreSQL cluster of their own.

The machine's Redis (6379) and PostgreSQL (5432) serve the rest of the suite and are never stopped.
"""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float = 10.0, *, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            if process is not None and process.poll() is not None:
                raise RuntimeError(f"the server on port {port} exited with {process.returncode}") from None
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on port {port}") from None
            time.sleep(0.02)


class PrivateRedis:
    """A redis-server on a free port, without persistence, that a test may stop, start and freeze."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        wait_for_port(self.port, process=self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)  # a frozen server cannot act on SIGTERM
            self.process.terminate()
            self.process.wait(10)
        self.process = None

    def freeze(self) -> None:
        """Still accepting connections, never answering: a hung server or a cut network."""
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGCONT)


POSTGRES_BIN = Path("/usr/lib/postgresql/15/bin")


class PrivatePostgres:
    """A throwaway PostgreSQL cluster in a directory of its own (owned by the postgres user: the
    server refuses to run as root), listening on a free port; `remove()` deletes it."""

    def __init__(self) -> None:
        # Directly under /tmp: pytest's tmp_path sits in root's private directory, closed to postgres.
        self.directory = Path(tempfile.mkdtemp(prefix="pasar-desa-pg-"))
        self.data = self.directory / "data"
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def _as_postgres(self, *command: str, check: bool = True) -> subprocess.CompletedProcess:
        prefix = ["runuser", "-u", "postgres", "--"] if _is_root() else []
        result = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=60)  # noqa: S603
        if check and result.returncode:
            raise RuntimeError(f"{command[0]} failed: {result.stderr or result.stdout}")
        return result

    def init(self) -> None:
        if _is_root():
            shutil.chown(self.directory, "postgres", "postgres")
        self._as_postgres(
            str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
            "--no-sync", "-E", "UTF8", "--locale=C.UTF-8",
        )  # fmt: skip

    def pg_ctl(self, action: str, *extra: str) -> None:
        options = f"-p {self.port} -k {self.directory} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._as_postgres(
            str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options,
            "-l", str(self.directory / "log"), "-w", action, *extra,
        )  # fmt: skip

    def start(self) -> None:
        self.pg_ctl("start")

    def crash(self) -> None:
        """Stop at once, as a crash or a power cut would: every connection is dropped mid-flight."""
        self.pg_ctl("stop", "-m", "immediate")

    def stop(self) -> None:
        self._as_postgres(
            str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop", check=False
        )

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    @staticmethod
    def available() -> bool:
        return (POSTGRES_BIN / "initdb").exists() and (not _is_root() or shutil.which("runuser") is not None)


def _is_root() -> bool:
    import os

    return os.geteuid() == 0
