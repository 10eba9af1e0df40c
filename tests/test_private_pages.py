"""`Cache-Control: private, no-store` on every response that depends on who asks (web.py's rule).

The test walks every route of `app.url_map` as an anonymous visitor, a buyer, a seller and a
curator: GET each route with ordinary arguments, then POST each POST route with an empty form. A
logged-in visitor's responses are all personal (the header names them), except the few a view
declares `public` because they are the same for everyone; an anonymous visitor's responses under
the personal paths (account, cart, checkout, orders, seller, curator, payments) are personal too,
while the public pages the page cache serves keep their caching.
"""

from __future__ import annotations

import pytest

from marketplace.web import PERSONAL_PATHS
from tests.factories import make_user
from tests.login import logged_in_as
from tests.test_boundary_fuzz import SKIPPED_ENDPOINTS, _default_args, _url, shop  # noqa: F401

#: Views that declare their response the same for everyone (`public`): the JSON API, the sitemap,
#: the robots file and product pictures.
PUBLIC_FOR_EVERYONE = ("api.", "site.sitemap", "site.robots", "media.serve")


def _private(response) -> bool:
    directives = response.cache_control
    return bool(directives.private and directives.no_store)


def _personal_path(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in PERSONAL_PATHS)


def _rules(app, method: str):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if method in rule.methods and rule.endpoint not in SKIPPED_ENDPOINTS:
            yield rule


def test_every_personal_response_is_private_and_never_stored(app, session, shop):  # noqa: F811
    """About 500 requests, on both databases like every test that has one: each route answers for
    real (a query that fails only on PostgreSQL would show here as a 500 first)."""
    buyer = make_user(session, email="pembeli@example.test")
    session.commit()
    users = {"anonymous": None, "buyer": buyer, "seller": shop.seller_user, "curator": shop.curator}
    failures: list[str] = []
    public_pages_seen = 0

    def client_for(role: str):
        client = app.test_client()
        if users[role] is not None:
            logged_in_as(client, users[role])
        return client

    def check(role: str, method: str, rule, url: str, response) -> None:
        nonlocal public_pages_seen
        shared = response.cache_control.public
        if role != "anonymous" or _personal_path(url):
            if shared and not rule.endpoint.startswith(PUBLIC_FOR_EVERYONE):
                failures.append(f"{role} {method} {url}: public ({response.headers['Cache-Control']})")
            elif not shared and not _private(response):
                failures.append(
                    f"{role} {method} {url} {response.status_code}: {response.headers.get('Cache-Control')}"
                )
        elif getattr(app.view_functions[rule.endpoint], "page_cached", False) and response.status_code == 200:
            public_pages_seen += 1
            if response.cache_control.no_store or response.cache_control.private:
                failures.append(f"anonymous {method} {url}: a public page marked private")

    for role in users:
        client = client_for(role)
        for rule in _rules(app, "GET"):
            url = _url(rule, _default_args(shop, rule.endpoint))
            if role == "anonymous":
                client = client_for(role)  # a first visit: no flash or cart left by the last page
            response = client.get(url)
            response.close()
            check(role, "GET", rule, url, response)
        for rule in _rules(app, "POST"):
            url = _url(rule, _default_args(shop, rule.endpoint))
            response = client.post(url, data={})
            response.close()
            check(role, "POST", rule, url, response)
            if users[role] is not None:
                logged_in_as(client, users[role])  # in case that POST logged out or changed the session
    assert public_pages_seen >= 5, "the walk reached too few public pages to prove anything"
    assert not failures, f"{len(failures)} responses:\n" + "\n".join(failures)


@pytest.mark.parametrize("path", ["/", "/search?q=batik"])
def test_a_logged_in_visitor_gets_even_public_pages_privately(app, client, session, path, shop):  # noqa: F811
    anonymous = app.test_client().get(path)
    assert anonymous.status_code == 200 and not _private(anonymous)
    logged_in_as(client, shop.seller_user)
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_page_showing_a_flash_message_is_private(app, client):
    with client.session_transaction() as http_session:
        http_session["_flashes"] = [("success", "You are logged out.")]
    response = client.get("/")
    assert "You are logged out." in response.get_data(as_text=True)
    assert _private(response)
    assert not _private(client.get("/"))  # shown once: the next page is public again
