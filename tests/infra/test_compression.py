"""Gzip of dynamic text responses and of page-cache hits (marketplace.compression)."""

from __future__ import annotations

import gzip
import re
import zlib

import pytest
from flask import Response, request

from marketplace import compression
from marketplace.cache import CSRF_PLACEHOLDER
from tests.factories import make_product

GZIP = {"Accept-Encoding": "gzip, deflate, br"}
_TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _vary(response) -> set[str]:
    return {v.strip() for v in response.headers.get("Vary", "").split(",") if v.strip()}


def _inflate(response) -> bytes:
    data = response.get_data()
    assert response.headers["Content-Encoding"] == "gzip"
    if "Content-Length" in response.headers:  # not known beforehand for a streamed body
        assert int(response.headers["Content-Length"]) == len(data)
    # As a browser's zlib reads it: one gzip member, nothing left over.
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    body = inflater.decompress(data)
    assert inflater.eof and not inflater.unused_data
    return body


# ---------------------------------------------------------------- units


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate, br, zstd", True),
        ("GZIP", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("br", False),
        ("identity", False),
        ("gzip;q=0", False),
        ("gzip;q=0, *", False),
        ("*;q=0", False),
        ("", False),
        (None, False),
    ],
)
def test_accept_encoding_negotiation(header, expected):
    assert compression.accepts_gzip(header) is expected


def test_stored_page_splices_each_token_into_the_precompressed_page():
    body = b"<html>" + b"<p>Batik tulis</p>" * 200 + CSRF_PLACEHOLDER + b"<p>x</p>" * 100
    body += CSRF_PLACEHOLDER + b"</html>"
    stored = compression.pack("text/html", body, CSRF_PLACEHOLDER)
    assert compression.needs_token(stored, CSRF_PLACEHOLDER)
    for token in (b"first.token-A", b"second.token-B" * 10):
        sent, gzipped, varies = compression.hit_body(stored, b"text/html", CSRF_PLACEHOLDER, token, True)
        assert gzipped and varies
        assert gzip.decompress(sent) == body.replace(CSRF_PLACEHOLDER, token)
        plain, gzipped, varies = compression.hit_body(stored, b"text/html", CSRF_PLACEHOLDER, token, False)
        assert plain == body.replace(CSRF_PLACEHOLDER, token) and not gzipped and varies


def test_small_or_binary_bodies_are_stored_as_they_are():
    assert compression.pack("text/html", b"<p>hi</p>", CSRF_PLACEHOLDER) == b"<p>hi</p>"
    assert compression.pack("image/png", b"\x89PNG" * 1000, CSRF_PLACEHOLDER) == b"\x89PNG" * 1000


# ---------------------------------------------------------------- responses


def test_json_api_is_compressed_when_asked_and_not_otherwise(app, session):
    client = app.test_client()
    plain = client.get("/api/v1/openapi.json")
    packed = client.get("/api/v1/openapi.json", headers=GZIP)
    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain.headers
    assert "Accept-Encoding" in _vary(plain) and "Accept-Encoding" in _vary(packed)
    assert _inflate(packed) == plain.get_data()
    assert len(packed.get_data()) < len(plain.get_data()) / 2


def test_html_page_is_compressed(app, session):
    make_product(session, title_en="Batik Kawung")
    session.commit()
    plain = app.test_client().get("/")
    packed = app.test_client().get("/", headers=GZIP)
    assert packed.status_code == 200 and packed.mimetype == "text/html"
    assert _TOKEN.sub("", _inflate(packed).decode()) == _TOKEN.sub("", plain.get_data(as_text=True))


def test_small_bodies_and_head_requests_are_untouched(app, session):
    client = app.test_client()
    small = client.get("/robots.txt", headers=GZIP)
    assert small.status_code == 200 and len(small.get_data()) < compression.MIN_SIZE
    assert "Content-Encoding" not in small.headers and "Accept-Encoding" not in _vary(small)
    head = client.head("/api/v1/openapi.json", headers=GZIP)
    assert head.status_code == 200 and "Content-Encoding" not in head.headers


@pytest.mark.own_app  # adds routes, which only an app that has not served yet accepts
def test_etag_is_weakened_streams_are_gzipped_as_sent_and_304_is_left_alone(app, session):
    text = "<p>" + "kopi robusta " * 200 + "</p>"

    @app.get("/_test/etag")
    def etag_page():
        response = Response(text, mimetype="text/html")
        response.set_etag("v1")
        return response.make_conditional(request)

    @app.get("/_test/stream")
    def stream_page():
        return Response((chunk for chunk in [text, text]), mimetype="text/csv")

    @app.get("/_test/encoded")
    def encoded_page():
        return Response(
            gzip.compress(text.encode()), headers={"Content-Encoding": "gzip"}, mimetype="text/html"
        )

    client = app.test_client()
    tagged = client.get("/_test/etag", headers=GZIP)
    assert tagged.headers["ETag"] == 'W/"v1"' and _inflate(tagged) == text.encode()
    not_modified = client.get("/_test/etag", headers={**GZIP, "If-None-Match": 'W/"v1"'})
    assert not_modified.status_code == 304 and "Content-Encoding" not in not_modified.headers

    streamed = client.get("/_test/stream", headers=GZIP)
    assert "Content-Length" not in streamed.headers
    assert streamed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in _vary(streamed)
    assert _inflate(streamed) == (text * 2).encode()
    plain = client.get("/_test/stream")
    assert "Content-Encoding" not in plain.headers and plain.get_data(as_text=True) == text * 2

    once = client.get("/_test/encoded", headers=GZIP)
    assert gzip.decompress(once.get_data()) == text.encode()  # never twice


# ---------------------------------------------------------------- cached pages


class TestCachedPages:
    @pytest.fixture
    def app_overrides(self):
        return {"PAGE_CACHE_ENABLED": True, "REDIS_URL": None, "WTF_CSRF_ENABLED": True}

    def test_hits_are_compressed_with_each_visitors_own_token(self, app, session):
        product = make_product(session, price_minor=25_000, stock=4)
        session.commit()
        path = f"/products/{product.id}-{product.slug}"
        miss = app.test_client().get(path, headers=GZIP)
        assert miss.headers["X-Cache"] == "MISS"
        miss_html = _inflate(miss).decode()

        fast = app.test_client().get(path, headers=GZIP)  # no cookie: the WSGI fast path
        slow_client = app.test_client()
        slow_client.set_cookie("lang", app.config["BABEL_DEFAULT_LOCALE"])  # through Flask
        slow = slow_client.get(path, headers=GZIP)
        plain = app.test_client().get(path)

        assert fast.headers["X-Cache"] == slow.headers["X-Cache"] == plain.headers["X-Cache"] == "HIT"
        assert "Content-Encoding" not in plain.headers
        for response in (fast, slow, plain):
            assert _vary(response) == {"Accept-Encoding", "Accept-Language", "Cookie"}
        pages = [_inflate(fast).decode(), _inflate(slow).decode(), plain.get_data(as_text=True)]
        tokens = [_TOKEN.search(html).group(1) for html in pages]
        assert len(set(tokens)) == 3 and _TOKEN.search(miss_html).group(1) not in tokens
        assert all("pd-csrf" not in html for html in pages)
        assert {_TOKEN.sub("", html) for html in pages} == {_TOKEN.sub("", miss_html)}

        # The token in a compressed hit is that visitor's own: it adds to their cart.
        visitor = app.test_client()
        hit = visitor.get(path, headers=GZIP)
        token = _TOKEN.search(_inflate(hit).decode()).group(1)
        added = visitor.post(
            "/cart/add", data={"csrf_token": token, "product_id": product.id, "quantity": "1", "next": path}
        )
        assert added.status_code in (302, 303)

    def test_fast_and_flask_hits_send_the_same_headers(self, app, session):
        product = make_product(session, stock=4)
        session.commit()
        path = f"/products/{product.id}-{product.slug}"
        app.test_client().get(path)
        fast = app.test_client().get(path, headers=GZIP)
        slow_client = app.test_client()
        slow_client.set_cookie("lang", app.config["BABEL_DEFAULT_LOCALE"])
        slow = slow_client.get(path, headers=GZIP)
        ignore = {"Set-Cookie", "Content-Length"}  # token lengths differ by a byte or so
        assert {k: v for k, v in fast.headers.items() if k not in ignore} == {
            k: v for k, v in slow.headers.items() if k not in ignore
        }
