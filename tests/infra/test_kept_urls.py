"""URLs are kept once built (MarketplaceFlask.url_for), and requests answer a missing
argument or cookie without raising (MarketplaceRequest): both give what Flask gives."""

from __future__ import annotations

import pytest
from flask import Flask, url_for
from werkzeug.datastructures import ImmutableMultiDict

CASES = [
    ("storefront.product", {"product_id": 7, "slug": "kain-batik"}),
    ("storefront.search", {"q": "kain batik & <kopi>", "page": 2, "sort": "price_asc"}),
    ("storefront.search", {"sort": "price_asc", "q": "batik"}),  # argument order is kept
    ("storefront.search", {"in_stock": True}),
    ("storefront.search", {"in_stock": 1}),  # prints differently from True
    ("storefront.cluster", {"slug": "batik", "page": None}),
    ("static", {"filename": "css/site.css"}),
    ("static", {"filename": "img/no-such-file.png"}),
]


def _flask_url(app, endpoint, values, **options):
    return Flask.url_for(app, endpoint, **options, **values)


@pytest.mark.parametrize("script_root", ["", "/pasar"])
def test_kept_urls_equal_flasks(app, script_root):
    stored = []
    for _ in range(2):  # built, then kept
        with app.test_request_context("/clusters/batik", environ_base={"SCRIPT_NAME": script_root}):
            for endpoint, values in CASES:
                assert url_for(endpoint, **values) == _flask_url(app, endpoint, values)
                assert url_for(endpoint, _external=True, **values) == _flask_url(
                    app, endpoint, values, _external=True
                )
                assert url_for(endpoint, _anchor="x y", **values) == _flask_url(
                    app, endpoint, values, _anchor="x y"
                )
            listed = {"q": ["a", "b"]}  # not hashable: built by Flask each time
            assert url_for("storefront.search", **listed) == _flask_url(app, "storefront.search", listed)
            assert url_for(".search") == _flask_url(app, ".search", {})
        stored.append(app.extensions["kept_urls"].stored)
    assert stored[1] == stored[0]  # the second time every URL was kept


def test_another_host_keeps_its_own_urls(app):
    with app.test_request_context("/", base_url="http://a.example"):
        a = url_for("storefront.home", _external=False)
    with app.test_request_context("/", base_url="http://b.example/root"):
        b = url_for("storefront.home")
    assert (a, b) == ("/", "/root/")


def test_absolute_urls_are_kept_per_host_and_scheme(app):
    built = []
    for base in ("http://a.example", "https://a.example", "http://b.example:8080", "http://a.example"):
        with app.test_request_context("/", base_url=base):
            built.append(url_for("storefront.product", product_id=7, slug="kain", _external=True))
    assert built == [
        "http://a.example/products/7-kain",
        "https://a.example/products/7-kain",
        "http://b.example:8080/products/7-kain",
        "http://a.example/products/7-kain",
    ]
    with app.test_request_context("/", base_url="http://a.example"):
        assert url_for("storefront.product", product_id=7, slug="kain") == "/products/7-kain"


def test_missing_arguments_and_cookies_answer_like_werkzeug(app):
    with app.test_request_context("/search?q=batik&page=x&page=2&empty=", headers={"Cookie": "lang=en"}):
        from flask import request

        plain = ImmutableMultiDict([("q", "batik"), ("page", "x"), ("page", "2"), ("empty", "")])
        for key, default, type_ in [
            ("q", None, None), ("nope", None, None), ("nope", "d", None), ("page", 0, int),
            ("q", 5, int), ("empty", "d", None), ("nope", 3, int),
        ]:  # fmt: skip
            assert request.args.get(key, default, type_) == plain.get(key, default, type_)
        assert request.cookies.get("lang") == "en" and request.cookies.get("currency") is None
        with pytest.raises(KeyError):
            request.args["nope"]
