"""Load drivers: `wrk` when installed (apt-get install wrk), else a pure-Python keep-alive driver.

Both drive a list of paths round-robin over N keep-alive connections for a fixed time and return
the same summary: requests, requests/s, p50/p99/max latency in ms and the count of non-2xx/3xx.
The Python driver runs its connections in several processes so the GIL does not become the limit,
but it still costs more CPU than wrk; numbers from the two are comparable only roughly — the run
prints which one was used, and the ratio to the ceiling is always measured with the same driver.
"""

from __future__ import annotations

import http.client
import multiprocessing
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass


@dataclass
class Summary:
    driver: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    bad_status: int
    errors: int
    #: CPU ms per request of the processes serving it (cpu_meter.CpuMeter), when metered.
    cpu_ms: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def available_driver(prefer: str = "auto") -> str:
    if prefer == "python":
        return "python"
    if shutil.which("wrk"):
        return "wrk"
    if prefer == "wrk":
        raise SystemExit("wrk is not installed (apt-get install wrk) — or use --driver python")
    return "python"


def drive(
    host: str,
    port: int,
    paths: list[str],
    *,
    connections: int,
    seconds: float,
    driver: str,
    headers: dict[str, str] | None = None,
) -> Summary:
    """`headers` go with every request (a logged-in visitor's session cookie)."""
    if driver == "wrk":
        return _drive_wrk(host, port, paths, connections=connections, seconds=seconds, headers=headers)
    return _drive_python(host, port, paths, connections=connections, seconds=seconds, headers=headers)


_WRK_SCRIPT = """
paths = {%(paths)s}
headers = {%(headers)s}
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter %% #paths) + 1], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %%d %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def _lua_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _drive_wrk(
    host: str, port: int, paths: list[str], *, connections: int, seconds: float, headers: dict | None
) -> Summary:
    script = _WRK_SCRIPT % {
        "paths": ", ".join(_lua_string(p) for p in paths),
        "headers": ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}" for k, v in (headers or {}).items()),
    }
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
        script_path = handle.name
    try:
        threads = max(1, min(connections, os.cpu_count() or 1))
        output = subprocess.run(
            ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(seconds))}s",
             "--timeout", "10s", "-s", script_path, f"http://{host}:{port}{paths[0]}"],
            capture_output=True, text=True, check=True, timeout=seconds + 60,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script_path)
    line = next((ln for ln in output.splitlines() if ln.startswith("RESULT ")), None)
    if line is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    requests, duration_us, bad, errors, p50, p99, lat_max = (int(x) for x in line.split()[1:])
    elapsed = duration_us / 1e6
    return Summary(
        "wrk", requests, elapsed, requests / elapsed, p50 / 1000, p99 / 1000, lat_max / 1000, bad, errors
    )


def _worker(
    host: str, port: int, paths: list[str], start: int, threads: int, deadline: float, queue, headers: dict
) -> None:
    latencies: list[float] = []
    counts = {"bad": 0, "errors": 0}
    lock = threading.Lock()

    def run(offset: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=10)
        local: list[float] = []
        bad = errors = 0
        i = offset
        while time.perf_counter() < deadline:
            path = paths[i % len(paths)]
            i += 1
            began = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=10)
                continue
            local.append(time.perf_counter() - began)
            if response.status >= 400:
                bad += 1
        conn.close()
        with lock:
            latencies.extend(local)
            counts["bad"] += bad
            counts["errors"] += errors

    pool = [threading.Thread(target=run, args=(start + t,)) for t in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    queue.put((latencies, counts["bad"], counts["errors"]))


def _drive_python(
    host: str, port: int, paths: list[str], *, connections: int, seconds: float, headers: dict | None
) -> Summary:
    processes = max(1, min(connections, os.cpu_count() or 1))
    per_process = [
        connections // processes + (1 if i < connections % processes else 0) for i in range(processes)
    ]
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    began = time.perf_counter()
    deadline = began + seconds
    workers = []
    start = 0
    for threads in per_process:
        proc = ctx.Process(
            target=_worker, args=(host, port, paths, start, threads, deadline, queue, headers or {})
        )
        proc.start()
        workers.append(proc)
        start += threads
    latencies: list[float] = []
    bad = errors = 0
    for _ in workers:
        lat, b, e = queue.get()
        latencies.extend(lat)
        bad += b
        errors += e
    for proc in workers:
        proc.join()
    elapsed = time.perf_counter() - began
    latencies.sort()

    def pct(q: float) -> float:
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    return Summary(
        "python", len(latencies), elapsed, len(latencies) / elapsed, pct(0.50), pct(0.99),
        latencies[-1] * 1000 if latencies else float("nan"), bad, errors,
    )  # fmt: skip


def combine(parts: list[Summary]) -> Summary:
    """Several rounds as one: total requests over total time; percentiles weighted by requests."""
    requests = sum(p.requests for p in parts)
    seconds = sum(p.seconds for p in parts)

    def weighted(field: str) -> float:
        if not requests:
            return float("nan")
        return sum(getattr(p, field) * p.requests for p in parts) / requests

    metered = None not in (p.cpu_ms for p in parts)
    return Summary(
        parts[0].driver, requests, seconds, requests / seconds if seconds else 0.0, weighted("p50_ms"),
        weighted("p99_ms"), max(p.max_ms for p in parts), sum(p.bad_status for p in parts),
        sum(p.errors for p in parts), weighted("cpu_ms") if metered else None,
    )  # fmt: skip


def drive_interleaved(
    sides: dict[str, tuple],
    *,
    connections: int,
    seconds: float,
    rounds: int,
    warmup: float,
    driver: str,
    meters: dict | None = None,
) -> dict[str, Summary]:
    """Drive each side (name → (port, paths) or (port, paths, headers)) in alternating short rounds,
    after a warm-up each: a busy machine then slows every side alike. Returns each side's rounds
    combined. `meters` (name → cpu_meter.CpuMeter of the side's server) add each side's CPU ms per
    request, read around each of its rounds."""
    full = {name: (*side, None) if len(side) == 2 else side for name, side in sides.items()}
    if warmup:
        for port, paths, headers in full.values():
            drive(
                "127.0.0.1",
                port,
                paths,
                connections=connections,
                seconds=warmup,
                driver=driver,
                headers=headers,
            )
    measured: dict[str, list[Summary]] = {name: [] for name in full}
    for _ in range(rounds):
        for name, (port, paths, headers) in full.items():
            meter = (meters or {}).get(name)
            before = meter.snapshot() if meter else None
            summary = drive(
                "127.0.0.1", port, paths, connections=connections, seconds=seconds / rounds, driver=driver,
                headers=headers,
            )  # fmt: skip
            if meter and summary.requests:
                summary.cpu_ms = meter.total(before) * 1000 / summary.requests
            measured[name].append(summary)
    return {name: combine(parts) for name, parts in measured.items()}
