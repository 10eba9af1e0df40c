"""The mentoring log: adding notes (audited), listing and filtering, who needs a visit, access."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.errors import ValidationError
from marketplace.mentoring import services
from marketplace.mentoring.models import MentoringKind, MentoringNote
from tests.monitoring.conftest import log_in

TODAY = date(2026, 4, 15)


def notes(session):
    return session.scalars(sa.select(MentoringNote).order_by(MentoringNote.id)).all()


def test_add_note_is_audited(session, world):
    note = services.add_note(
        session,
        seller=world.s1,
        author=world.curator,
        kind="visit",
        visited_on=date(2026, 4, 14),
        body="  Helped photograph the new batik.  ",
        follow_up_on=date(2026, 5, 1),
        today=TODAY,
    )
    session.commit()
    assert (note.kind, note.body, note.author_id) == (
        MentoringKind.VISIT,
        "Helped photograph the new batik.",
        world.curator.id,
    )
    entry = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "mentoring.visit")).one()
    assert (entry.actor_id, entry.seller_id, entry.target_id) == (world.curator.id, world.s1.id, world.s1.id)
    assert entry.after["follow_up_on"] == "2026-05-01"


@pytest.mark.parametrize(
    "values, field",
    [
        ({"kind": "gossip"}, "kind"),
        ({"visited_on": None}, "visited_on"),
        ({"visited_on": date(2026, 4, 16)}, "visited_on"),
        ({"body": "   "}, "body"),
        ({"body": "x" * 5001}, "body"),
        ({"follow_up_on": date(2026, 4, 1)}, "follow_up_on"),
    ],
)
def test_bad_notes_are_refused(session, world, values, field):
    before = len(notes(session))
    arguments = {"kind": "note", "visited_on": date(2026, 4, 10), "body": "Called.", "follow_up_on": None}
    arguments.update(values)
    with pytest.raises(ValidationError) as error:
        services.add_note(session, seller=world.s1, author=world.curator, today=TODAY, **arguments)
    assert error.value.field == field
    session.rollback()
    assert len(notes(session)) == before


def test_lists_and_filters(session, world):
    for seller, day in ((world.s1, date(2026, 4, 1)), (world.s2, date(2026, 4, 2))):
        services.add_note(
            session,
            seller=seller,
            author=world.curator,
            kind="note",
            visited_on=day,
            body=f"About {seller.name}",
            today=TODAY,
        )
    session.commit()
    assert [n.body for n in services.list_notes(session)][:2] == ["About Dapur Kabat", "About Batik Sri"]
    assert [n.body for n in services.list_notes(session, village_id=world.tambong.id)] == ["About Batik Sri"]
    assert [n.seller_id for n in services.list_notes(session, seller_id=world.s3.id)] == [world.s3.id]


def test_sellers_needing_a_visit(session, world):
    # s3 was visited on 2026-01-20 (world); s1 gets a visit now; s2 only a note (not a visit).
    services.add_note(
        session,
        seller=world.s1,
        author=world.curator,
        kind="visit",
        visited_on=date(2026, 4, 1),
        body="Visit.",
        today=TODAY,
    )
    services.add_note(
        session,
        seller=world.s2,
        author=world.curator,
        kind="note",
        visited_on=date(2026, 4, 1),
        body="Phone call.",
        today=TODAY,
    )
    session.commit()
    due = services.sellers_needing_visit(session, today=TODAY)
    assert [(row.seller, row.last_visit) for row in due] == [("Dapur Kabat", None)]
    later = services.sellers_needing_visit(session, today=date(2026, 5, 1))
    assert [(row.seller, row.last_visit) for row in later] == [
        ("Dapur Kabat", None),
        ("Anyaman Kabat", date(2026, 1, 20)),
    ]
    assert [
        r.seller for r in services.sellers_needing_visit(session, today=TODAY, village_id=world.tambong.id)
    ] == []


def test_curator_adds_a_note_through_the_form(app, session, world):
    client = log_in(app.test_client(), "curator@example.test")
    page = client.get(f"/curator/sellers/{world.s2.id}/mentoring")
    assert page.status_code == 200
    assert 'name="visited_on"' in page.get_data(as_text=True)
    response = client.post(
        f"/curator/sellers/{world.s2.id}/mentoring",
        data={
            "kind": "visit",
            "visited_on": "2026-04-10",
            "body": "Checked the kitchen.",
            "follow_up_on": "",
        },
    )
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Checked the kitchen." in html
    listing = client.get("/curator/mentoring?village=kabat").get_data(as_text=True)
    assert "Checked the kitchen." in listing and "Mentoring log: Kabat" in listing
    assert "Checked the kitchen." not in client.get("/curator/mentoring?village=tambong").get_data(
        as_text=True
    )
    session.expire_all()
    assert [n.body for n in notes(session)][-1] == "Checked the kitchen."


def test_bad_form_input_rerenders_without_writing(app, session, world):
    client = log_in(app.test_client(), "curator@example.test")
    before = len(notes(session))
    for data in (
        {"kind": "visit", "visited_on": "2999-01-01", "body": "Future."},
        {"kind": "visit", "visited_on": "not a date", "body": "Bad."},
        {"kind": "visit", "visited_on": "2026-04-10", "body": ""},
        {"kind": "party", "visited_on": "2026-04-10", "body": "Hm."},
    ):
        response = client.post(f"/curator/sellers/{world.s1.id}/mentoring", data=data)
        assert response.status_code == 400, data
        assert 'class="error"' in response.get_data(as_text=True)
    session.expire_all()
    assert len(notes(session)) == before


def test_only_curators_reach_the_log(app, session, world):
    url = f"/curator/sellers/{world.s1.id}/mentoring"
    data = {"kind": "note", "visited_on": "2026-04-10", "body": "Sneaky."}
    assert app.test_client().post(url, data=data).status_code == 302
    for email in ("u1@example.test", "owner@example.test"):  # a buyer; the seller's own account
        client = log_in(app.test_client(), email)
        assert client.get(url).status_code == 404
        assert client.post(url, data=data).status_code == 404
        assert client.get("/curator/mentoring").status_code == 404
    session.expire_all()
    assert all(n.body != "Sneaky." for n in notes(session))
    curator = log_in(app.test_client(), "curator@example.test")
    assert curator.get("/curator/sellers/999999/mentoring").status_code == 404
    assert curator.get("/curator/mentoring?village=atlantis").status_code == 404
    assert curator.get("/curator/mentoring?seller=abc").status_code == 404


def test_the_log_runs_the_same_queries_for_few_or_many_notes(app, session, world, count_queries):
    client = log_in(app.test_client(), "curator@example.test")

    def add(count):
        for n in range(count):
            seller = (world.s1, world.s2, world.s3)[n % 3]
            services.add_note(
                session,
                seller=seller,
                author=world.curator,
                kind="visit",
                visited_on=date(2026, 1, 1 + n % 28),
                body=f"Visit {n}",
                today=TODAY,
            )
        session.commit()

    add(3)
    with count_queries() as few:
        assert client.get("/curator/mentoring").status_code == 200
        assert client.get(f"/curator/sellers/{world.s1.id}/mentoring").status_code == 200
    add(30)
    with count_queries() as many:
        assert client.get("/curator/mentoring").status_code == 200
        assert client.get(f"/curator/sellers/{world.s1.id}/mentoring").status_code == 200
    assert few.count == many.count


def test_follow_ups_due_until_a_later_note(app, session, world):
    def add(seller, day, follow_up=None, body="Checked."):
        services.add_note(
            session, seller=seller, author=world.curator, kind="visit", visited_on=day, body=body,
            follow_up_on=follow_up, today=TODAY,
        )  # fmt: skip

    add(world.s1, date(2026, 3, 1), date(2026, 4, 1), "Bring the label forms.")  # overdue
    add(world.s2, date(2026, 4, 10), date(2026, 4, 25), "Photograph the snacks.")  # within 14 days
    add(world.s3, date(2026, 4, 10), date(2026, 6, 1))  # too far ahead
    session.commit()
    due = services.follow_ups_due(session, today=TODAY)
    assert [(row.seller, row.follow_up_on) for row in due] == [
        ("Batik Sri", date(2026, 4, 1)),
        ("Dapur Kabat", date(2026, 4, 25)),
    ]
    assert [
        row.seller for row in services.follow_ups_due(session, today=TODAY, village_id=world.kabat.id)
    ] == ["Dapur Kabat"]
    add(world.s1, date(2026, 4, 12))  # the follow-up happened: Batik Sri leaves the list
    session.commit()
    assert [row.seller for row in services.follow_ups_due(session, today=TODAY)] == ["Dapur Kabat"]

    client = log_in(app.test_client(), "curator@example.test", lang="id")
    html = client.get("/curator/mentoring").get_data(as_text=True)
    assert "Tindak lanjut yang jatuh tempo" in html and "Photograph the snacks." in html


def test_a_refused_note_is_named_at_the_top_and_keeps_what_was_typed(app, session, world):
    client = log_in(app.test_client(), "curator@example.test")
    response = client.post(
        f"/curator/sellers/{world.s1.id}/mentoring",
        data={
            "kind": "visit",
            "visited_on": "2026-04-10",
            "body": "Typed on a phone.",
            "follow_up_on": "2026-04-01",
        },
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    summary = html.split('id="error-summary"')[1].split("</div>")[0]
    assert "Please correct the fields marked below." in summary and 'href="#follow_up_on"' in summary
    assert "The follow-up cannot be before the day of the note." in summary
    assert html.index('id="error-summary"') < html.index('name="body"')
    assert "Typed on a phone." in html


def test_a_refused_note_names_every_problem_at_once(session, world):
    with pytest.raises(ValidationError) as error:
        services.add_note(
            session, seller=world.s1, author=world.curator, kind="visit", visited_on=date(2026, 4, 20),
            body="  ", follow_up_on=date(2026, 4, 18), today=TODAY,
        )  # fmt: skip
    assert set(error.value.errors) == {"visited_on", "body", "follow_up_on"}
    assert "cannot be before the day" in str(error.value.errors["follow_up_on"])


@pytest.mark.parametrize(
    "data, expected",
    [
        # The log refuses both: a day ahead, a follow-up before it.
        (
            {"visited_on": "2999-01-10", "body": "Future.", "follow_up_on": "2999-01-01"},
            ["The day cannot be in the future.", "The follow-up cannot be before the day of the note."],
        ),
        # The form refuses the empty text; the future day is named beside it.
        ({"visited_on": "2999-01-10", "body": ""}, ["The day cannot be in the future.", "Write what was"]),
    ],
)
def test_the_form_names_every_wrong_field_at_the_top(app, session, world, data, expected):
    client = log_in(app.test_client(), "curator@example.test")
    response = client.post(f"/curator/sellers/{world.s1.id}/mentoring", data={"kind": "visit", **data})
    assert response.status_code == 400
    summary = response.get_data(as_text=True).split('id="error-summary"')[1].split("</div>")[0]
    assert all(text in summary for text in expected), summary
