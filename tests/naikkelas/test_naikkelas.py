"""Naik kelas: metrics against hand-counted values, levels, curator edits, access, bounded queries."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.naikkelas import services
from marketplace.naikkelas.models import NaikKelasCriterion, NaikKelasLevel
from tests.factories import make_seller
from tests.naikkelas.conftest import level
from tests.seller.conftest import log_in


def thresholds(session):
    session.expire_all()
    return sorted(
        (c.level.code, c.metric, c.threshold) for c in session.scalars(sa.select(NaikKelasCriterion))
    )


def test_metrics_match_the_hand_counted_values(session, shop):
    metrics = services.compute_metrics(session, now=shop.now)
    assert metrics[shop.seller_a.id] == {
        "profile_complete": Decimal("75.0"),
        "photo_share": Decimal("33.3"),
        "active_products": 3,
        "verified_labels": 1,
        "export_ready": 1,
        "on_time_rate": Decimal("25.0"),  # 1 of 4: every paid order counts, not only 90 days
        "fulfilled_orders": 3,
        "not_cancelled_rate": Decimal("100.0"),
        "average_rating": None,  # no reviews: not measured (tests/reviews measures one)
        "review_count": 0,
    }
    assert metrics[shop.seller_b.id] == {
        "profile_complete": Decimal("0.0"),
        "photo_share": Decimal("0.0"),
        "active_products": 1,
        "verified_labels": 0,
        "export_ready": 0,
        "on_time_rate": None,  # no parcels: not measured, never "met"
        "fulfilled_orders": 0,
        "not_cancelled_rate": None,
        "average_rating": None,
        "review_count": 0,
    }
    only_a = services.compute_metrics(session, seller_ids=[shop.seller_a.id], now=shop.now)
    assert list(only_a) == [shop.seller_a.id]


def test_the_level_is_the_highest_with_every_lower_level_met(session, shop):
    level(session, "a", 1, ("profile_complete", "75"), ("active_products", "3"))
    level(session, "b", 2, ("on_time_rate", "25"))
    level(session, "c", 3, ("fulfilled_orders", "10"), ("verified_labels", "1"))
    level(session, "d", 4)  # no targets, but above an unmet level: not reached
    session.commit()
    cards = services.scorecards(session, seller_ids=None, now=shop.now)
    card = cards[shop.seller_a.id]
    assert card.level.code == "b" and card.next_level.code == "c"
    assert [(r.criterion.metric, r.value) for r in card.next_steps] == [("fulfilled_orders", 3)]
    assert cards[shop.seller_b.id].level is None and cards[shop.seller_b.id].next_level.code == "a"
    assert services.list_seller_levels(session, now=shop.now)[shop.seller_a.id].code == "b"


def test_defaults_are_created_once_and_never_overwrite_edits(session, shop):
    assert services.ensure_default_naik_kelas(session) == 3
    session.commit()
    first = session.scalars(sa.select(NaikKelasLevel).order_by(NaikKelasLevel.position)).first()
    first.criteria[0].threshold = Decimal("50")
    session.commit()
    assert services.ensure_default_naik_kelas(session) == 0
    session.commit()
    assert [lvl.code for lvl in services.list_levels(session)] == ["pemula", "berkembang", "siap-ekspor"]
    assert ("pemula", "profile_complete", Decimal("50.00")) in thresholds(session)
    # With the defaults, seller A (75 % profile) is below Pemula; its next step is the profile.
    card = services.scorecards(session, seller_ids=[shop.seller_a.id], now=shop.now)[shop.seller_a.id]
    assert card.level.code == "pemula"  # after the curator lowered the profile target to 50 %


def test_a_curator_changing_a_threshold_changes_the_level_and_is_audited(app, session, shop):
    lvl_b = level(session, "b", 2, ("on_time_rate", "25"))
    level(session, "a", 1, ("profile_complete", "75"))
    session.commit()
    criterion = lvl_b.criteria[0]
    assert services.list_seller_levels(session, now=shop.now)[shop.seller_a.id].code == "b"
    client = log_in(app.test_client(), shop.curator.email)
    response = client.post(f"/curator/naik-kelas/criteria/{criterion.id}", data={"threshold": "50,5"})
    assert response.status_code == 303
    session.expire_all()
    assert criterion.threshold == Decimal("50.50")
    assert services.list_seller_levels(session)[shop.seller_a.id].code == "a"
    entry = session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "naikkelas.criterion_update")
    ).one()
    assert entry.actor_id == shop.curator.id and entry.before == {"threshold": "25.00"}
    assert entry.after == {"threshold": "50.50"}
    page = client.get("/seller/naik-kelas")
    assert page.status_code == 404  # a curator who runs no shop has no scorecard


@pytest.mark.parametrize(
    "path, data, message",
    [
        ("criteria/{c}", {"threshold": "banyak"}, "Enter a number"),
        ("criteria/{c}", {"threshold": "150"}, "0 to 100"),
        (
            "levels/{l}/criteria",
            {"metric": "on_time_rate", "threshold": "90", "name_id": "Lagi"},
            "already has",
        ),
        ("levels/{l}/criteria", {"metric": "likes", "threshold": "9", "name_id": "Suka"}, "from the list"),
        (
            "levels/{l}/criteria",
            {"metric": "fulfilled_orders", "threshold": "2.5", "name_id": "X1"},
            "whole number",
        ),
        ("levels", {"code": "A B", "position": "1", "name_id": "Baru"}, "small letters"),
        ("levels", {"code": "bb", "position": "1", "name_id": "Lagi"}, "exists already"),
    ],
)
def test_bad_edits_re_render_with_a_message_and_change_nothing(app, session, shop, path, data, message):
    lvl_b = level(session, "bb", 2, ("on_time_rate", "25"))
    session.commit()
    before = thresholds(session), session.scalar(sa.select(sa.func.count()).select_from(NaikKelasLevel))
    client = log_in(app.test_client(), shop.curator.email)
    url = "/curator/naik-kelas/" + path.format(c=lvl_b.criteria[0].id, l=lvl_b.id)
    response = client.post(url, data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert (
        thresholds(session),
        session.scalar(sa.select(sa.func.count()).select_from(NaikKelasLevel)),
    ) == before
    assert session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == 0


def test_curator_adds_and_removes_levels_and_targets(app, session, shop):
    client = log_in(app.test_client(), shop.curator.email)
    response = client.post(
        "/curator/naik-kelas/levels",
        data={"code": "juara", "position": "9", "name_id": "Juara", "name_en": "Champion"},
    )
    assert response.status_code == 303
    new = session.scalars(sa.select(NaikKelasLevel).where(NaikKelasLevel.code == "juara")).one()
    response = client.post(
        f"/curator/naik-kelas/levels/{new.id}/criteria",
        data={
            "metric": "fulfilled_orders",
            "threshold": "100",
            "name_id": "100 pesanan",
            "hint_id": "Jual terus",
        },
    )
    assert response.status_code == 303
    assert thresholds(session) == [("juara", "fulfilled_orders", Decimal("100.00"))]
    criterion_id = session.scalars(sa.select(NaikKelasCriterion.id)).one()
    assert client.post(f"/curator/naik-kelas/criteria/{criterion_id}/remove").status_code == 303
    assert thresholds(session) == []
    assert client.post(f"/curator/naik-kelas/levels/{new.id}/remove").status_code == 303
    assert session.scalar(sa.select(sa.func.count()).select_from(NaikKelasLevel)) == 0
    actions = list(session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == [
        "naikkelas.level_add",
        "naikkelas.criterion_add",
        "naikkelas.criterion_remove",
        "naikkelas.level_remove",
    ]
    assert client.post("/curator/naik-kelas/levels/999999/remove").status_code == 404


def test_seller_scorecard_shows_own_shop_value_target_and_next_steps(app, session, shop):
    level(session, "a", 1, ("profile_complete", "75"))
    level(session, "b", 2, ("on_time_rate", "90"), ("photo_share", "20"))
    session.commit()
    client = log_in(app.test_client(), shop.user_a.email)
    page = client.get("/seller/naik-kelas")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Rotan Ani" in html and "Batik Budi" not in html
    assert "Level a (en)" in html and "Next steps to reach Level b (en)" in html
    assert "33.3%" in html and "≥ 90%" in html and "Do this for on_time_rate" in html
    assert 'href="/seller/naik-kelas"' in html  # in the seller menu


def test_access_rules(app, session, shop):
    anonymous = app.test_client()
    for path in ("/seller/naik-kelas", "/curator/naik-kelas", "/curator/naik-kelas/sellers.csv"):
        assert anonymous.get(path).status_code in (302, 303)
    buyer = log_in(app.test_client(), shop.buyer.email)
    seller = log_in(app.test_client(), shop.user_a.email)
    for path in ("/seller/naik-kelas", "/curator/naik-kelas"):
        assert buyer.get(path).status_code == 404
    assert seller.get("/curator/naik-kelas").status_code == 404
    lvl = level(session, "b", 2, ("on_time_rate", "25"))
    session.commit()
    before = thresholds(session)
    assert (
        seller.post(f"/curator/naik-kelas/criteria/{lvl.criteria[0].id}", data={"threshold": "1"}).status_code
        == 404
    )
    assert seller.post(f"/curator/naik-kelas/levels/{lvl.id}/remove").status_code == 404
    assert thresholds(session) == before
    curator = log_in(app.test_client(), shop.curator.email)
    page = curator.get("/curator/naik-kelas").get_data(as_text=True)
    assert "Rotan Ani" in page and "Batik Budi" in page
    csv_text = curator.get("/curator/naik-kelas/sellers.csv").get_data().decode("utf-8")
    assert csv_text.startswith("\ufeffShop id,Shop,Level code,Level,")  # UTF-8 for Excel, named columns
    rows = list(csv.reader(io.StringIO(csv_text.removeprefix("\ufeff"))))
    assert "Parcels shipped on time, every paid order (%)" in rows[0]
    assert f"{shop.seller_a.id},Rotan Ani,b," in csv_text and ",33.3," in csv_text
    # In Indonesian, as a spreadsheet set to Indonesian reads it: ";" between cells, "33,3".
    indonesian = log_in(app.test_client(), shop.curator.email, lang="id")
    id_text = indonesian.get("/curator/naik-kelas/sellers.csv").get_data().decode("utf-8")
    header, *id_rows = csv.reader(io.StringIO(id_text.removeprefix("\ufeff")), delimiter=";")
    assert header[:4] == ["No. toko", "Toko", "Kode level", "Level"]
    row = next(r for r in id_rows if r[1] == "Rotan Ani")
    assert "33,3" in row and all("." not in cell for cell in row[4:])


def test_the_curator_list_costs_the_same_queries_for_more_sellers(app, session, shop, count_queries):
    services.ensure_default_naik_kelas(session)
    session.commit()
    client = log_in(app.test_client(), shop.curator.email)
    client.get("/curator/naik-kelas")

    def measure():
        with count_queries() as counter:
            assert client.get("/curator/naik-kelas").status_code == 200
        return counter.count

    few = measure()
    for _ in range(5):
        make_seller(session)
    session.commit()
    assert measure() == few
