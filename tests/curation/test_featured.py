"""Featured slots: create/edit/end/delete in Jakarta time, the home page and its preview, audit rows.

The page cache is on in this module, so the home page tests also prove that curator changes
invalidate it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.catalogue.models import ProductStatus
from marketplace.curation import featured
from marketplace.curation.models import FeaturedPlacement
from marketplace.errors import InvalidInput
from marketplace.timezones import to_jakarta_local
from marketplace.types import utcnow
from tests.curation.conftest import audit_rows, log_in, snapshot
from tests.factories import make_featured, make_product


@pytest.fixture
def app_overrides():
    return {"PAGE_CACHE_ENABLED": True}


def _form(item, **extra):
    data = {
        "product": str(item.id),
        "headline_id": "Pilihan kurator",
        "headline_en": "Curator pick",
        "position": "2",
        "starts_at": "2030-01-01T08:00",
        "ends_at": "2030-01-08T20:30",
    }
    data.update(extra)
    return data


def _placements(session):
    session.expire_all()
    return list(session.scalars(sa.select(FeaturedPlacement).order_by(FeaturedPlacement.id)))


def _jakarta_form_value(moment: datetime) -> str:
    return to_jakarta_local(moment).strftime("%Y-%m-%dT%H:%M")


def test_create_converts_jakarta_time_to_utc_and_audits(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    page = curator.get("/curator/featured").get_data(as_text=True)
    for label in (
        "Product (id or name)",
        "Headline, in Indonesian",
        "Position",
        "Starts (Jakarta time)",
        "Ends",
    ):
        assert label in page
    assert ">Save</button>" in page

    response = curator.post("/curator/featured", data=_form(desk.live))
    assert response.status_code == 303, response.get_data(as_text=True)
    [placement] = _placements(session)
    # 08:00 WIB is 01:00 UTC
    assert placement.starts_at == datetime(2030, 1, 1, 1, 0, tzinfo=UTC)
    assert placement.ends_at == datetime(2030, 1, 8, 13, 30, tzinfo=UTC)
    assert (
        placement.position == 1 and placement.headline_en == "Curator pick"
    )  # typed 2: slot 1 counting from 0
    assert placement.created_by_id == desk.curator.id
    [entry] = audit_rows(session, "featured.")
    assert entry.action == "featured.create" and entry.seller_id == desk.seller.id
    assert entry.after["starts_at"].startswith("2030-01-01T01:00")
    listing = curator.get("/curator/featured").get_data(as_text=True)
    assert "Upcoming" in listing and "1 January 2030 08:00 WIB" in listing


def test_product_can_be_chosen_by_title_when_only_one_matches(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    assert curator.post("/curator/featured", data=_form(desk.live, product="keranjang")).status_code == 303
    assert _placements(session)[0].product_id == desk.live.id
    search = curator.get("/curator/featured?q=Keranjang").get_data(as_text=True)
    assert f"#{desk.live.id}" in search and f"/curator/featured?product={desk.live.id}" in search
    prefilled = curator.get(f"/curator/featured?product={desk.live.id}").get_data(as_text=True)
    assert f'value="{desk.live.id}"' in prefilled


@pytest.mark.parametrize(
    "changes, field_message",
    [
        ({"ends_at": "2030-01-01T07:00"}, "The end must be after the start."),
        ({"ends_at": "2030-01-01T08:00"}, "The end must be after the start."),
        ({"position": "0"}, "Enter a position from 1"),
        ({"position": "-3"}, "Enter a position from 1"),
        ({"position": "100"}, "Enter a position from 1"),
        ({"position": "x"}, "Not a valid integer value."),
        ({"starts_at": "tomorrow"}, "Not a valid datetime value."),
        ({"starts_at": ""}, "Enter when the placement starts."),
        ({"headline_id": ""}, "Enter the headline in Indonesian."),
        ({"headline_id": "x" * 161}, "at most 160 characters"),
        ({"product": "999999"}, "No product on sale matches"),
        ({"product": ""}, "Enter the product&#39;s id"),
        ({"ends_at": "2032-01-01T08:00"}, "at most 366 days"),
    ],
)
def test_bad_input_rerenders_with_messages_and_writes_nothing(app, session, desk, changes, field_message):
    curator = log_in(app.test_client(), desk.curator.email)
    before = snapshot(session)
    response = curator.post("/curator/featured", data=_form(desk.live, **changes))
    assert response.status_code == 400
    assert field_message in response.get_data(as_text=True)
    assert snapshot(session) == before


def test_only_products_on_sale_from_approved_sellers_can_be_featured(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    before = snapshot(session)
    for product in (desk.new, make_product(session, seller=desk.pending_seller, cluster=desk.cluster)):
        session.commit()
        response = curator.post("/curator/featured", data=_form(product))
        assert response.status_code == 400 and "Only products on sale can be featured" in response.get_data(
            as_text=True
        )
    session.expire_all()
    assert snapshot(session)["featured"] == before["featured"]


def test_several_matches_ask_for_the_id(session, desk):
    make_product(session, seller=desk.seller, cluster=desk.cluster, title_id="Keranjang bambu")
    with pytest.raises(InvalidInput) as error:
        featured.resolve_product(session, "keranjang")
    assert "Several products match" in error.value.errors["product"]


def test_home_page_shows_a_placement_only_inside_its_window(app, session, desk):
    anonymous = app.test_client()
    home = anonymous.get("/")
    assert "Curator pick" not in home.get_data(as_text=True)
    assert anonymous.get("/").headers.get("X-Cache") == "HIT"

    now = utcnow()
    curator = log_in(app.test_client(), desk.curator.email)
    later = _form(
        desk.live,
        headline_en="Next week pick",
        starts_at=_jakarta_form_value(now + timedelta(days=1)),
        ends_at=_jakarta_form_value(now + timedelta(days=8)),
    )
    assert curator.post("/curator/featured", data=later).status_code == 303
    page = anonymous.get("/").get_data(as_text=True)
    assert "Next week pick" not in page

    running = _form(
        desk.live,
        starts_at=_jakarta_form_value(now - timedelta(hours=1)),
        ends_at=_jakarta_form_value(now + timedelta(days=1)),
    )
    assert curator.post("/curator/featured", data=running).status_code == 303
    page = anonymous.get("/").get_data(as_text=True)  # the cache was invalidated by the commit
    assert "Curator pick" in page and "Next week pick" not in page

    # The preview shows what the home page will show tomorrow + 2 days.
    at = _jakarta_form_value(now + timedelta(days=2))
    preview = curator.get(f"/curator/featured/preview?at={at}")
    assert preview.status_code == 200 and preview.headers["Cache-Control"] == "private, no-store"
    html = preview.get_data(as_text=True)
    assert "Next week pick" in html and "Curator pick" not in html
    assert "Curator pick" in curator.get("/curator/featured/preview").get_data(as_text=True)
    bad = curator.get("/curator/featured/preview?at=soon")
    assert bad.status_code == 400 and "Enter a date and time" in bad.get_data(as_text=True)

    # Ending it early takes it off the home page at once.
    current = [p for p in _placements(session) if p.starts_at <= utcnow()][0]
    assert curator.post(f"/curator/featured/{current.id}/end").status_code == 303
    assert "Curator pick" not in anonymous.get("/").get_data(as_text=True)
    session.expire_all()
    assert session.get(FeaturedPlacement, current.id).ends_at <= utcnow()
    assert [e.action for e in audit_rows(session, "featured.")][-1] == "featured.end"
    # Ending it again changes nothing.
    again = curator.post(f"/curator/featured/{current.id}/end", follow_redirects=True)
    assert "is not running" in again.get_data(as_text=True)
    assert [e.action for e in audit_rows(session, "featured.")].count("featured.end") == 1


def test_archived_product_is_not_featured_on_the_home_page(app, session, desk):
    make_featured(session, product=desk.live, headline_en="Gone soon")
    session.commit()
    assert "Gone soon" in app.test_client().get("/").get_data(as_text=True)
    desk.live.status = ProductStatus.ARCHIVED
    session.commit()
    assert "Gone soon" not in app.test_client().get("/").get_data(as_text=True)


def test_edit_and_delete(app, session, desk):
    placement = make_featured(
        session,
        product=desk.live,
        position=2,  # stored from 0: the curator sees 3
        starts_at=datetime(2030, 2, 1, 1, 0, tzinfo=UTC),
        ends_at=datetime(2030, 2, 2, 1, 0, tzinfo=UTC),
    )
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email)
    page = curator.get(f"/curator/featured/{placement.id}/edit").get_data(as_text=True)
    assert 'value="2030-02-01T08:00"' in page and 'value="3"' in page

    bad = curator.post(
        f"/curator/featured/{placement.id}/edit", data=_form(desk.live, ends_at="2029-01-01T00:00")
    )
    assert bad.status_code == 400 and "The end must be after the start." in bad.get_data(as_text=True)

    response = curator.post(
        f"/curator/featured/{placement.id}/edit",
        data=_form(desk.live, position="1", starts_at="2030-02-01T08:00", ends_at="2030-02-03T08:00"),
    )
    assert response.status_code == 303
    session.expire_all()
    placement = session.get(FeaturedPlacement, placement.id)
    assert placement.position == 0 and placement.ends_at == datetime(2030, 2, 3, 1, 0, tzinfo=UTC)
    [entry] = audit_rows(session, "featured.update")
    assert entry.before["position"] == 3 and entry.after["position"] == 1
    assert "starts_at" not in entry.after  # only what changed

    placement_id = placement.id
    assert curator.post(f"/curator/featured/{placement_id}/delete").status_code == 303
    assert _placements(session) == []
    [entry] = audit_rows(session, "featured.delete")
    assert entry.before["product_id"] == desk.live.id and entry.after is None
    assert curator.post(f"/curator/featured/{placement_id}/delete").status_code == 404
    assert curator.get(f"/curator/featured/{placement_id}/edit").status_code == 404


def test_list_page_groups_current_upcoming_past_in_bounded_queries(app, session, desk, count_queries):
    curator = log_in(app.test_client(), desk.curator.email)
    now = utcnow()

    def add(n):
        for _ in range(n):
            product = make_product(session, seller=desk.seller, cluster=desk.cluster)
            make_featured(
                session, product=product, starts_at=now - timedelta(days=3), ends_at=now - timedelta(days=2)
            )
            make_featured(
                session, product=product, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=1)
            )
            make_featured(
                session, product=product, starts_at=now + timedelta(days=1), ends_at=now + timedelta(days=2)
            )
        session.commit()

    counts = []
    for n in (1, 5):
        add(n)
        curator.get("/curator/featured")
        with count_queries() as counter:
            assert curator.get("/curator/featured").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1] and counts[1] <= 12, counts


def test_implausible_years_are_refused_not_crashed(app, session, desk):
    curator = log_in(app.test_client(), desk.curator.email)
    before = snapshot(session)
    response = curator.post("/curator/featured", data=_form(desk.live, starts_at="0001-01-01T00:00"))
    assert response.status_code == 400 and "Enter a date between 2000 and 2200." in response.get_data(
        as_text=True
    )
    response = curator.post("/curator/featured", data=_form(desk.live, ends_at="9999-12-31T23:59"))
    assert response.status_code == 400
    assert snapshot(session) == before
    assert curator.get("/curator/featured/preview?at=0001-01-01T00:00").status_code == 400
    assert curator.get("/curator/featured/fairness?from=0001-01-01&to=9999-12-31").status_code == 400
    assert curator.get("/curator/featured/fairness.csv?to=9999-12-31").status_code == 400


def test_a_position_holds_one_placement_at_a_time(app, session, desk):
    """A slot taken for part of the period is refused, on creating and on editing (in the form, in
    both languages); the placement itself keeps its position when edited; after it ends, the slot
    is free."""
    taken = make_featured(
        session,
        product=desk.live,
        position=1,  # the curator's position 2
        starts_at=datetime(2030, 1, 5, 1, 0, tzinfo=UTC),
        ends_at=datetime(2030, 1, 10, 1, 0, tzinfo=UTC),
    )
    other = make_featured(
        session,
        product=desk.live,
        position=3,  # the curator's position 4
        starts_at=datetime(2030, 1, 1, 1, 0, tzinfo=UTC),
        ends_at=datetime(2030, 1, 3, 1, 0, tzinfo=UTC),
    )
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email)

    refused = curator.post("/curator/featured", data=_form(desk.live))  # 1–8 January, position 2
    assert refused.status_code == 400
    assert f"Position 2 is taken at that time by placement #{taken.id}." in refused.get_data(as_text=True)
    moved = curator.post(f"/curator/featured/{other.id}/edit", data=_form(desk.live))
    assert moved.status_code == 400
    indonesian = curator.post("/curator/featured?lang=id", data=_form(desk.live))
    assert f"Posisi 2 pada waktu itu sudah dipakai penempatan #{taken.id}." in indonesian.get_data(
        as_text=True
    )
    assert len(_placements(session)) == 2

    kept = curator.post(
        f"/curator/featured/{taken.id}/edit", data=_form(desk.live, starts_at="2030-01-06T08:00")
    )
    assert kept.status_code == 303
    after = curator.post(
        "/curator/featured", data=_form(desk.live, starts_at="2030-01-08T20:30", ends_at="2030-01-12T08:00")
    )
    assert after.status_code == 303  # starts when the other (moved to 6–8 January) ends
    assert [p.position for p in _placements(session)] == [1, 3, 1]


def _order(html: str, names) -> list[str]:
    """`names` in the order they first appear in `html`."""
    return sorted(names, key=html.index)


def test_positions_count_from_1_in_the_form_table_preview_and_home(app, session, desk):
    """Typed 2, 1, 3: the table lists 1, 2, 3 with those products, the edit form shows what was
    typed, and the preview and the home page show the products in that order; the column counts
    from 0 (the demo's and the model's convention)."""
    names = {"1": "Tas pandan merah", "2": "Kopi Dadapan", "3": "Kalimba batok"}
    products = {
        position: make_product(
            session, seller=desk.seller, cluster=desk.cluster, title_id=name, title_en=name
        )
        for position, name in names.items()
    }
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email)
    now = utcnow()
    window = {
        "starts_at": _jakarta_form_value(now - timedelta(hours=1)),
        "ends_at": _jakarta_form_value(now + timedelta(days=2)),
    }
    for position in ("2", "1", "3"):
        data = _form(products[position], position=position, headline_en=f"Pick {position}", **window)
        assert curator.post("/curator/featured", data=data).status_code == 303

    stored = {p.product_id: p.position for p in _placements(session)}
    assert [stored[products[n].id] for n in ("1", "2", "3")] == [0, 1, 2]
    table = curator.get("/curator/featured").get_data(as_text=True)
    cells = re.findall(r'<td class="num"[^>]*>(\d+)</td>\s*<th scope="row">#\d+ ([^<]+)<br>', table)
    assert cells == [("1", names["1"]), ("2", names["2"]), ("3", names["3"])]
    second = next(p for p in _placements(session) if p.product_id == products["2"].id)
    edit = curator.get(f"/curator/featured/{second.id}/edit").get_data(as_text=True)
    assert re.search(r'name="position"[^>]*value="2"', edit)
    preview = curator.get("/curator/featured/preview").get_data(as_text=True)
    home = app.test_client().get("/").get_data(as_text=True)
    for page in (preview, home):
        assert _order(page, names.values()) == [names["1"], names["2"], names["3"]]

    # Saving the edit form as it comes keeps the slot (no off-by-one drift) and changes nothing.
    unchanged = _form(products["2"], position="2", headline_en="Pick 2", **window)
    unchanged.update(
        starts_at=_jakarta_form_value(second.starts_at), ends_at=_jakarta_form_value(second.ends_at)
    )
    response = curator.post(f"/curator/featured/{second.id}/edit", data=unchanged, follow_redirects=True)
    assert "Nothing changed." in response.get_data(as_text=True)
    session.expire_all()
    assert session.get(FeaturedPlacement, second.id).position == 1
    assert [e.after.get("position") for e in audit_rows(session, "featured.create")] == [2, 1, 3]


def test_placements_stored_from_0_show_from_1_and_keep_their_order(app, session, desk):
    """The demo's placements (0, 1, 2 in the column) read 1, 2, 3 and can be saved unchanged."""
    now = utcnow().replace(second=0, microsecond=0)  # what a datetime-local field holds
    placements = [
        make_featured(
            session,
            product=make_product(
                session, seller=desk.seller, cluster=desk.cluster, title_id=f"Demo {n}", title_en=f"Demo {n}"
            ),
            position=n,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=3),
        )
        for n in (2, 0, 1)
    ]
    session.commit()
    curator = log_in(app.test_client(), desk.curator.email)
    table = curator.get("/curator/featured").get_data(as_text=True)
    cells = re.findall(r'<td class="num"[^>]*>(\d+)</td>\s*<th scope="row">#\d+ ([^<]+)<br>', table)
    assert cells == [("1", "Demo 0"), ("2", "Demo 1"), ("3", "Demo 2")]
    first = placements[1]
    edit = curator.get(f"/curator/featured/{first.id}/edit").get_data(as_text=True)
    assert re.search(r'name="position"[^>]*value="1"', edit)
    data = _form(
        first.product,
        position="1",
        headline_id=first.headline_id,
        headline_en=first.headline_en,
        starts_at=_jakarta_form_value(first.starts_at),
        ends_at=_jakarta_form_value(first.ends_at),
    )
    saved = curator.post(f"/curator/featured/{first.id}/edit", data=data, follow_redirects=True)
    assert "Nothing changed." in saved.get_data(as_text=True)
    # Another placement in slot 1 at the same time is refused, naming the slot as the table does.
    clash = curator.post(
        "/curator/featured",
        data=_form(
            desk.live,
            position="1",
            **{
                "starts_at": _jakarta_form_value(now),
                "ends_at": _jakarta_form_value(now + timedelta(days=1)),
            },
        ),
    )
    assert clash.status_code == 400
    assert f"Position 1 is taken at that time by placement #{first.id}." in clash.get_data(as_text=True)
