"""The issue's yardstick for 25 % of the ceiling: a lean Flask + Flask-SQLAlchemy + Jinja cluster listing.

Issue 16 measured "a lean Flask + SQLAlchemy listing of 24 rows" at 410–500 req/s against the
ceiling's 1,710 (24–29 %) and set 25 % for the cluster and product pages. This is such a listing,
on the bench's own catalogue (`DATABASE_URL`, bench/run.py's `pd_bench`): per request one ORM-free
SELECT of a cluster's 24 newest public products with their shop and desa, prices written as
rupiah, a page with a header, a grid of cards and a footer, autoescaped. What it leaves out is what
the marketplace's page does besides: two languages, the visitor's currency and country, sessions and
CSRF tokens, hearts, filters and sorts, the pager, security headers, images' srcset, breadcrumbs,
the kept rows' invalidation. `bench/lean_listing.py` serves it beside the marketplace and the
ceiling under the same gunicorn settings.
"""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, abort
from flask_sqlalchemy import SQLAlchemy

app = Flask(__name__)
app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
db = SQLAlchemy(app)

_LISTING = sa.text(
    """
    SELECT p.id, p.slug, p.title_id, p.price_minor, p.stock, s.name AS shop, v.name AS village
    FROM products p
    JOIN clusters c ON c.id = p.cluster_id
    JOIN sellers s ON s.id = p.seller_id
    LEFT JOIN regions v ON v.id = p.village_id
    WHERE c.slug = :slug AND p.status = 'active' AND s.status = 'approved'
    ORDER BY p.published_at DESC, p.id DESC
    LIMIT 24
    """
)

_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ slug|title }} – Pasar Desa Kabat</title><link rel="stylesheet" href="/static/app.css"></head>
<body><header class="site"><a class="brand" href="/">Pasar Desa Kabat</a>
<form class="search" action="/search"><input name="q" aria-label="Cari produk"><button>Cari</button></form>
<a href="/cart">Keranjang</a></header>
<main><h1>{{ slug|title }}</h1><p>{{ products|length }} produk</p><ul class="grid">
{% for p in products %}<li class="card"><a href="/products/{{ p.id }}-{{ p.slug }}">
<img src="/media/products/{{ p.id }}/card.webp" alt="" width="320" height="320" loading="lazy">
<h2>{{ p.title_id }}</h2></a>
<p class="price">Rp {{ "{:,}".format(p.price_minor).replace(",", ".") }}</p>
<p class="stock">{% if p.stock %}Stok tersedia{% else %}Stok habis{% endif %}</p>
<p class="maker">{{ p.shop }}{% if p.village %} · {{ p.village }}{% endif %}</p></li>
{% endfor %}</ul></main>
<footer><p>Pasar Desa Kabat · Produk buatan desa-desa di kecamatan Kabat, Banyuwangi</p></footer>
</body></html>
"""


#: Compiled once, as `render_template` keeps a template file (`render_template_string` compiles on each call).
_TEMPLATE = app.jinja_env.from_string(_PAGE)


@app.get("/clusters/<slug>")
def cluster(slug: str):
    products = db.session.execute(_LISTING, {"slug": slug}).all()
    if not products:
        abort(404)
    return _TEMPLATE.render(slug=slug, products=products)
