"""The ceiling: a minimal Flask app returning a constant HTML page of a requested size.

Run under the same gunicorn settings as the marketplace, it shows what the server, the network
stack and Flask itself cost; bench/run.py prints each real page's throughput as a share of this.
`GET /<size>` returns `size` bytes of HTML (built once per size, then served from memory).
"""

from __future__ import annotations

from flask import Flask, Response

app = Flask(__name__)
_pages: dict[int, bytes] = {}


def _page(size: int) -> bytes:
    head = b'<!doctype html><html lang="id"><head><meta charset="utf-8"><title>ceiling</title></head><body>'
    tail = b"</body></html>\n"
    filler = max(0, size - len(head) - len(tail))
    return head + (b"x" * filler) + tail


@app.get("/<int:size>")
def constant(size: int) -> Response:
    size = min(size, 2_000_000)
    body = _pages.get(size)
    if body is None:
        body = _pages.setdefault(size, _page(size))
    return Response(body, mimetype="text/html")
