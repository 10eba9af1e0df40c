"""The seller's history in plain words (issue: a user walk at 360 px, Indonesian): label names
instead of codes, the code's own reasons translated and a person's words kept, the courier and
tracking number read as such, a first reply as written, one row per product added, photo changes
named, no empty "Variant: —" lines."""

from __future__ import annotations

import io

from marketplace.audit.services import record_action
from marketplace.catalogue.models import ProductStatus
from tests.factories import make_label_type, make_product
from tests.media import samples
from tests.seller.conftest import log_in
from tests.seller.test_listings import form as product_form


def _history(app, world, lang: str) -> str:
    client = log_in(app.test_client(), world.user_a.email, lang=lang)
    page = client.get("/seller/history").get_data(as_text=True)
    return page.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_new_product_is_one_row_and_photo_uploads_say_what_changed(app, session, world):
    live = make_product(
        session, seller=world.seller_a, cluster=world.cluster, title_id="Keranjang rotan",
        title_en="Rattan basket", status=ProductStatus.ACTIVE,
    )  # fmt: skip
    session.commit()
    client = log_in(app.test_client(), world.user_a.email)
    assert client.post("/seller/products/new", data=product_form(world.cluster)).status_code == 303
    for _n in range(2):
        upload = {"photo": (io.BytesIO(samples.jpeg(700, 500)), "foto.jpg")}
        response = client.post(
            f"/seller/products/{live.id}/photos", data=upload, content_type="multipart/form-data"
        )
        assert response.status_code == 303

    english = _history(app, world, "en")
    assert english.count("Tas anyaman pandan") == 2  # the headline and its "Name (Indonesian)" line
    assert english.count("Product added: Tas anyaman pandan") == 1 and "Stock: 12" in english
    assert "Variant" not in english and "—" not in english
    assert "Stock of Tas anyaman pandan changed" not in english and "opening stock" not in english
    assert english.count("Photo added to Keranjang rotan, waiting for review") == 2
    assert "Changes to Keranjang rotan" not in english  # the empty revision row is left out
    indonesian = _history(app, world, "id")
    assert indonesian.count("Foto ditambahkan ke Keranjang rotan, menunggu pemeriksaan") == 2
    assert "Varian" not in indonesian and "menunggu pemeriksaan</strong>" in indonesian


def test_reasons_tracking_numbers_labels_and_replies_read_in_the_pages_language(app, session, world):
    make_label_type(session, code="sni-batik", name_id="SNI Batik Tulis", name_en="SNI hand-drawn batik")
    seller = world.seller_a.id
    record_action(session, actor=world.user_a, action="label.request", target_type="label",
                  target_label="sni-batik · Kain Kopi Pecah", seller_id=seller)  # fmt: skip
    record_action(session, actor=world.user_a, action="fulfilment.shipped", target_type="fulfilment",
                  target_label="PD-7", seller_id=seller, before={"status": "processing"},
                  after={"status": "shipped"}, note="JNE JNE1234567890")  # fmt: skip
    record_action(session, actor=world.user_a, action="review.reply", target_type="review",
                  seller_id=seller, after={"reply": "Matur nuwun"})  # fmt: skip
    record_action(session, actor=world.user_a, action="stock.adjustment", target_type="product",
                  target_label="Kain Kopi Pecah", seller_id=seller, before={"stock": 0},
                  after={"stock": 4}, note="opening stock")  # fmt: skip
    record_action(session, actor=world.curator, action="refund.create", target_type="order",
                  target_label="PD-7", seller_id=seller, after={"amount_minor": 50_000, "currency": "IDR"},
                  note="case 1: Warnanya luntur")  # fmt: skip
    record_action(session, actor=world.curator, action="fulfilment.delivered", target_type="fulfilment",
                  target_label="PD-8", seller_id=seller, note="case 2")  # fmt: skip
    record_action(session, actor=world.user_a, action="stock.adjustment", target_type="product",
                  target_label="Kain Kopi Pecah", seller_id=seller, before={"stock": 4},
                  after={"stock": 3}, note="satu kain rusak kena air")  # fmt: skip
    session.commit()

    english = _history(app, world, "en")
    assert "Quality label “SNI hand-drawn batik” requested for Kain Kopi Pecah" in english
    assert "Courier and tracking number: JNE JNE1234567890" in english
    assert "Reason: JNE" not in english
    assert "Reply written" in english and "Reply changed" not in english
    assert "Reason: Stock when it was added" in english
    assert "Refunded to the buyer: Rp\xa050,000" in english
    assert "Reason: After the buyer&#39;s problem report: Warnanya luntur" in english
    assert "Reason: Decided after the buyer&#39;s problem report" in english
    assert "Reason: satu kain rusak kena air" in english  # a person's words, as typed
    indonesian = _history(app, world, "id")
    assert "Label mutu “SNI Batik Tulis” diajukan untuk Kain Kopi Pecah" in indonesian
    assert "Kurir dan nomor resi: JNE JNE1234567890" in indonesian
    assert "Balasan ditulis" in indonesian and "Balasan diubah" not in indonesian
    assert "Alasan: Stok awal saat ditambahkan" in indonesian
    assert "Alasan: Setelah laporan masalah dari pembeli: Warnanya luntur" in indonesian
    assert "Dikembalikan ke pembeli: Rp\xa050.000" in indonesian
    for page in (english, indonesian):
        assert "sni-batik" not in page and "case 1" not in page and "case 2" not in page
        assert "opening stock" not in page


def test_a_cancellation_without_a_typed_reason_reads_in_the_sellers_language(app):
    from marketplace.audit.seller_history import note_text
    from marketplace.orders.cancellation import BUYER_GAVE_NO_REASON

    with app.test_request_context("/?lang=id"):
        assert note_text(BUYER_GAVE_NO_REASON) == "Pembeli membatalkan"
        assert note_text("Salah pesan ukuran") == "Salah pesan ukuran"  # typed words stay as typed
