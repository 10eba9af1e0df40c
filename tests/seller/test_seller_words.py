"""Words on the seller's pages that a village artisan reads on a phone, in Indonesian: a link that
changes something says "Ubah" (edit), and a variant left without a value after a new option is named
is pointed out before buyers see it as "–"; a workbook uploaded instead of CSV is named as such."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from marketplace.dashboard import variants as services
from marketplace.types import utcnow
from tests.seller.conftest import log_in, snapshot


def _link_texts(html: str, href: str) -> list[str]:
    return [
        re.sub(r"<span class=\"visually-hidden\">.*?</span>", "", text).strip()
        for text in re.findall(rf'<a href="{re.escape(href)}">(.*?)</a>', html, flags=re.S)
    ]


def test_the_whatsapp_link_says_ubah_not_the_noun_perubahan(client, world):
    log_in(client, "ani@example.test", lang="id")
    contact = f"/seller/shops/{world.seller_a.id}/contact"
    for page in ("/seller/", f"/seller/shops/{world.seller_a.id}/profile"):
        html = client.get(page).get_data(as_text=True)
        assert _link_texts(html, contact) == ["Ubah"], page


def test_a_variant_without_a_value_for_a_new_option_is_pointed_out(client, session, world):
    product = world.product_a
    services.save_options(session, product=product, names=[("Ukuran", "Size")])
    for size in ("S", "M"):
        services.add_variant(
            session,
            product=product,
            data=services.VariantInput(values=(size,), stock=2),
            actor_id=None,
            now=utcnow(),
        )
    session.commit()
    log_in(client, "ani@example.test", lang="id")
    url = f"/seller/products/{product.id}/variants"

    html = client.get(url).get_data(as_text=True)
    assert "1 varian belum diisi untuk salah satu opsi" in html
    assert html.count("Belum diisi") == 1  # only the product's first variant, "–"

    first = services.list_variants(session, product)[0]
    services.update_variant(
        session,
        product=product,
        variant=first,
        data=services.VariantInput(values=("L",)),
        actor_id=None,
        now=utcnow(),
    )
    session.commit()
    html = client.get(url).get_data(as_text=True)
    assert "belum diisi untuk salah satu opsi" not in html
    assert "Belum diisi" not in html


def _workbook(kind: str) -> bytes:
    if kind == "xls":  # an OLE2 compound file, as old Excel saves
        return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    data = io.BytesIO()  # .xlsx and .ods are deflated zip files
    with zipfile.ZipFile(data, "w", compression=zipfile.ZIP_DEFLATED) as workbook:
        workbook.writestr("[Content_Types].xml", "<Types>" + "<Default Extension='xml'/>" * 40 + "</Types>")
        workbook.writestr("xl/worksheets/sheet1.xml", "<sheetData>" + "<row><c>85000</c></row>" * 40)
    return data.getvalue()


@pytest.mark.parametrize("kind", ["xlsx", "xls"])
def test_a_workbook_saved_instead_of_csv_says_how_to_save_csv(client, session, world, kind):
    before = snapshot(session)
    log_in(client, "ani@example.test", lang="id")
    page = client.post(
        "/seller/products/import",
        data={"action": "preview", "file": (io.BytesIO(_workbook(kind)), f"produk.{kind}")},
        content_type="multipart/form-data",
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 400  # as every refused file
    assert "Ini berkas spreadsheet (Excel atau ODS), bukan CSV." in html
    assert "bukan teks UTF-8" not in html
    assert snapshot(session) == before


def test_without_javascript_the_photo_form_says_a_big_photo_takes_a_while(client, world):
    log_in(client, "ani@example.test", lang="id")
    html = client.get(f"/seller/products/{world.product_a.id}").get_data(as_text=True)
    assert '<noscript><p class="hint">Foto langsung dari kamera ponsel dikirim dalam ukuran penuh' in html
