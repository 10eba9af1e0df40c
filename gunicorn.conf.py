"""Gunicorn settings for production: `gunicorn wsgi:app` reads this file from the working directory.

Every value comes from the environment so one file serves a laptop, a VPS behind nginx and the
benchmark in bench/:

- PORT / BIND: where to listen. Default 127.0.0.1:8000 — production runs behind a reverse proxy
  (nginx, Caddy) on the same host that terminates TLS, so the app is not exposed directly. Set
  BIND=0.0.0.0:8000 (or PORT=8000 with HOST=0.0.0.0) in a container.
- WEB_CONCURRENCY: worker processes, default one per CPU core (at least 2, so a worker being
  recycled never leaves the site without one). gunicorn's general advice, 2 × cores + 1, is for
  sync workers waiting on I/O; ours are gthread workers whose requests spend most of their time in
  Python (a place-order POST: ~9 ms of worker CPU against ~2 ms in PostgreSQL). A process per core
  keeps every core busy and the threads cover the waits; more processes than cores only queue
  behind each other and warm their own kept pages and compiled statements apart. On 2 cores,
  `bench/checkout.py` alternating the two (16 buyers): 5 × 4 threads gave 95-119 place-order
  requests/s, p99 300-347 ms; 2 × 4 gave 89-155/s, p99 157-313 ms (2026-12-07, bench/README.md).
- GUNICORN_THREADS: threads per worker, default 4 (always the gthread worker, see below). More
  threads help when requests wait on a slow database, Stripe or a slow client; SQLAlchemy's pool
  is sized per process, so keep threads ≤ pool size (5).
- GUNICORN_TIMEOUT / GUNICORN_GRACEFUL_TIMEOUT: a worker whose main loop is silent longer than
  TIMEOUT is killed and restarted (a hung process, never a long request: see below); on reload or
  shutdown, workers get GRACEFUL_TIMEOUT to finish their requests.

Slow clients. An artisan uploading a 1 MB photo over a 250 kbit/s phone link takes about 35 s.
The sync worker reads the body in the process's only thread, so after TIMEOUT (30 s) the master
killed it mid-upload and gunicorn answered its own bare English "Internal Server Error". The
gthread worker keeps that master heartbeat in its main loop, apart from the request threads: a
request may take as long as its client needs, and it holds one thread, not the whole process. A
connection that sends nothing waits in the main loop, not in a thread. So the worker is always
gthread, even with one thread. A client that stops sending halfway through its body is cut off
after CLIENT_IDLE_TIMEOUT_SECONDS (marketplace/client_timeout.py), so it cannot hold a thread for
good. What bounds slow uploads is the number of threads (workers × threads at once); in
production the reverse proxy reads the whole body first (nginx buffers
request bodies by default: keep `proxy_request_buffering on`, a `client_body_timeout` for
stalled clients, and `client_max_body_size` ≥ MAX_UPLOAD_BYTES), so gunicorn's threads only ever
see a request at local speed. tests/faults/test_slow_upload.py uploads through a throttled socket.
- FORWARDED_ALLOW_IPS: proxies whose X-Forwarded-Proto gunicorn trusts for the scheme (default
  127.0.0.1, the local proxy). The buyer's address (rate limits key on it) is the app's business:
  TRUSTED_PROXIES, applied by werkzeug's ProxyFix in marketplace/web.py.
- GUNICORN_ACCESS_LOG: "-" (stdout, default) or a file; set to "" to turn access logs off.
- GUNICORN_MAX_REQUESTS: recycle a worker after this many requests (default 0 = never).
- GUNICORN_CONTROL_SOCKET: path of gunicorn's control socket (default: none).

`make run` starts gunicorn through `flask --app wsgi serve` (marketplace/serve.py), with two workers
of four threads unless WEB_CONCURRENCY / GUNICORN_THREADS say otherwise.

A server started here without MARKETPLACE_ENV is production (`make run` says `development`): the
development SECRET_KEY is public, and links signed with it (guest orders, password resets) could
be forged. Before any worker starts, `on_starting` refuses a configuration the app would refuse
(and several workers without Redis in production), with one clear message.
"""

import multiprocessing
import os
import sys

_production_by_default = not os.environ.get("MARKETPLACE_ENV", "").strip()
if _production_by_default:
    os.environ["MARKETPLACE_ENV"] = "production"


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


_host = os.environ.get("HOST", "127.0.0.1")
bind = os.environ.get("BIND") or f"{_host}:{_int('PORT', 8000)}"

workers = _int("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count()))
# Always gthread (slow clients: see the top of this file); threads share the process's SQLAlchemy pool.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)

timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 20)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = max_requests // 10

# preload_app stays False: with preloading, the app (and SQLAlchemy's engine and its connection
# pool, the Redis client) would be created in the master and inherited by forked workers, which
# would then share database sockets — a classic source of corrupted connections. Without it every
# worker builds its own app after fork, and `kill -HUP` reloads code without dropping the socket.
preload_app = False

forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Combined format plus the request time in microseconds (%(D)s) and the real client behind the proxy.
access_log_format = (
    '%({x-forwarded-for}i)s %(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)sus'
)

# Never let a request line or headers grow without bound.
limit_request_line = 4094
limit_request_fields = 100


def on_starting(server):
    """Refuse to start (exit status 1, one message) when the app could not run safely."""
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    from marketplace.config import ConfigError, check_server_start

    try:
        check_server_start(dict(os.environ), workers=server.cfg.workers)
    except ConfigError as error:
        note = (
            " (MARKETPLACE_ENV was not set: a server started with gunicorn runs as production;"
            " `make run` is the development server)"
            if _production_by_default
            else ""
        )
        sys.exit(f"Pasar Desa will not start: {error}{note}")


def post_worker_init(worker):
    """The loaded app (modules, url map, templates) lives as long as the worker: freeze it out of the
    garbage collector's full passes, which then walk only what requests made (pages 5-8% faster).
    On CPython 3.11, collect only at safe points (marketplace/safe_gc.py: collecting inside an
    allocation while other request threads run crashed workers with SIGSEGV)."""
    import gc

    from marketplace import safe_gc

    gc.freeze()
    safe_gc.start()


# Gunicorn's control socket sits at one fixed path per user, so a second server on the machine (the
# demo beside the tests, two workspaces) would take it over. Off unless GUNICORN_CONTROL_SOCKET names one.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
