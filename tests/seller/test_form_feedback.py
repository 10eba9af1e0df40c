"""What a seller sees after a refused form on a phone, and the dashboard's counts (walk-through
findings): an error summary at the top linking each field, prices read as each language writes
them, "1 unit" not "1 units", and "running low" counted in products with their sizes beside."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.numbers import AmountError, parse_rupiah_amount
from tests.factories import make_product
from tests.media import samples
from tests.seller.conftest import log_in, snapshot
from tests.seller.test_listings import form as product_form
from tests.seller.test_variants import _sizes

# ---------------------------------------------------------------------------------------------
# Prices as typed
# ---------------------------------------------------------------------------------------------

READ = {
    "en": {"150,000": 150_000, "150000": 150_000, "Rp 150,000": 150_000, "Rp. 1,500,000": 1_500_000,
           "150 000": 150_000, "1.500.000": 1_500_000},
    "id": {"150.000": 150_000, "150000": 150_000, "Rp 150.000": 150_000, "Rp1.500.000": 1_500_000,
           "150 000": 150_000, "1,500,000": 1_500_000},
}  # fmt: skip
REFUSED = {
    "en": {"150.000": AmountError.UNCLEAR, "Rp 150.000": AmountError.UNCLEAR, "1.500": AmountError.UNCLEAR,
           "150,000.50": AmountError.DECIMALS, "150.000,50": AmountError.DECIMALS,
           "1.5": AmountError.DECIMALS, "-5000": AmountError.NEGATIVE,
           "99999999999999999999": AmountError.TOO_LARGE, "lots": AmountError.NOT_A_NUMBER,
           "12.34.567": AmountError.NOT_A_NUMBER, "１２": AmountError.NOT_A_NUMBER},
    "id": {"150,000": AmountError.UNCLEAR, "Rp 150,000": AmountError.UNCLEAR,
           "150.000,50": AmountError.DECIMALS, "150,000.50": AmountError.DECIMALS,
           "1,5": AmountError.DECIMALS, "-5000": AmountError.NEGATIVE,
           "99999999999999999999": AmountError.TOO_LARGE, "Rp": AmountError.NOT_A_NUMBER},
}  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "text", "value"), [(k, t, v) for k, d in READ.items() for t, v in d.items()]
)
def test_prices_are_read_as_the_language_writes_them(lang, text, value):
    assert parse_rupiah_amount(text, lang=lang) == value


@pytest.mark.parametrize(
    ("lang", "text", "reason"), [(k, t, r) for k, d in REFUSED.items() for t, r in d.items()]
)
def test_an_amount_that_could_mean_another_is_refused_with_its_reason(lang, text, reason):
    with pytest.raises(AmountError) as refused:
        parse_rupiah_amount(text, lang=lang)
    assert refused.value.reason == reason


PRICE_MESSAGES = {
    "en": {
        "150.000": "This could be read two ways. For whole rupiah, write 150,000 or 150000.",
        "150,000.50": "Rupiah has no cents: enter a whole amount, e.g. 150,000.",
        "-5000": "Enter an amount above Rp 0, without a minus sign.",
        "0": "Enter an amount above Rp 0, without a minus sign.",
        "99999999999999999999": "Too large: at most Rp\u00a01,000,000,000. Check the number of zeros.",
        "1,000,000,001": "Too large: at most Rp\u00a01,000,000,000. Check the number of zeros.",
    },
    "id": {
        "150,000": "Angka ini bisa dibaca dua cara. Untuk rupiah bulat, tulis 150.000 atau 150000.",
        "150.000,50": "Rupiah tidak memakai sen: masukkan jumlah bulat, mis. 150.000.",
        "-5000": "Masukkan jumlah di atas Rp 0, tanpa tanda minus.",
        "99999999999999999999": (
            "Terlalu besar: paling banyak Rp\u00a01.000.000.000. Periksa jumlah angka nolnya."
        ),
    },
}


@pytest.mark.parametrize("lang", ["en", "id"])
def test_the_product_form_says_what_is_wrong_with_a_price_and_saves_nothing(app, session, world, lang):
    client = log_in(app.test_client(), world.user_a.email, lang=lang)
    product = world.product_a
    before = snapshot(session)
    for price, message in PRICE_MESSAGES[lang].items():
        response = client.post(
            f"/seller/products/{product.id}", data=product_form(world.cluster, price=price)
        )
        assert response.status_code == 400, price
        assert message in response.get_data(as_text=True), price
    assert snapshot(session) == before


@pytest.mark.parametrize(("lang", "price"), [("en", "Rp 150,000"), ("en", "150,000"), ("id", "Rp 150.000")])
def test_a_price_written_the_usual_way_is_saved(app, session, world, lang, price):
    client = log_in(app.test_client(), world.user_a.email, lang=lang)
    title = f"Tas {lang} {price}"
    response = client.post(
        "/seller/products/new", data=product_form(world.cluster, price=price, title_id=title)
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    assert session.scalar(sa.select(Product.price_minor).where(Product.title_id == title)) == 150_000


def test_the_price_hint_shows_the_languages_grouping(app, world):
    english = log_in(app.test_client(), world.user_a.email).get("/seller/products/new").get_data(as_text=True)
    assert "Whole rupiah, for example 150000 or 150,000." in english
    indonesian = log_in(app.test_client(), world.user_a.email, lang="id").get("/seller/products/new")
    assert "Rupiah bulat, misalnya 150000 atau 150.000." in indonesian.get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# The error summary
# ---------------------------------------------------------------------------------------------


def _summary(html: str) -> str:
    match = re.search(r'<div class="message message-error" id="error-summary".*?</div>', html, re.S)
    assert match, "no error summary"
    return match.group(0)


def _before_the_form(html: str, form_marker: str) -> None:
    assert html.index('id="error-summary"') < html.index(form_marker)


HEADINGS = [
    ("en", "Please correct the fields marked below."),
    ("id", "Silakan perbaiki kolom yang ditandai di bawah."),
]


@pytest.mark.parametrize(("lang", "heading"), HEADINGS)
def test_a_refused_product_form_opens_with_a_summary_linking_each_field(app, session, world, lang, heading):
    client = log_in(app.test_client(), world.user_a.email, lang=lang)
    product = world.product_a
    response = client.post(
        f"/seller/products/{product.id}", data=product_form(world.cluster, price="lots", weight_grams="0")
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = _summary(html)
    assert heading in summary and 'role="alert"' in summary and "autofocus" in summary
    # Each refused field, linked to its input by id, in the page's order.
    links = re.findall(r'<a href="#([a-z_]+)">', summary)
    assert links == ["price", "weight_grams"]
    for field_id in links:
        assert f'id="{field_id}"' in html
    _before_the_form(html, 'name="title_id"')
    # New products too.
    response = client.post(
        "/seller/products/new", data=product_form(world.cluster, title_id="", price="125000")
    )
    assert response.status_code == 400
    assert re.findall(r'<a href="#([a-z_]+)">', _summary(response.get_data(as_text=True))) == ["title_id"]


def test_a_page_without_errors_has_no_summary(app, world):
    client = log_in(app.test_client(), world.user_a.email)
    assert 'id="error-summary"' not in client.get(f"/seller/products/{world.product_a.id}").get_data(
        as_text=True
    )


def test_a_refused_photo_is_named_at_the_top_of_the_page_without_javascript(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    product = world.product_a
    response = client.post(
        f"/seller/products/{product.id}/photos",
        data={"photo": [(io.BytesIO(b"%PDF-1.4 not a picture"), "nota.pdf")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = _summary(html)
    assert '<a href="#photo">' in summary and "nota.pdf" in summary
    assert 'id="photo"' in html
    _before_the_form(html, 'name="title_id"')


def test_a_good_photo_with_a_refused_one_names_only_the_refused(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    response = client.post(
        f"/seller/products/{world.product_a.id}/photos",
        data={"photo": [(io.BytesIO(samples.jpeg(900, 600)), "ok.jpg"), (io.BytesIO(b"x"), "bad.txt")]},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    summary = _summary(response.get_data(as_text=True))
    assert "bad.txt" in summary and "ok.jpg" not in summary


def test_the_stock_page_summarises_errors_of_either_form(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    url = f"/seller/products/{world.product_a.id}/stock"
    response = client.post(url, data={"action": "adjust", "adjust-delta": "1.5", "adjust-reason": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    links = re.findall(r'<a href="#([a-z_-]+)">', _summary(html))
    assert links == ["adjust-delta"]
    assert all(f'id="{link}"' in html for link in links)
    _before_the_form(html, 'name="action" value="adjust"')


def test_the_shop_profile_summarises_its_errors(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    response = client.post(
        f"/seller/shops/{world.seller_a.id}/profile",
        data={"name": "", "story_id": "short", "village_id": str(world.village.id), "phone": "12"},
    )
    assert response.status_code == 400, response.status_code
    links = re.findall(r'<a href="#([a-z_]+)">', _summary(response.get_data(as_text=True)))
    assert "name" in links and "phone" in links


# ---------------------------------------------------------------------------------------------
# Dashboard counts
# ---------------------------------------------------------------------------------------------


def _ship_next(html: str) -> str:
    return html.split("Ship these next", 1)[1]


def test_ship_these_next_counts_units_in_good_grammar(app, world):
    one = log_in(app.test_client(), world.user_b.email).get("/seller/").get_data(as_text=True)
    assert "· 1 unit</li>" in _ship_next(one) and "1 units" not in one
    two = log_in(app.test_client(), world.user_a.email).get("/seller/").get_data(as_text=True)
    assert "· 2 units</li>" in _ship_next(two)
    indonesian = (
        log_in(app.test_client(), world.user_a.email, lang="id").get("/seller/").get_data(as_text=True)
    )
    assert "· 2 unit</li>" in indonesian


def _running_low(html: str) -> str:
    match = re.search(r'/seller/stock/low">[^<]*</a>: ([^<]*)</li>', html)
    assert match
    return match.group(1)


def test_running_low_counts_products_and_names_their_sizes(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    assert _running_low(client.get("/seller/").get_data(as_text=True)) == "0 products"
    bag = make_product(session, seller=world.seller_a, cluster=world.cluster, stock=1, low_stock_threshold=3)
    _sizes(session, bag, ("S", None), ("M", 2), ("L", 40))  # S keeps the bag's 1 unit
    make_product(session, seller=world.seller_a, cluster=world.cluster, stock=1, low_stock_threshold=3)
    session.commit()
    # Two sizes of the bag and the other product's one variant: two products to restock.
    assert _running_low(client.get("/seller/").get_data(as_text=True)) == "2 products (3 sizes or variants)"
    indonesian = (
        log_in(app.test_client(), world.user_a.email, lang="id").get("/seller/").get_data(as_text=True)
    )
    assert _running_low(indonesian) == "2 produk (3 ukuran atau varian)"
