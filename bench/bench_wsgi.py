"""Two variants of the marketplace for `bench/run.py --cache on|off` (bench only).

`--cache default` serves the production entry point (wsgi.py) as it is configured. These variants
make the comparison explicit: `cached` wraps every public catalogue page in `cache_public_page`
(those the views do not already wrap), `uncached` turns the page cache off altogether.
"""

from __future__ import annotations

from marketplace import create_app
from marketplace.cache import cache_public_page

PUBLIC_ENDPOINTS = (
    "storefront.home",
    "storefront.cluster",
    "storefront.village",
    "storefront.seller",
    "storefront.product",
    "storefront.search",
)


def _cached():
    app = create_app({"PAGE_CACHE_ENABLED": True})
    for endpoint in PUBLIC_ENDPOINTS:
        view = app.view_functions.get(endpoint)
        if view is not None and not getattr(view, "page_cached", False):
            app.view_functions[endpoint] = cache_public_page(view)
    return app


def __getattr__(name: str):
    # Build only the variant gunicorn asks for (`bench_wsgi:cached` or `bench_wsgi:uncached`).
    if name == "cached":
        return _cached()
    if name == "uncached":
        return create_app({"PAGE_CACHE_ENABLED": False})
    raise AttributeError(name)
