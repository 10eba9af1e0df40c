"""The curator's review page shows every field a seller sets: text and price waiting for approval
beside the live values, fields applied at once (weight, cluster, export flag, HS code, sizes…)
beside their value at the last approval, variants, labels, and photos large enough to judge."""

from __future__ import annotations

import dataclasses
import re

from marketplace.curation import presenters
from marketplace.curation.reviews import REVIEW_FIELD_NAMES
from marketplace.dashboard.products import ProductInput, _values
from marketplace.media import get_storage
from marketplace.seller.common import DIRECT_FIELDS, REVIEWED_FIELDS
from tests.curation.conftest import log_in
from tests.factories import add_photo, make_cluster, make_label_type, make_product_label


def _sample_input() -> ProductInput:
    values = {f.name: 1 for f in dataclasses.fields(ProductInput)}
    values.update(
        title_id="t", title_en="", description_id="d", description_en="", hs_code="", exportable=False
    )
    return ProductInput(**values)


def test_the_review_covers_every_field_the_product_form_sets():
    """Fails when the product form (or its service) gains a field the review does not show."""
    columns = set(_values(_sample_input()))  # what the seller's form writes onto the product
    assert columns == set(REVIEWED_FIELDS) | set(DIRECT_FIELDS)
    assert columns | {"stock"} == set(REVIEW_FIELD_NAMES)  # stock: only when creating, then the ledger
    assert len(dataclasses.fields(ProductInput)) == len(REVIEW_FIELD_NAMES)  # one input per field
    assert set(REVIEW_FIELD_NAMES) <= set(presenters.FIELD_LABELS)


def _rows(page: str) -> dict[str, tuple[str, str]]:
    """data-field → (the old value, the new value) of each changed row."""
    rows = {}
    for name, body in re.findall(r'<tr class="changed" data-field="([^"]+)">(.*?)</tr>', page, re.S):
        old = re.search(r"<del>(.*?)</del>", body, re.S).group(1)
        new = re.search(r"<ins>(.*?)</ins>", body, re.S).group(1)
        rows[name] = (re.sub(r"<[^>]+>", "", old).strip(), re.sub(r"<[^>]+>", "", new).strip())
    return rows


def _section(page: str, heading_id: str) -> str:
    start = page.index(f'id="{heading_id}"')
    return page[start : page.index("</section>", start)]


def _edit(product, cluster=None, **overrides) -> dict:
    """The seller's product form as it comes filled in for `product`, with `overrides`."""
    data = {
        "cluster_id": str((cluster or product.cluster).id),
        "title_id": product.title_id,
        "title_en": product.title_en,
        "description_id": product.description_id,
        "description_en": product.description_en,
        "price": str(product.price_minor),
        "weight_grams": str(product.weight_grams),
        "length_cm": "",
        "width_cm": "",
        "height_cm": "",
        "processing_days": str(product.processing_days),
        "low_stock_threshold": str(product.low_stock_threshold),
        "hs_code": "",
    }
    data.update(overrides)
    return data


def test_every_changed_field_is_shown_now_and_proposed(app, session, desk):
    """The seller changes every field of a live product through the form; the curator sees each
    one with its old and new value, the reviewed ones apart from the ones already live."""
    bamboo = make_cluster(session, slug="bambu", name_id="Anyaman bambu", name_en="Bamboo weaving")
    session.commit()
    seller = log_in(app.test_client(), desk.owner.email)
    every_field = _edit(
        desk.live,
        bamboo,
        title_id="Keranjang rotan bertutup",
        title_en="Lidded rattan basket",
        description_id="Keranjang rotan bertutup, anyaman rapat dari Tambong.",
        description_en="A lidded rattan basket, tightly woven in Tambong.",
        price="97500",
        weight_grams="650",
        length_cm="30",
        width_cm="25",
        height_cm="20",
        processing_days="4",
        low_stock_threshold="5",
        exportable="y",
        hs_code="4602.12",
    )
    assert seller.post(f"/seller/products/{desk.live.id}", data=every_field).status_code == 303

    curator = log_in(app.test_client(), desk.curator.email)
    page = curator.get(f"/curator/products/{desk.live.id}").get_data(as_text=True)
    waiting = _rows(_section(page, "waiting-h"))
    assert waiting == {
        "title_id": ("Keranjang rotan", "Keranjang rotan bertutup"),
        "title_en": ("Rattan basket", "Lidded rattan basket"),
        "description_id": (
            "Keranjang rotan anyaman tangan, kuat dan ringan.",
            "Keranjang rotan bertutup, anyaman rapat dari Tambong.",
        ),
        "description_en": (desk.live.description_en, "A lidded rattan basket, tightly woven in Tambong."),
        "price_minor": ("Rp\u00a085,000", "Rp\u00a097,500"),
    }
    applied = _rows(_section(page, "applied-h"))
    assert applied == {
        "cluster_id": ("Handicraft", "Bamboo weaving"),
        "weight_grams": ("500", "650"),
        "length_mm": ("(empty)", "30"),
        "width_mm": ("(empty)", "25"),
        "height_mm": ("(empty)", "20"),
        "processing_days": ("1", "4"),
        "exportable": ("No", "Yes"),
        "hs_code": ("(empty)", "4602.12"),
        "low_stock_threshold": ("3", "5"),
    }
    assert set(waiting) | set(applied) | {"stock"} == set(REVIEW_FIELD_NAMES)
    assert 'data-field="stock"' in page  # unchanged: in the folded list, with the units today
    assert "<summary>Unchanged fields (1)</summary>" in page


def test_fields_applied_at_once_compare_with_the_last_approval(app, session, desk):
    seller = log_in(app.test_client(), desk.owner.email)
    curator = log_in(app.test_client(), desk.curator.email)
    url = f"/seller/products/{desk.live.id}"
    assert (
        seller.post(url, data=_edit(desk.live, weight_grams="600", title_en="Big basket")).status_code == 303
    )
    page = curator.get(f"/curator/products/{desk.live.id}").get_data(as_text=True)
    assert _rows(_section(page, "applied-h")) == {"weight_grams": ("500", "600")}
    assert "Values before the seller&#39;s changes, and now" in page
    approve = {"decision": "approve", "revision_id": str(desk.revision.id)}
    assert curator.post(f"/curator/products/{desk.live.id}/decision", data=approve).status_code == 303

    # After the approval, 600 g is what the curator accepted: the next change compares with it.
    session.expire_all()
    for grams in ("700", "750"):
        edited = _edit(desk.live, title_en="Large basket", weight_grams=grams)
        assert seller.post(url, data=edited).status_code == 303
    page = curator.get(f"/curator/products/{desk.live.id}").get_data(as_text=True)
    assert _rows(_section(page, "applied-h")) == {"weight_grams": ("600", "750")}
    assert _rows(_section(page, "waiting-h")) == {"title_en": ("Big basket", "Large basket")}
    assert "Values when a curator last approved this product, and now" in page


def test_a_new_product_shows_every_field_labels_and_zoomable_photos(app, session, desk):
    storage = get_storage(app)
    add_photo(session, storage, product=desk.new, colour=(150, 90, 40))
    halal = make_label_type(session, code="halal", name_id="Halal", name_en="Halal")
    make_product_label(
        session, product=desk.new, label_type=halal, status="requested", certificate_number="ID35110000123"
    )
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email)
    page = curator.get(f"/curator/products/{desk.new.id}").get_data(as_text=True)
    shown = set(re.findall(r'<tr data-field="([^"]+)">', page))
    assert shown == set(REVIEW_FIELD_NAMES)
    assert "Halal" in page and "ID35110000123" in page and "Waiting for a curator" in page
    assert 'href="/curator/labels"' in page
    # The photo: a 640 px rendition with its srcset, inside a link to the largest one (900 px here).
    [photo] = re.findall(
        r'<a href="([^"]+)" class="zoom"><img src="([^"]+)" srcset="([^"]+)" sizes="[^"]+" width="(\d+)"',
        page,
    )
    zoom, src, srcset, width = photo
    assert zoom.endswith("-900.webp") and src.endswith("-640.webp") and width == "640"
    assert "-320.webp 320w" in srcset and "-900.webp 900w" in srcset
    assert "open it full size" in page
    opened = app.test_client().get(zoom)  # the link opens the picture itself
    assert opened.status_code == 200 and opened.mimetype == "image/webp"
    opened.close()


def test_variant_changes_since_the_last_approval(app, session, desk):
    seller = log_in(app.test_client(), desk.owner.email)
    curator = log_in(app.test_client(), desk.curator.email)
    url = f"/seller/products/{desk.live.id}/variants"
    assert (
        seller.post(url, data={"action": "options", "option1_id": "Ukuran", "option1_en": "Size"}).status_code
        == 303
    )
    [own] = desk.live.variants
    medium = {"value1": "M", "sku": "RTN-M", "price": "", "weight_grams": ""}
    assert seller.post(f"{url}/{own.id}", data=medium).status_code == 303
    small = {"action": "add", "new-value1": "S", "new-stock": "0", "new-sku": "RTN-S"}
    assert seller.post(url, data=small).status_code == 303
    approve = {"decision": "approve", "revision_id": str(desk.revision.id)}
    assert curator.post(f"/curator/products/{desk.live.id}/decision", data=approve).status_code == 303

    session.expire_all()
    small_id = next(v.id for v in desk.live.variants if v.value1 == "S")
    assert (
        seller.post(f"{url}/{own.id}", data={**medium, "sku": "RTN-M2", "weight_grams": "450"}).status_code
        == 303
    )
    large = {"action": "add", "new-value1": "L", "new-price": "120,000", "new-stock": "4", "new-sku": "RTN-L"}
    assert seller.post(url, data=large).status_code == 303
    assert seller.post(f"{url}/{small_id}/delete").status_code == 303

    page = curator.get(f"/curator/products/{desk.live.id}").get_data(as_text=True)
    variants = _section(page, "variants-h")
    assert "<del>RTN-M</del> <ins>RTN-M2</ins>" in variants
    assert "<del>500</del> <ins>450</ins>" in variants
    large_row = re.search(
        r"<tr class=\"changed\">\s*<th scope=\"row\">L <strong[^>]*>new</strong>(.*?)</tr>", variants, re.S
    )
    assert large_row and re.search(r"<del>Rp\W95,000</del> <ins>Rp\W120,000</ins>", large_row.group(1))
    assert "<del>S</del>" in variants and "<del>RTN-S</del>" in variants and ">removed<" in variants
    # The waiting price also heads the page, beside the other changes waiting for approval.
    assert "Price – L" in _section(page, "waiting-h")
