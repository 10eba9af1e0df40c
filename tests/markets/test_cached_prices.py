"""The page cache keeps one copy per language and market: nobody sees another market's prices."""

from __future__ import annotations

import re
from decimal import Decimal
from html import unescape

import pytest
import sqlalchemy as sa

from marketplace.markets.models import ExchangeRate
from marketplace.money import Money
from tests.markets.conftest import product_path

EUR = Money(723, "EUR").format("en")
IDR = Money(125_000, "IDR").format("en")
JPY = Money(1_190, "JPY").format("en")


@pytest.fixture
def app_overrides() -> dict:
    return {"PAGE_CACHE_ENABLED": True}


def test_cached_pages_are_kept_per_currency(app, session, rates, product):
    path = product_path(product)
    plain = app.test_client()
    assert IDR in plain.get(path).get_data(as_text=True)
    hit = plain.get(path)
    assert hit.headers.get("X-Cache") == "HIT" and IDR in hit.get_data(as_text=True)

    euro = app.test_client()
    euro.set_cookie("currency", "EUR")
    first = euro.get(path)
    assert first.headers.get("X-Cache") == "MISS" and EUR in first.get_data(as_text=True)
    again = euro.get(path)
    assert again.headers.get("X-Cache") == "HIT" and EUR in again.get_data(as_text=True)

    # No cookies at all (the WSGI fast path): the browser's language picks the copy.
    japanese = app.test_client().get(path, headers={"Accept-Language": "ja-JP"})
    assert JPY in japanese.get_data(as_text=True)
    japanese = app.test_client().get(path, headers={"Accept-Language": "ja-JP"})
    assert japanese.headers.get("X-Cache") == "HIT" and JPY in japanese.get_data(as_text=True)
    assert IDR in app.test_client().get(path).get_data(as_text=True)


def test_a_link_choice_is_remembered_even_on_a_cache_hit(app, rates, product):
    path = product_path(product)
    app.test_client().get(f"{path}?currency=EUR")
    response = app.test_client().get(f"{path}?currency=EUR")  # no cookies: still through Flask
    assert EUR in response.get_data(as_text=True)
    assert any(h.startswith("currency=EUR;") for h in response.headers.getlist("Set-Cookie"))


def test_a_new_rate_shows_on_the_next_request(app, session, rates, product):
    path = product_path(product)
    euro = app.test_client()
    euro.set_cookie("currency", "EUR")
    euro.get(path)
    assert euro.get(path).headers.get("X-Cache") == "HIT"
    session.execute(
        sa.update(ExchangeRate).where(ExchangeRate.currency == "EUR").values(rate=Decimal("17000"))
    )
    session.commit()
    html = euro.get(path).get_data(as_text=True)
    assert Money(735, "EUR").format("en") in html and EUR not in html  # 125.000 / 17.000 = 7.35


def test_the_chooser_on_a_cached_page_posts_with_the_visitors_own_token(app, rates, product):
    app.config["WTF_CSRF_ENABLED"] = True  # the chooser's token is filled in per visitor on a hit
    path = product_path(product)
    app.test_client().get(path)
    visitor = app.test_client()
    page = visitor.get(path)  # no cookies: answered from the cache before Flask runs
    assert page.headers.get("X-Cache") == "HIT"
    chooser = re.search(
        r'<form class="market-switch" method="post" action="/market"[^>]*>(.*?)</form>',
        page.get_data(as_text=True),
        re.S,
    )
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', chooser.group(1)))
    response = visitor.post(
        "/market", data={**{k: unescape(v) for k, v in hidden.items()}, "country": "NL", "currency": "EUR"}
    )
    assert response.status_code == 303 and response.headers["Location"] == path
    assert EUR in visitor.get(path).get_data(as_text=True)
