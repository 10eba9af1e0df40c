"""The seller's history page (/seller/history): plain sentences in both languages, money as money,
times in WIB, internal fields left out, 30 changes a page with a link to older ones."""

from __future__ import annotations

import io
import re

import sqlalchemy as sa

from marketplace.audit import seller_history
from marketplace.audit.models import AuditEntry
from marketplace.audit.services import record_action
from marketplace.catalogue.models import ProductStatus
from tests.factories import make_product
from tests.media import samples
from tests.seller.conftest import log_in
from tests.seller.test_listings import form as product_form

TECHNICAL = (
    "product_revision",
    "product.update",
    "storage_key",
    "submitted_by_id",
    "price_minor",
    "{",
    "→ pending",
)


def _live_product(session, world):
    product = make_product(
        session, seller=world.seller_a, cluster=world.cluster, title_id="Batik Gajah Oling",
        title_en="Gajah Oling batik", price_minor=140_000, status=ProductStatus.ACTIVE,
    )  # fmt: skip
    session.commit()
    return product


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def test_a_price_change_and_a_photo_read_as_sentences(app, session, world):
    product = _live_product(session, world)
    client = log_in(app.test_client(), world.user_a.email)
    data = product_form(
        world.cluster, title_id="Batik Gajah Oling", title_en="Gajah Oling batik", price="150,000"
    )
    assert client.post(f"/seller/products/{product.id}", data=data).status_code == 303
    upload = {"photo": [(io.BytesIO(samples.jpeg(900, 600)), "batik.jpg")]}
    response = client.post(
        f"/seller/products/{product.id}/photos", data=upload, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    page = _main(client.get("/seller/history").get_data(as_text=True))
    assert "Changes to Batik Gajah Oling sent for review" in page
    assert "Price: Rp\u00a0150,000" in page
    assert (
        "Photo added to Batik Gajah Oling" in page
        or "Changes to Batik Gajah Oling waiting for review" in page
    )
    assert re.search(r"You · \d{1,2} \w+ 20\d\d \d\d:\d\d WIB", page)
    for word in TECHNICAL:
        assert word not in page, word
    indonesian = _main(
        log_in(app.test_client(), world.user_a.email, lang="id").get("/seller/history").get_data(as_text=True)
    )
    assert "Perubahan Batik Gajah Oling dikirim untuk diperiksa" in indonesian
    assert "Harga: Rp\u00a0150.000" in indonesian and "Anda · " in indonesian


def test_changed_fields_show_before_and_after_and_unknown_ones_are_left_out(app, session, world):
    record_action(
        session, actor=world.curator, action="product.update", target_type="product",
        target_label="Batik Gajah Oling", seller_id=world.seller_a.id,
        before={"price_minor": 140_000, "stock": 3, "search_text": "x", "storage_key": "ab12",
                "description_id": "lama"},
        after={"price_minor": 150_000, "stock": 5, "search_text": "y", "storage_key": "cd34",
               "description_id": "baru"},
    )  # fmt: skip
    record_action(
        session, actor=world.curator, action="something.new", target_type="thing",
        seller_id=world.seller_a.id, after={"internal_id": 7},
    )  # fmt: skip
    session.commit()
    page = _main(log_in(app.test_client(), world.user_a.email).get("/seller/history").get_data(as_text=True))
    assert "Changed Batik Gajah Oling" in page
    assert "Price: Rp\u00a0140,000 → Rp\u00a0150,000" in page and "Stock: 3 → 5" in page
    assert "Description (Indonesian) changed" in page and "lama" not in page
    assert "Change to your shop" in page and "internal_id" not in page and "ab12" not in page
    assert "Curator · " in page and "curator@example.test" not in page


def test_the_history_shows_thirty_changes_a_page_and_links_older_ones(app, session, world):
    for n in range(seller_history.PAGE_SIZE + 5):
        record_action(session, actor=world.user_a, action="product_image.create", target_type="product_image",
                      target_label=f"Kain {n:02d}", seller_id=world.seller_a.id)  # fmt: skip
    session.commit()
    client = log_in(app.test_client(), world.user_a.email)
    first = _main(client.get("/seller/history").get_data(as_text=True))
    assert first.count('<li class="row">') == seller_history.PAGE_SIZE
    assert "Photo added to Kain 34" in first and "Kain 04" not in first
    older = re.search(r'href="(/seller/history\?before=\d+)"', first).group(1)
    second = _main(client.get(older).get_data(as_text=True))
    assert "Photo added to Kain 04" in second and "Kain 05" not in second and "Kain 00" in second
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) >= seller_history.PAGE_SIZE + 5
