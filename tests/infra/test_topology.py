"""Several app servers: nginx in front of two gunicorn instances sharing PostgreSQL, Redis and S3.

This module starts its own servers because what it proves exists only between processes: a price
changed through one instance showing on the other's next request (the page cache of each), a session,
a cart and rate limits that hold across instances, a photo uploaded through one and shown through the
other, and nginx spreading requests over both and keeping slow uploads away from their workers. The
topology (deploy/topology.py: nginx with deploy/nginx-site.conf.template, two `gunicorn -c
gunicorn.conf.py wsgi:app` of one worker × two threads, moto's S3 server, a PostgreSQL database and a
Redis database number of this module's own) is started once for the module (its rows are written
while the instances boot) and stopped at its end: the whole module took 6–15 s on the shared 2-core
machine. PostgreSQL only: several machines share a database server, not a file.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser

import boto3
import pytest
import redis
import requests
import sqlalchemy as sa

from deploy import topology as topo
from marketplace import create_app
from marketplace.catalogue.models import ProductStatus
from marketplace.config import load_config
from marketplace.extensions import db
from tests.factories import TEST_PASSWORD, make_cluster, make_product, make_seller, make_user, make_village
from tests.media import samples
from tests.scratch_redis import scratch_redis_url

#: The Redis database of this module (bench: 13, test_cache: 14, test_rate_limits: 15).
LOGIN_LIMIT = 5
DATABASE = (
    os.environ.get("TEST_POSTGRES_DB", "pasar_desa_test")
    + "_topology"
    + (f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else "")
)


def _unavailable(reason: str):
    if os.environ.get("CI"):
        raise RuntimeError(f"{reason} (required in CI: `make test` installs and starts it)")
    pytest.skip(reason)


class Shop:
    """What the module's topology serves: a shop with a live product and a draft, and three people."""

    def __init__(self, **values):
        self.__dict__.update(values)


def _seed(url: str) -> Shop:
    """Schema from the models (tests/test_migrations.py proves the migrations build the same) and rows."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
        session = db.session
        village = make_village(session, name="Tambong", slug="tambong")
        cluster = make_cluster(session, slug="kerajinan", name_id="Kerajinan", name_en="Handicraft")
        owner = make_user(session, email="ani@example.test", name="Ani")
        seller = make_seller(session, user_id=owner.id, village=village, name="Rotan Ani")
        live = make_product(
            session, seller=seller, cluster=cluster, title_id="Keranjang rotan", title_en="Rattan basket",
            price_minor=85_000, stock=10, description_id="Keranjang rotan anyaman tangan dari Tambong.",
            description_en="A rattan basket woven by hand in Tambong.",
        )  # fmt: skip
        draft = make_product(
            session, seller=seller, cluster=cluster, title_id="Tikar pandan", title_en="Pandan mat",
            status=ProductStatus.DRAFT, published_at=None,
        )  # fmt: skip
        make_user(session, email="curator@example.test", name="Kurator", is_curator=True)
        make_user(session, email="buyer@example.test", name="Pembeli Satu")
        session.commit()
        shop = Shop(
            product_id=live.id, product_path=f"/products/{live.id}-{live.slug}", draft_id=draft.id,
            product_title=live.title_en, product_title_id=live.title_id,
        )  # fmt: skip
        db.session.remove()
        db.engine.dispose()
    return shop


@pytest.fixture(scope="module")
def stack():
    """The running topology and what it serves; started once for the module."""
    try:
        topo.nginx_binary()
    except RuntimeError as error:
        _unavailable(str(error))
    try:
        url = topo.create_database(DATABASE, recreate=True)
    except sa.exc.OperationalError:
        _unavailable("PostgreSQL is not reachable at 127.0.0.1:5432")
    env = {"LOGIN_RATE_LIMIT": f"{LOGIN_LIMIT} per minute", "PAGE_CACHE_ENABLED": "1"}
    redis_url = scratch_redis_url(11)
    running = topo.Topology(url, workers=1, threads=2, redis_url=redis_url, env=env, migrate=False)
    try:
        running.launch()
        running.shop = _seed(url)  # while the instances boot
        running.wait_ready()
        running.a, running.b = (f"http://127.0.0.1:{port}" for port in running.app_ports)
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request):
    """Each test starts with no login attempts counted (they are per minute, shared by all tests)."""
    if "stack" not in request.fixturenames:
        return
    request.getfixturevalue("stack")
    client = redis.Redis.from_url(scratch_redis_url(11))
    keys = [key for pattern in ("LIMITS:*", "LIMITER*") for key in client.scan_iter(match=pattern)]
    if keys:
        client.delete(*keys)
    client.close()


# ---------------------------------------------------------------- a visitor with one cookie jar


class _Forms(HTMLParser):
    """Each form's action and the fields a browser would send as the page stands."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, dict[str, str]]] = []
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append((a.get("action", ""), {}))
            return
        if not self.forms:
            return
        fields = self.forms[-1][1]
        kind = a.get("type", "text").lower()
        if tag == "input" and a.get("name") and kind not in ("submit", "button", "image", "file"):
            if kind not in ("checkbox", "radio") or "checked" in a:
                fields[a["name"]] = a.get("value", "on" if kind in ("checkbox", "radio") else "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and ("selected" in a or self._select not in fields):
            fields[self._select] = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = a["name"]
            fields[self._textarea] = ""

    def handle_data(self, data):
        if self._textarea and self.forms:
            fields = self.forms[-1][1]
            # A browser drops the newline that follows <textarea> right away.
            if not fields[self._textarea]:
                data = data.removeprefix("\r\n").removeprefix("\n")
            fields[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def form(html: str, action: str) -> dict[str, str]:
    """The fields of the page's form posting to `action` (path, or its end)."""
    parser = _Forms()
    parser.feed(html)
    for found, fields in parser.forms:
        if found.split("?")[0].endswith(action):
            return dict(fields)
    raise AssertionError(f"no form posting to {action}; forms: {[f for f, _ in parser.forms]}")


def visitor() -> requests.Session:
    """One browser: its cookies are the host's (127.0.0.1), whichever server or port it talks to."""
    browser = requests.Session()
    browser.headers["Accept-Language"] = "en"
    return browser


def log_in(browser: requests.Session, base: str, email: str, password: str = TEST_PASSWORD) -> int:
    """Post the login form on `base`; the status, with a successful login as 303."""
    page = browser.get(f"{base}/account/login")
    fields = form(page.text, "/account/login")
    fields.update(email=email, password=password)
    response = browser.post(f"{base}/account/login", data=fields, allow_redirects=False)
    if response.status_code in (302, 303) and "/login" not in response.headers["Location"]:
        return 303
    return response.status_code


def page_text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---------------------------------------------------------------- the proxy


def _served_by(stack, marker: str) -> list[int]:
    return [app.log().count(marker) for app in stack.apps]


@pytest.mark.slow  # the module's servers start with its first test (for xdist's ordering)
def test_requests_through_nginx_reach_both_instances(stack):
    marker = f"probe-{secrets.token_hex(4)}"
    for n in range(12):
        assert requests.get(f"{stack.proxy_url}/healthz?{marker}={n}", timeout=10).status_code == 200
    deadline = time.monotonic() + 5
    while sum(_served_by(stack, marker)) < 12 and time.monotonic() < deadline:
        time.sleep(0.05)  # access log lines are written just after each response
    counts = _served_by(stack, marker)
    assert sum(counts) == 12 and min(counts) >= 3, counts


def test_the_proxy_sets_the_forwarded_headers_and_the_upload_limit(stack):
    site = (stack.workdir / "site.conf").read_text()
    app_limit = load_config({})["MAX_CONTENT_LENGTH"]  # MAX_UPLOAD_BYTES's default
    assert f"client_max_body_size {app_limit // (1024 * 1024)}m;" in site
    assert "proxy_request_buffering on;" in site
    # The app builds absolute links from the host and scheme nginx passed on: the proxy's own.
    page = requests.get(f"{stack.proxy_url}{stack.shop.product_path}", timeout=10).text
    assert f'rel="canonical" href="{stack.proxy_url}{stack.shop.product_path}' in page
    # nginx adds the address it saw to X-Forwarded-For (the instances' access log starts with it).
    marker = f"xff-{secrets.token_hex(4)}"
    sent = {"X-Forwarded-For": "203.0.113.9"}
    requests.get(f"{stack.proxy_url}/healthz?{marker}", headers=sent, timeout=10)
    deadline = time.monotonic() + 5
    while not any(marker in app.log() for app in stack.apps) and time.monotonic() < deadline:
        time.sleep(0.05)
    lines = [line for app in stack.apps for line in app.log().splitlines() if marker in line]
    assert lines and lines[0].startswith("203.0.113.9, 127.0.0.1 "), lines
    # Over the app's limit: nginx answers 413 before an instance sees a byte.
    too_big = requests.post(
        f"{stack.proxy_url}/cart/add", data=b"x" * (app_limit + 1024),
        headers={"Content-Type": "application/octet-stream"}, timeout=10,
    )  # fmt: skip
    assert too_big.status_code == 413


def test_slow_uploads_wait_in_nginx_not_in_an_app_worker(stack):
    """More half-sent uploads than the instances have threads (2 × 2): pages still answer at once."""
    slow = []
    try:
        for _ in range(6):
            sock = socket.create_connection(("127.0.0.1", stack.proxy_port), timeout=5)
            sock.sendall(
                b"POST /cart/add HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 200000\r\n\r\n"
                + b"q"
                * 10_000
            )
            slow.append(sock)
        time.sleep(0.2)  # were they passed on unbuffered, each would now hold a worker thread
        began = time.monotonic()
        for _ in range(4):
            assert requests.get(f"{stack.proxy_url}/healthz", timeout=3).status_code == 200
        assert time.monotonic() - began < 2
    finally:
        for sock in slow:
            sock.close()


# ---------------------------------------------------------------- what the instances share


def test_a_price_change_through_one_instance_shows_on_the_others_next_request(stack):
    shop = stack.shop
    anonymous = f"{stack.b}{shop.product_path}?lang=en"
    first = requests.get(anonymous, timeout=10)
    again = requests.get(anonymous, timeout=10)
    assert first.status_code == again.status_code == 200
    assert again.headers.get("X-Cache") == "HIT"  # instance B now answers from the cache
    assert "85,000" in page_text(again.text)

    seller = visitor()
    assert log_in(seller, stack.a, "ani@example.test") == 303
    edit = seller.get(f"{stack.a}/seller/products/{shop.product_id}")
    fields = form(edit.text, f"/seller/products/{shop.product_id}")
    fields["price"] = "92500"
    saved = seller.post(f"{stack.a}/seller/products/{shop.product_id}", data=fields, allow_redirects=False)
    assert saved.status_code == 303, page_text(saved.text)[:500]

    curator = visitor()
    assert log_in(curator, stack.a, "curator@example.test") == 303
    review = curator.get(f"{stack.a}/curator/products/{shop.product_id}")
    decision = form(review.text, f"/curator/products/{shop.product_id}/decision")
    decided = curator.post(
        f"{stack.a}/curator/products/{shop.product_id}/decision", data={**decision, "decision": "approve"},
        allow_redirects=False,
    )  # fmt: skip
    assert decided.status_code == 303

    after = requests.get(anonymous, timeout=10)  # B's very next request
    assert after.status_code == 200 and after.headers.get("X-Cache") != "HIT"
    text = page_text(after.text)
    assert "92,500" in text and "85,000" not in text


def test_a_cart_and_a_session_are_shared_and_logging_out_ends_both(stack):
    shop = stack.shop
    buyer = visitor()
    product = buyer.get(f"{stack.a}{shop.product_path}")
    fields = {**form(product.text, "/cart/add"), "quantity": "2"}
    added = buyer.post(f"{stack.a}/cart/add", data=fields, allow_redirects=False)
    assert added.status_code in (302, 303)
    cart = buyer.get(f"{stack.b}/cart")
    assert cart.status_code == 200 and shop.product_title in page_text(cart.text)

    assert log_in(buyer, stack.a, "buyer@example.test") == 303
    account = buyer.get(f"{stack.b}/account/", allow_redirects=False)
    assert account.status_code == 200 and "buyer@example.test" in account.text
    # The guest cart merged into the account's at login (the account reads Indonesian).
    assert shop.product_title_id in page_text(buyer.get(f"{stack.b}/cart").text)

    logout = buyer.post(
        f"{stack.b}/account/logout", data=form(account.text, "/account/logout"), allow_redirects=False
    )
    assert logout.status_code in (302, 303)
    assert buyer.get(f"{stack.a}/account/", allow_redirects=False).status_code in (302, 303)


def test_login_attempts_are_counted_across_instances(stack):
    """Wrong passwords sent to A and B in turn: the limit is reached as if there were one server."""
    browser = visitor()
    statuses = []
    for attempt in range(LOGIN_LIMIT + 1):
        base = (stack.a, stack.b)[attempt % 2]
        statuses.append(log_in(browser, base, "buyer@example.test", password="wrong password"))
    assert statuses[:LOGIN_LIMIT] == [400] * LOGIN_LIMIT  # the form again, with its message
    assert statuses[LOGIN_LIMIT] == 429


def test_a_photo_uploaded_through_one_instance_is_shown_through_the_other(stack):
    shop = stack.shop
    seller = visitor()
    assert log_in(seller, stack.a, "ani@example.test") == 303
    photos = f"/seller/products/{shop.draft_id}/photos"
    edit = seller.get(f"{stack.a}/seller/products/{shop.draft_id}")
    uploaded = seller.post(
        f"{stack.a}{photos}", data=form(edit.text, photos),
        files={"photo": ("pandan.jpg", samples.jpeg(800, 600), "image/jpeg")}, allow_redirects=False,
    )  # fmt: skip
    assert uploaded.status_code == 303, page_text(uploaded.text)[:500]

    page = seller.get(f"{stack.b}/seller/products/{shop.draft_id}").text
    prefix = f"{stack.proxy_url}/media/{topo.MEDIA_PREFIX}/products/"
    urls = sorted(set(re.findall(re.escape(prefix) + r"[\w.-]+\.webp", page)))
    assert urls, "instance B shows no picture from the bucket"
    picture = requests.get(urls[0], timeout=10)  # through nginx, from the bucket
    assert picture.status_code == 200 and picture.headers["Content-Type"] == "image/webp"
    assert picture.content[:4] == b"RIFF" and picture.content[8:12] == b"WEBP"
    assert "immutable" in picture.headers["Cache-Control"]

    s3 = boto3.client(
        "s3", endpoint_url=stack.s3_endpoint, region_name="us-east-1",
        aws_access_key_id=stack.env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=stack.env["AWS_SECRET_ACCESS_KEY"],
    )  # fmt: skip
    key = urls[0][len(f"{stack.proxy_url}/media/") :]
    assert s3.head_object(Bucket=topo.BUCKET, Key=key)["ContentType"] == "image/webp"
    # The proxy is read-only and shows the public prefixes only.
    assert requests.put(urls[0], data=b"not a picture", timeout=10).status_code in (403, 404)
    assert requests.get(urls[0], timeout=10).content == picture.content
    private = f"{stack.proxy_url}/media/{topo.MEDIA_PREFIX}/private/x.pdf"
    assert requests.get(private, timeout=10).status_code == 404
    assert requests.get(f"{prefix}missing-320.webp", timeout=10).status_code == 404


# ---------------------------------------------------------------- jobs and the shipped config


def test_periodic_jobs_run_once_when_every_machine_runs_the_job_runner(stack):
    engine = sa.create_engine(stack.database_url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM job_tasks"))
        with ThreadPoolExecutor(len(stack.apps)) as pool:  # every machine's cron at the same minute
            runs = list(pool.map(lambda _: stack.flask("jobs", "run-due", check=False), stack.apps))
        assert [run.returncode for run in runs] == [0] * len(runs), [run.stderr[-2000:] for run in runs]
        with engine.connect() as connection:
            counts = dict(connection.execute(sa.text("SELECT name, run_count FROM job_tasks")).all())
    finally:
        engine.dispose()
    assert counts and set(counts.values()) == {1}, counts  # each task once, whichever machine ran it


def test_the_production_example_is_the_template_filled_in():
    shipped = (topo.REPO / "deploy" / "nginx.production.conf").read_text()
    assert shipped == topo.production_example(), (
        "deploy/nginx.production.conf is out of date: "
        "python -m deploy.topology production-example > deploy/nginx.production.conf"
    )
    assert "client_max_body_size 12m;" in shipped  # the app's MAX_UPLOAD_BYTES (12,582,912)
    assert "X-Forwarded-Proto $scheme" in shipped and "X-Forwarded-For $proxy_add_x_forwarded_for" in shipped
