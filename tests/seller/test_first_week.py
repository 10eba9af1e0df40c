"""A new artisan's first week, as found walking it on a phone: prices and weights typed as people
type them ("75rb", "400 gram"), an email when a paid parcel waits to be shipped, a refused "mark as
shipped" said at the top of the page, the curator reading an applicant's phone number grouped."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import Product
from marketplace.email.models import OutboundEmail
from marketplace.numbers import AmountError, parse_rupiah_amount
from marketplace.orders import services as orders
from marketplace.types import utcnow
from tests.factories import make_product, make_seller, make_user
from tests.orders.helpers import make_cart, place
from tests.seller.conftest import log_in
from tests.seller.test_listings import form as product_form

SCALED = {
    "75rb": 75_000, "75 rb": 75_000, "Rp 75rb": 75_000, "75 ribu": 75_000, "75RB": 75_000,
    "75k": 75_000, "1,5jt": 1_500_000, "1.5jt": 1_500_000, "2 juta": 2_000_000, "12,5rb": 12_500,
}  # fmt: skip


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize(("text", "value"), SCALED.items())
def test_thousands_and_millions_written_as_words_are_read(lang, text, value):
    assert parse_rupiah_amount(text, lang=lang) == value


@pytest.mark.parametrize(
    ("lang", "text", "reason"),
    [
        ("id", "1,500rb", AmountError.UNCLEAR),  # 1,5 thousand to an Indonesian, 1500 to others
        ("en", "1.500rb", AmountError.UNCLEAR),
        ("id", "1.500rb", AmountError.UNCLEAR),  # 1.500 ribu, or 1,5 ribu typed the English way
        ("en", "1,255jt", AmountError.UNCLEAR),  # 1.255 million, or 1,255 million: a thousandfold apart
        ("id", "1,2345rb", AmountError.NOT_A_NUMBER),
        ("id", "-75rb", AmountError.NEGATIVE),
        ("id", "banyak rb", AmountError.NOT_A_NUMBER),
        ("id", "75 rupiah", AmountError.NOT_A_NUMBER),
    ],
)
def test_a_scaled_amount_that_could_mean_another_is_refused(lang, text, reason):
    with pytest.raises(AmountError) as refused:
        parse_rupiah_amount(text, lang=lang)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("price", "weight", "grams"), [("75rb", "400 gram", 400), ("Rp 75.000", "0,4 kg", 400)]
)
def test_a_first_product_typed_the_usual_way_is_saved(app, session, world, price, weight, grams):
    client = log_in(app.test_client(), world.user_a.email, lang="id")
    title = f"Tas anyaman {price}"
    response = client.post(
        "/seller/products/new",
        data=product_form(world.cluster, title_id=title, price=price, weight_grams=weight),
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    saved = session.execute(
        sa.select(Product.price_minor, Product.weight_grams).where(Product.title_id == title)
    ).one()
    assert tuple(saved) == (75_000, grams)


def test_a_weight_that_is_not_grams_says_so_with_a_gram_example(app, session, world):
    client = log_in(app.test_client(), world.user_a.email, lang="id")
    response = client.post(
        "/seller/products/new", data=product_form(world.cluster, title_id="Tas berat", weight_grams="400 ons")
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Masukkan bilangan bulat, mis. 400." in page
    assert session.scalar(sa.select(Product.id).where(Product.title_id == "Tas berat")) is None


def _seller_emails(session, to: str) -> list[OutboundEmail]:
    session.expire_all()
    return list(session.scalars(sa.select(OutboundEmail).where(OutboundEmail.to_address == to)))


def test_a_paid_order_tells_each_shop_to_pack_and_ship_in_its_language(app, session, world):
    # The world's order was paid while it was built: each shop's owner was emailed then.
    ani = _seller_emails(session, world.user_a.email)
    budi = _seller_emails(session, world.user_b.email)
    assert len(ani) == 1 and len(budi) == 1
    assert ani[0].subject == f"Pesanan {world.order.number} sudah dibayar: silakan kemas dan kirim"
    assert "Rotan Ani" in ani[0].body_text and "nomor resi" in ani[0].body_text
    assert f"/seller/orders/{world.fulfilment_a.id}" in ani[0].body_text
    assert "Buka pesanan ini:" in ani[0].body_text and "dasbor" not in ani[0].body_text  # the link's page
    assert budi[0].subject == f"Paid order {world.order.number}: please pack and ship it"
    assert f"/seller/orders/{world.fulfilment_b.id}" in budi[0].body_text


def test_an_unpaid_order_tells_the_shop_nothing_yet(app, session, world):
    siti = make_user(session, email="siti@example.test", name="Siti", locale="id")
    shop = make_seller(session, user_id=siti.id, name="Anyaman Bu Siti")
    product = make_product(session, seller=shop, price_minor=75_000, stock=5)
    order = place(session, make_cart(session, {product: 1}), email="rina@example.test")
    session.commit()
    assert _seller_emails(session, siti.email) == []
    orders.mark_order_paid(session, order, actor_label="test", now=utcnow())
    session.commit()
    assert len(_seller_emails(session, siti.email)) == 1


def test_a_refused_mark_as_shipped_is_said_at_the_top_of_the_page(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    response = client.post(
        f"/seller/orders/{world.fulfilment_a.id}/ship", data={"courier": "", "tracking_number": "JNE1"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    summary = page.index('id="error-summary"')
    assert summary < page.index("<h2>Mark as shipped</h2>")
    assert 'href="#courier"' in page[summary:]


def test_the_curator_reads_an_applicants_mobile_number_grouped(app, session, world):
    from marketplace.seller.models import SellerStatus

    applicant = make_user(session, email="baru@example.test", name="Baru")
    make_seller(
        session, user_id=applicant.id, name="Anyaman Baru", status=SellerStatus.PENDING, phone="081234567890"
    )
    session.commit()
    desk = log_in(app.test_client(), world.curator.email)
    page = desk.get("/curator/applications").get_data(as_text=True)
    assert "0812-3456-7890" in page and "081234567890" not in page  # as the office dials it


@pytest.mark.parametrize(("lang", "shown"), [("id", "75.000"), ("en", "75,000")])
def test_a_saved_price_reads_grouped_and_is_read_back_unchanged(app, lang, shown):
    """The edit form showed "75000"; it now writes a saved price as the seller's language does,
    and sending the form unchanged keeps the same price."""
    from flask_babel import force_locale
    from werkzeug.datastructures import MultiDict
    from wtforms import Form

    from marketplace.forms import WholeNumberField

    class PriceForm(Form):
        price = WholeNumberField("Price", rupiah=True, min_value=1)

    with app.test_request_context(f"/?lang={lang}"), force_locale(lang):
        saved = PriceForm(data={"price": 75_000})
        assert saved.price._value() == shown
        sent = PriceForm(MultiDict({"price": shown}))
        assert sent.validate() and sent.price.data == 75_000
