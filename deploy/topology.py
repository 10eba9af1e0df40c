"""Several app servers on one machine: nginx in front of gunicorn instances, with PostgreSQL, Redis and S3.

The topology a district runs when one machine is no longer enough, started here on free local ports
for `make topology` (to click through), tests/infra/test_topology.py (which proves the instances
share what they must) and bench/topology.py (the same pages through the proxy and one instance):

    nginx (deploy/nginx-site.conf.template)  →  gunicorn wsgi:app  × instances
                                               ↘ /media/… → S3-compatible bucket (moto's server here)
    every instance: the same DATABASE_URL (PostgreSQL), REDIS_URL (page cache, rate limits),
    SECRET_KEY (sessions), MEDIA_S3_* (pictures)

    .venv/bin/python -m deploy.topology          # what `make topology` runs: demo data, Ctrl-C stops

Every process is started by this module and stopped by its own pid; nothing is left running.
Redis is the machine's (127.0.0.1:6379) in a database number of the topology's own; only the keys
the app writes there are removed when it stops (never FLUSHALL).
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import shutil
import signal
import socket
import string
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "deploy" / "nginx-site.conf.template"
BIN = Path(sys.executable).parent
POSTGRES_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
#: `make topology`'s Redis database; the tests use their own (tests/infra/test_topology.py).
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/10"
#: Key patterns the app writes to Redis: the page cache ("pd:") and flask-limiter's counters.
REDIS_KEY_PATTERNS = ("pd:*", "LIMITS:*", "LIMITER*")
BUCKET = "pasar-media"
MEDIA_PREFIX = "topology"
#: Settings of the machine's environment that must not leak into the topology's processes.
_OWN_SETTINGS = (
    "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PUBLIC_BASE_URL", "FLASK_DEBUG", "PORT", "HOST", "BIND",
    "MEDIA_ROOT", "MEDIA_URL", "MEDIA_S3_BUCKET", "MEDIA_S3_ENDPOINT_URL", "MEDIA_S3_REGION",
    "MEDIA_S3_PUBLIC_URL", "MEDIA_S3_PREFIX", "AWS_PROFILE", "AWS_SESSION_TOKEN", "STRIPE_SECRET_KEY",
    "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_LOCAL_TEST_MODE", "CSP_EXTRA_FORM_ACTION",
)  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if found is None:
        raise RuntimeError("nginx is not installed (Debian: apt-get install nginx; `make test` installs it)")
    return found


def max_body_size() -> str:
    """nginx's client_max_body_size for the app's own limit (MAX_UPLOAD_BYTES), in whole kilobytes."""
    from marketplace.config import load_config

    limit = load_config({})["MAX_CONTENT_LENGTH"]
    return f"{limit // (1024 * 1024)}m" if limit % (1024 * 1024) == 0 else f"{-(-limit // 1024)}k"


def render_site(
    *,
    app_servers: list[str],
    listen: str,
    media_origin: str,
    media_prefix: str = "",
    server_name: str = "_",
    server_extra: str = "",
) -> str:
    """deploy/nginx-site.conf.template filled in (string.Template: nginx's own $variables stay)."""
    values = {
        "SERVER_EXTRA": server_extra,
        "APP_SERVERS": "\n".join(f"    server {address};" for address in app_servers),
        "LISTEN": listen,
        "SERVER_NAME": server_name,
        "CLIENT_MAX_BODY_SIZE": max_body_size(),
        "MEDIA_ORIGIN": media_origin.rstrip("/"),
        "MEDIA_KEY_PREFIX": f"{media_prefix.strip('/')}/" if media_prefix.strip("/") else "",
    }
    text = TEMPLATE.read_text()
    body = text[text.index("\nupstream ") + 1 :]  # the template's own notes stay in the template
    filled = string.Template(body).safe_substitute(values)
    return "# Rendered from deploy/nginx-site.conf.template.\n\n" + filled


#: deploy/nginx.production.conf: the template for a district's proxy machine (TLS by Let's Encrypt),
#: two app servers on the private network, pictures from an S3 bucket in Jakarta.
PRODUCTION_HEADER = """\
# Written by `python -m deploy.topology production-example` from deploy/nginx-site.conf.template:
# change the template, then write this file again (tests/infra/test_topology.py checks they agree).
#
# /etc/nginx/sites-available/pasar on the proxy machine, for two app servers (10.0.0.11 and 10.0.0.12,
# each running `gunicorn -c gunicorn.conf.py wsgi:app` with BIND=<its private address>:8000 and
# FORWARDED_ALLOW_IPS=10.0.0.10, this machine's private address) and pictures in an S3 bucket.

server {
    listen 80;
    listen [::]:80;
    server_name pasar.kabat.example;
    location /.well-known/acme-challenge/ { root /var/www/html; }
    location / { return 301 https://$host$request_uri; }
}

"""
_PRODUCTION_TLS = """\
    listen [::]:443 ssl http2;
    ssl_certificate /etc/letsencrypt/live/pasar.kabat.example/fullchain.pem;
    ssl_certificate_key /etc/letsencrypt/live/pasar.kabat.example/privkey.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;"""


def production_example() -> str:
    """The text of deploy/nginx.production.conf."""
    return PRODUCTION_HEADER + render_site(
        app_servers=["10.0.0.11:8000", "10.0.0.12:8000"],
        listen="443 ssl http2",
        server_name="pasar.kabat.example",
        media_origin="https://pasar-kabat-media.s3.ap-southeast-3.amazonaws.com",
        media_prefix="",
        server_extra=_PRODUCTION_TLS,
    )


_MAIN_CONF = """\
# Written by deploy/topology.py: a private nginx (no root paths) around the site file beside it.
${USER}worker_processes ${WORKER_PROCESSES};
pid ${DIR}/nginx.pid;
error_log ${DIR}/nginx-error.log warn;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log ${ACCESS_LOG};
    sendfile on;
    keepalive_timeout 65;
    client_body_temp_path ${DIR}/tmp/body;
    proxy_temp_path ${DIR}/tmp/proxy;
    fastcgi_temp_path ${DIR}/tmp/fastcgi;
    uwsgi_temp_path ${DIR}/tmp/uwsgi;
    scgi_temp_path ${DIR}/tmp/scgi;
    include ${DIR}/site.conf;
}
"""


class Process:
    """A child process with its log file, stopped by its own pid (and process group)."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log_path: Path):
        self.name = name
        self.log_path = log_path
        self._log = log_path.open("w")
        self.proc = subprocess.Popen(
            argv, cwd=REPO, env=env, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def check(self) -> None:
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited ({self.proc.returncode}):\n{self.log()[-3000:]}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def signal(self, sig: int) -> None:
        """To the master alone: gunicorn and nginx stop their own workers."""
        if self.proc.poll() is None:
            self.proc.send_signal(sig)

    def wait(self, timeout: float = 20) -> None:
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # a worker left behind (its own process group)
        except (ProcessLookupError, PermissionError):
            pass
        self._log.close()


def http_get(port: int, path: str, timeout: float = 5) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def wait_until_answering(process: Process, port: int, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        process.check()
        try:
            if http_get(port, path) < 500:
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(
                f"{process.name} did not answer {path} within {timeout:.0f} s:\n{process.log()[-3000:]}"
            )
        time.sleep(0.05)


def create_database(name: str, *, recreate: bool = False) -> str:
    """A database of the topology's own on the machine's PostgreSQL; returns its URL."""
    import sqlalchemy as sa

    engine = sa.create_engine(POSTGRES_ADMIN, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        if recreate:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    engine.dispose()
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"


def forget_redis_keys(redis_url: str) -> None:
    """Remove what the app wrote in the topology's Redis database (its keys only; never a flush)."""
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        for pattern in REDIS_KEY_PATTERNS:
            keys = list(client.scan_iter(match=pattern, count=1000))
            for start in range(0, len(keys), 500):
                client.delete(*keys[start : start + 500])
    finally:
        client.close()


class Topology:
    """nginx + `instances` × gunicorn (+ moto's S3 server) on free local ports; a context manager.

    `database_url` must name a PostgreSQL database of the caller's own (schema built here by
    `flask db upgrade` unless `migrate=False`). `env` adds settings for every instance.
    """

    def __init__(
        self,
        database_url: str,
        *,
        instances: int = 2,
        workers: int = 2,
        threads: int = 1,
        redis_url: str = DEFAULT_REDIS_URL,
        env: dict[str, str] | None = None,
        access_log: bool = True,
        migrate: bool = True,
        proxy_port: int | None = None,
        workdir: Path | None = None,
    ):
        self.database_url = database_url
        self.instances = instances
        self.workers = workers
        self.threads = threads
        self.redis_url = redis_url
        self.extra_env = dict(env or {})
        self.access_log = access_log
        self.migrate = migrate
        self.proxy_port = proxy_port or free_port()
        self.app_ports = [free_port() for _ in range(instances)]
        self.s3_port = free_port()
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="pasar-topology-"))
        self.processes: list[Process] = []
        self.apps: list[Process] = []
        self.nginx: Process | None = None
        self.env = self._app_env()

    # ------------------------------------------------------------ addresses

    @property
    def proxy_url(self) -> str:
        return f"http://127.0.0.1:{self.proxy_port}"

    @property
    def s3_endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def _app_env(self) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if k not in _OWN_SETTINGS}
        return {
            **base,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            # One key for all instances: a session cookie signed by one is read by the others.
            "SECRET_KEY": secrets.token_hex(32),
            "PUBLIC_BASE_URL": self.proxy_url,
            "MEDIA_S3_BUCKET": BUCKET,
            "MEDIA_S3_ENDPOINT_URL": self.s3_endpoint,
            "MEDIA_S3_REGION": "us-east-1",
            "MEDIA_S3_PREFIX": MEDIA_PREFIX,
            # Pages link pictures through the proxy, which fetches them from the bucket.
            "MEDIA_S3_PUBLIC_URL": f"{self.proxy_url}/media",
            # The local S3 server's dummy credentials (boto3 needs some); real ones come from the host.
            "AWS_ACCESS_KEY_ID": "pasar-topology",
            "AWS_SECRET_ACCESS_KEY": "pasar-topology-secret",  # noqa: S105 - moto's, not a secret
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": "/nonexistent/aws-config",
            "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
            "MEDIA_ROOT": str(self.workdir / "media-unused"),
            "OUTBOX_DIR": str(self.workdir / "outbox"),
            # nginx is the one proxy in front: its X-Forwarded-For hop is trusted (TRUSTED_PROXIES),
            # and gunicorn takes X-Forwarded-Proto from it (FORWARDED_ALLOW_IPS).
            "TRUSTED_PROXIES": "1",
            "FORWARDED_ALLOW_IPS": "127.0.0.1",
            "WEB_CONCURRENCY": str(self.workers),
            "GUNICORN_THREADS": str(self.threads),
            "GUNICORN_ACCESS_LOG": "-" if self.access_log else "",
            "GUNICORN_LOG_LEVEL": "warning",
            "GUNICORN_GRACEFUL_TIMEOUT": "5",  # requests in flight at Ctrl-C get 5 s
            # Demo data and test accounts (cheap password hashes, example.test addresses) are what
            # production refuses; a real deployment sets MARKETPLACE_ENV=production (the default of
            # a bare gunicorn start, see gunicorn.conf.py).
            "MARKETPLACE_ENV": "development",
            **self.extra_env,
        }

    # ------------------------------------------------------------ start and stop

    def __enter__(self) -> Topology:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start every process without waiting for them (a caller may build its data meanwhile)."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        forget_redis_keys(self.redis_url)  # a run stopped by force may have left some
        self._spawn("s3", [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(self.s3_port)])
        for index, port in enumerate(self.app_ports, start=1):
            app = self._spawn(
                f"app{index}",
                [str(BIN / "gunicorn"), "-c", str(REPO / "gunicorn.conf.py"), "wsgi:app"],
                env={**self.env, "PORT": str(port), "HOST": "127.0.0.1"},
            )
            self.apps.append(app)
        self._start_nginx()
        if self.migrate:  # while the workers boot: they touch no table before a request
            self.flask("db", "upgrade")

    def wait_ready(self) -> None:
        """Until the bucket exists and every instance and the proxy answer /healthz."""
        wait_until_answering(self.processes[0], self.s3_port, "/", timeout=30)
        self._create_bucket()
        for app, port in zip(self.apps, self.app_ports, strict=True):
            wait_until_answering(app, port, "/healthz")
        wait_until_answering(self.nginx, self.proxy_port, "/healthz")

    def stop(self) -> None:
        # All at once, then wait: SIGTERM is a graceful stop for gunicorn, nginx's fast one.
        for process in self.processes:
            process.signal(signal.SIGTERM)
        for process in self.processes:
            process.wait()
        self.processes.clear()
        self.apps.clear()
        try:
            forget_redis_keys(self.redis_url)
        except OSError:
            pass
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    def _spawn(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> Process:
        process = Process(name, argv, env=env or self.env, log_path=self.workdir / f"{name}.log")
        self.processes.append(process)
        return process

    def flask(self, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        """`flask --app wsgi <args>` with the instances' settings (as a cron job on one of them would)."""
        return subprocess.run(
            [str(BIN / "flask"), "--app", "wsgi", *args],
            cwd=REPO, env=self.env, capture_output=True, text=True, check=check, timeout=timeout,
        )  # fmt: skip

    def _create_bucket(self) -> None:
        import boto3

        client = boto3.client(
            "s3", endpoint_url=self.s3_endpoint, region_name="us-east-1",
            aws_access_key_id=self.env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.env["AWS_SECRET_ACCESS_KEY"],
        )  # fmt: skip
        client.create_bucket(Bucket=BUCKET)
        # As the README asks of a real bucket: anyone may read pictures, nothing else (evidence stays
        # under private/, read by the app with its credentials).
        public = [f"arn:aws:s3:::{BUCKET}/{MEDIA_PREFIX}/{folder}/*" for folder in ("products", "public")]
        policy = {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": public}
            ],
        }
        client.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(policy))

    def _start_nginx(self) -> None:
        site = render_site(
            app_servers=[f"127.0.0.1:{port}" for port in self.app_ports],
            listen=f"127.0.0.1:{self.proxy_port}",
            media_origin=f"{self.s3_endpoint}/{BUCKET}",
            media_prefix=MEDIA_PREFIX,
        )
        (self.workdir / "site.conf").write_text(site)
        running_as_root = os.geteuid() == 0
        main = string.Template(_MAIN_CONF).substitute(
            DIR=str(self.workdir),
            # A root master hands requests to unprivileged workers, which must reach the temp files.
            USER="user nobody nogroup;\n" if running_as_root else "",
            WORKER_PROCESSES="auto",
            ACCESS_LOG=f"{self.workdir}/nginx-access.log" if self.access_log else "off",
        )
        (self.workdir / "nginx.conf").write_text(main)
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.workdir / "tmp" / name).mkdir(parents=True, exist_ok=True)
        if running_as_root:
            self.workdir.chmod(0o755)
            for path in (self.workdir / "tmp", *(self.workdir / "tmp").iterdir()):
                path.chmod(0o777)
        argv = [nginx_binary(), "-p", str(self.workdir), "-c", str(self.workdir / "nginx.conf")]
        test = subprocess.run([*argv, "-t", "-q"], capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{test.stderr}")
        self.nginx = self._spawn("nginx", [*argv, "-g", "daemon off;"])

    def describe(self) -> str:
        lines = [
            f"proxy (nginx)   {self.proxy_url}",
            *(f"app {i} (gunicorn) http://127.0.0.1:{port}" for i, port in enumerate(self.app_ports, 1)),
            f"S3 (moto)       {self.s3_endpoint}/{BUCKET}/{MEDIA_PREFIX}/",
            f"PostgreSQL      {self.database_url}",
            f"Redis           {self.redis_url}",
            f"logs and config {self.workdir}",
        ]
        return "\n".join(lines)


def main() -> int:
    """`make topology`: a fresh demo on two instances behind nginx, until Ctrl-C."""
    port = int(os.environ.get("PORT", "8080"))
    database = os.environ.get("TOPOLOGY_DATABASE", "pasar_topology")
    print(f"Recreating PostgreSQL database {database}: the bucket lives in memory, so both start fresh")
    url = create_database(database, recreate=True)
    topology = Topology(url, proxy_port=port, workdir=REPO / "instance" / "topology")
    with topology:
        print("Loading the demo data (pictures go to the bucket; a minute or two)…")
        topology.flask("seed-demo", "--if-empty", timeout=900)
        print(topology.describe())
        print(f"\nOpen {topology.proxy_url}/ — Ctrl-C stops everything.")
        try:
            while True:
                for process in topology.processes:
                    process.check()
                time.sleep(1)
        except KeyboardInterrupt:
            print("\nStopping…")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] == ["production-example"]:
        sys.stdout.write(production_example())
        raise SystemExit(0)
    raise SystemExit(main())
