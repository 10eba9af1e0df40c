"""Sitemaps opened in a browser: a policy that lets its own XML viewer style the file, while pages
keep theirs and every response keeps the other security headers."""

from __future__ import annotations

from marketplace.web import SECURITY_HEADERS


def test_sitemaps_get_their_own_policy_and_pages_keep_theirs(client, session):
    page = client.get("/?lang=en")
    assert "style-src 'self'" in page.headers["Content-Security-Policy"]
    for url in ("/sitemap.xml", "/sitemaps/pages.xml", "/sitemaps/products-1.xml"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/xml"
        policy = response.headers["Content-Security-Policy"]
        assert policy.startswith("default-src 'none'") and "style-src 'unsafe-inline'" in policy
        assert "img-src data:;" in policy
        assert "script-src" not in policy  # scripts stay blocked by default-src 'none'
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value
