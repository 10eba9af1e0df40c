"""Numbers typed in forms and files: unambiguous Indonesian grouping is read, anything that could
be a decimal ("1.5", "1,5", "1.0") is refused with a message instead of read as 15 or 10."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict

from marketplace.catalogue.models import Product
from marketplace.dashboard import bulk
from marketplace.forms import IdCheckboxesField, IdSelectField, WholeNumberField
from marketplace.numbers import parse_whole_number
from marketplace.payouts.forms import parse_rupiah
from tests.seller.conftest import log_in, snapshot
from tests.seller.test_listings import form as product_form

READ = {
    "150000": 150_000,
    "150.000": 150_000,
    "15.000": 15_000,
    "1.500": 1_500,
    "1.500.000": 1_500_000,
    "Rp 1.500.000": 1_500_000,
    "Rp. 125.000": 125_000,
    "rp125000": 125_000,
    "Rp 125 000": 125_000,
    "125\u00a0000": 125_000,
    " 42 ": 42,
    "+7": 7,
    "0": 0,
}
AMBIGUOUS = [
    "1.5", "1,5", "1.0", "1.50", "1,50", "15,000", "150,000", "1,500,000", "1.500,00", "1.500.00",
    "12.34.567", "1.5000", ".500", "500.", "1..000", "1.500 000", "1 5", "1e5", "0x10", "²", "１２",
    "١٢", "-5", "lots", "Rp", "9" * 16,
]  # fmt: skip


@pytest.mark.parametrize(("text", "value"), READ.items())
def test_unambiguous_numbers_are_read(text, value):
    assert parse_whole_number(text) == value
    assert parse_rupiah(text) == value


@pytest.mark.parametrize("text", AMBIGUOUS)
def test_ambiguous_or_broken_numbers_are_refused_not_guessed(text):
    assert parse_whole_number(text) is None
    assert parse_rupiah(text) is None


def test_negative_numbers_only_where_allowed():
    assert parse_whole_number("-3", allow_negative=True) == -3
    assert parse_whole_number("-1.5", allow_negative=True) is None
    assert parse_whole_number("-3") is None


class _Form(FlaskForm):
    price = WholeNumberField(rupiah=True)
    weight = WholeNumberField()
    delta = WholeNumberField(allow_negative=True)
    kind = IdSelectField()
    tags = IdCheckboxesField()


def _bound(app, **values) -> _Form:
    form = _Form(formdata=MultiDict(values), meta={"csrf": False})
    form.validate()
    return form


@pytest.mark.parametrize("text", ["1.5", "1,5", "1.0", "1.50"])
def test_whole_rupiah_field_refuses_decimals_with_a_message(app, text):
    with app.test_request_context():
        form = _bound(app, price=text, weight=text, delta=text)
        assert form.price.data is None and form.weight.data is None and form.delta.data is None
        assert form.price.errors == ["Rupiah has no cents: enter a whole amount, e.g. 150,000."]
        assert form.weight.errors == ["Enter a whole number, e.g. 125000."]
        assert form.delta.errors == ["Enter a whole number, e.g. 5 or -2."]
        assert form.price._value() == text  # shown again as typed
    with app.test_request_context(), force_locale("id"):
        indonesian = _bound(app, price="1,5")
        assert indonesian.price.errors == ["Rupiah tidak memakai sen: masukkan jumlah bulat, mis. 150.000."]


def test_whole_number_fields_read_grouping_and_leave_empty_alone(app):
    with app.test_request_context():
        form = _bound(app, price="Rp 1.500.000", weight="", delta="-2")
        assert (form.price.data, form.weight.data, form.delta.data) == (1_500_000, None, -2)
        assert not form.price.errors and not form.weight.errors and not form.delta.errors


def test_id_fields_never_guess(app):
    with app.test_request_context():
        for text in ("1.5", "1_5", "²", "١٥", "+15", "9" * 30):
            form = _Form(
                formdata=MultiDict([("kind", text), ("tags", text), ("tags", "15")]), meta={"csrf": False}
            )
            assert form.kind.data is None, text
            assert form.tags.data == [15], text
        # A form filled from a row: the choices' own int ids still mark the selected one.
        form = _Form(data={"kind": 15}, meta={"csrf": False})
        form.kind.choices = [(15, "Batik"), (16, "Kopi")]
        assert form.kind.data == 15 and 'selected value="15"' in str(form.kind())


def test_a_product_form_post_refuses_an_ambiguous_price(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)  # English
    before = snapshot(session)
    refused = {
        "1.5": "Rupiah has no cents",
        "1,5": "Rupiah has no cents",
        "150,000.50": "Rupiah has no cents",
        "150.000": "This could be read two ways. For whole rupiah, write 150,000 or 150000.",
    }
    for price, message in refused.items():
        response = client.post("/seller/products/new", data=product_form(world.cluster, price=price))
        assert response.status_code == 400, price
        html = response.get_data(as_text=True)
        assert message in html, price
        assert f'value="{price}"' in html  # the seller's own text, to correct
    assert snapshot(session) == before
    # English grouping, and Indonesian grouping that cannot be a decimal, are read exactly.
    for price, title, value in (
        ("Rp 150,000", "Tas sedang", 150_000),
        ("1.500.000", "Tas besar", 1_500_000),
    ):
        response = client.post(
            "/seller/products/new", data=product_form(world.cluster, price=price, title_id=title)
        )
        assert response.status_code == 303, price
        assert session.scalar(sa.select(Product.price_minor).where(Product.title_id == title)) == value


def test_csv_import_refuses_ambiguous_prices_and_ids(session, world):
    a = world.product_a
    a.description_id = "Keranjang rotan anyaman tangan dari Tambong, kuat dan ringan."
    session.commit()
    header = "id,price_idr"
    # "1.5" must not become 15: a decimal-looking price is refused on its row.
    parsed = bulk.parse_csv(f"{header}\r\n{a.id},1.5\r\n".encode())
    errors = bulk.plan_import(session, parsed, seller_ids=[world.seller_a.id]).errors
    assert [(e.row, e.column, e.message) for e in errors] == [
        (2, "price_idr", "Enter whole rupiah without decimals, e.g. 150000.")
    ]
    # An id spelled with a dot ("1.5" for 15) is not read as that product's id.
    dotted = f"{a.id // 10}.{a.id % 10}"
    parsed = bulk.parse_csv(f"{header}\r\n{dotted},90000\r\n".encode())
    result = bulk.plan_import(session, parsed, seller_ids=[world.seller_a.id])
    assert [(e.row, e.column) for e in result.errors] == [(2, "id")] and result.changes == []
    # Grouped rupiah still works.
    parsed = bulk.parse_csv(f'{header}\r\n{a.id},"90.000"\r\n'.encode())
    result = bulk.plan_import(session, parsed, seller_ids=[world.seller_a.id])
    assert result.errors == [] and [c.fields for c in result.changes] == [{"price_idr": ("85000", "90000")}]
