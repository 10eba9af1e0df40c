"""The curator's featured page says which placements are sold out: the home page shows those after
the others until they are restocked (storefront.listings), in both languages."""

from __future__ import annotations

from datetime import timedelta

from marketplace.stock.services import set_stock
from marketplace.types import utcnow
from tests.curation.conftest import log_in
from tests.factories import make_featured, make_product

NOTES = {
    "en": "Sold out — shown last until restocked",
    "id": "Stok habis — tampil paling akhir sampai stok diisi lagi",
}


def test_sold_out_placements_are_marked_in_both_languages(app, session, desk):
    basket = desk.live
    mat = make_product(session, seller=desk.seller, cluster=desk.cluster, title_en="Pandan mat")
    now = utcnow()
    make_featured(session, product=basket, position=0, headline_en="Pick: basket")
    make_featured(session, product=mat, position=1, headline_en="Pick: mat")
    make_featured(
        session,
        product=basket,
        position=2,
        starts_at=now + timedelta(days=9),
        ends_at=now + timedelta(days=10),
    )
    make_featured(
        session,
        product=basket,
        position=3,
        starts_at=now - timedelta(days=9),
        ends_at=now - timedelta(days=8),
    )
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email)
    assert NOTES["en"] not in curator.get("/curator/featured").get_data(as_text=True)

    set_stock(session, basket, stock=0, reason="counted", now=utcnow())
    session.commit()
    for lang, note in NOTES.items():
        html = (
            log_in(app.test_client(), desk.curator.email, lang=lang)
            .get("/curator/featured")
            .get_data(as_text=True)
        )
        running, coming, past = (html.split(f'id="{h}-h"')[1] for h in ("current", "upcoming", "past"))
        assert running.split("</section>")[0].count(note) == 1  # the basket's row, not the mat's
        assert note in coming.split("</section>")[0]  # sold out now: will show last unless restocked
        assert note not in past.split("</section>")[0]  # over: nothing to say

    # The home page shows it last, and the preview too.
    home = app.test_client().get("/?lang=en").get_data(as_text=True)
    assert home.index("Pick: mat") < home.index("Pick: basket")
    preview = curator.get("/curator/featured/preview").get_data(as_text=True)
    assert preview.index("Pick: mat") < preview.index("Pick: basket")
