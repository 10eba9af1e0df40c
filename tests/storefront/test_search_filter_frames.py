"""The search page's filter form is rendered once per language and choices offered, and every page
still shows its own selections, words, prices and language (storefront/frames.py)."""

from __future__ import annotations

import re

from marketplace.storefront.frames import filter_frames
from tests.factories import make_label_type, make_product

_FORM = re.compile(r'<details class="filters".*?</details>', re.S)

#: Every URL names its language (a `?lang=` is remembered in the client's cookie otherwise).
URLS = (
    "/search?lang=id",
    "/search?lang=en",
    "/search?q=batik&lang=id",
    "/search?q=%3Cb%3E%22tulis%22+%26+co&lang=en",
    "/search?cluster=batik&lang=id",
    "/search?cluster=agro&lang=en",
    "/search?village=pakistaji&label=halal&sort=price_desc&lang=id",
    "/search?village=tambong&label=pirt&sort=newest&lang=en",
    "/search?q=kain&in_stock=1&min_price=50.000&max_price=900.000&lang=id",
    "/search?min_price=1000&lang=en",
    "/search?sort=bogus&cluster=nope&lang=id",
)


def _form(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    found = _FORM.search(response.get_data(as_text=True))
    assert found, url
    return found.group(0)


def test_each_page_shows_its_own_form_whatever_was_kept_before(app, client, session, world):
    make_label_type(session, code="halal", name_id="Halal", name_en="Halal", position=1)
    make_label_type(session, code="pirt", name_id="PIRT", name_en="Home food licence", position=2)
    make_product(session, seller=world.seller, cluster=world.cluster, title_en="Batik sarong")
    session.commit()
    # Each form rendered from nothing kept (the store emptied before each request)...
    alone = {}
    for url in URLS:
        app.extensions.pop("search_filter_frames", None)
        alone[url] = _form(client, url)
    # ...is the form every page shows after all the others filled the store, in any order.
    for url in (*URLS, *reversed(URLS)):
        assert _form(client, url) == alone[url], url

    assert '<option value="batik" selected>' in alone["/search?cluster=batik&lang=id"]
    assert '<option value="agro" selected>Farm produce</option>' in alone["/search?cluster=agro&lang=en"]
    assert '<option value="agro">Pertanian</option>' in alone["/search?cluster=batik&lang=id"]
    assert alone["/search?lang=id"].count("selected") == 1  # the sort (newest) alone
    assert 'value="&lt;b&gt;&#34;tulis&#34; &amp; co"' in alone["/search?q=%3Cb%3E%22tulis%22+%26+co&lang=en"]
    stock = alone["/search?q=kain&in_stock=1&min_price=50.000&max_price=900.000&lang=id"]
    assert 'value="50000"' in stock and 'value="900000"' in stock and 'value="1" checked>' in stock
    # Closed with filters on too (the results stay on a phone's first screen); the summary counts them.
    assert "<summary>Filter dan urutan · 2 filter aktif</summary>" in stock  # a price range counts once
    assert "<summary>Filter dan urutan</summary>" in alone["/search?lang=id"]
    assert (
        "<summary>Filters and sorting · 2 filters on</summary>"
        in alone["/search?village=tambong&label=pirt&sort=newest&lang=en"]
    )
    assert "<summary>Filters and sorting · 1 filter on</summary>" in alone["/search?min_price=1000&lang=en"]
    assert all('<details class="filters">' in form for form in alone.values())
    assert (
        '<option value="pirt" selected>Home food licence</option>'
        in alone["/search?village=tambong&label=pirt&sort=newest&lang=en"]
    )
    assert "\ue000" not in "".join(alone.values())


def test_one_frame_per_language_and_filters_shown(app, client, session, world):
    session.commit()
    app.extensions.pop("search_filter_frames", None)  # the app outlives a test
    for url in ("/search?lang=id", "/search?q=a&lang=id", "/search?q=b&sort=newest&lang=id"):
        _form(client, url)
    for url in ("/search?lang=en", "/search?q=c&sort=rating&lang=en"):
        _form(client, url)
    with app.app_context():
        frames = filter_frames()
        stored = frames.stored
        assert len(frames) == 2  # Indonesian and English; the words and selections are slots
        # Filters on: the form offers "clear filters", one more frame for both.
        _form(client, "/search?cluster=batik&lang=en")
        _form(client, "/search?cluster=agro&q=x&lang=en")
        assert frames.stored == stored + 1


def test_each_currency_gets_its_own_price_fields_whatever_was_kept_before(app, session, world):
    from tests.markets.conftest import make_rate

    make_rate(session, "USD", "16300")
    make_rate(session, "JPY", "105")
    session.commit()
    visits = (  # (the visitor's currency, the address)
        ("USD", "/search?price_currency=USD&min_price=2,5&max_price=20&lang=id"),
        ("USD", "/search?max_price=50000&lang=en"),  # a rupiah range seen in dollars
        ("JPY", "/search?lang=en"),
        (None, "/search?price_currency=USD&max_price=20&lang=en"),  # a dollar range seen in rupiah
        (None, "/search?max_price=50000&lang=id"),
    )

    def form(currency, url):
        client = app.test_client()
        if currency:
            client.set_cookie("currency", currency)
        return _form(client, url)

    alone = {}
    for visit in visits:
        app.extensions.pop("search_filter_frames", None)
        alone[visit] = form(*visit)
    for visit in (*visits, *reversed(visits)):
        assert form(*visit) == alone[visit], visit
    dollars = alone[visits[0]]
    assert "<legend>Harga (USD)</legend>" in dollars and 'name="price_currency" value="USD"' in dollars
    assert 'value="2,50"' in dollars and 'value="20"' in dollars and 'inputmode="decimal"' in dollars
    assert 'value="3.07"' in alone[visits[1]] and "set in IDR" in alone[visits[1]]  # 50,000 / 16,300
    assert 'inputmode="numeric"' in alone[visits[2]] and 'value="JPY"' in alone[visits[2]]
    # $20.00 is shown for up to Rp 326.081 (20.005 × 16,300 = 326,081.5).
    assert 'value="326081"' in alone[visits[3]] and 'name="price_currency"' not in alone[visits[3]]
    assert "set in" not in alone[visits[4]] and "<legend>Harga (Rp)</legend>" in alone[visits[4]]
