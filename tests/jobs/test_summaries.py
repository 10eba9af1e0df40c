"""/curator/jobs says what each run did in the viewer's language, counted (ngettext), also for rows
an older version stored; the stored line stays the English one the log and `jobs status` print."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from marketplace.jobs import runner, summaries
from marketplace.jobs.models import JobOutcome, JobTask
from marketplace.types import utcnow
from tests.factories import make_user
from tests.login import logged_in_as


def _result_column(page: str) -> list[str]:
    """What each run did: the hint under the outcome in the Result column."""
    return re.findall(r'<td data-label="(?:Result|Hasil)">[^<]*<br><span class="hint">(.*?)</span>', page)


def _curator(client, session):
    curator = make_user(session, email="camat@kabat.test", is_curator=True, locale="id")
    session.commit()
    return logged_in_as(client, curator)


def test_every_tasks_summary_is_shown_translated(app, session, client):
    runner.run_due()
    curator = _curator(client, session)

    indonesian = _result_column(curator.get("/curator/jobs?lang=id").get_data(as_text=True))
    assert len(indonesian) == len(summaries.FORMATS)
    assert "0 pesanan belum dibayar yang lewat batas waktu dibatalkan" in indonesian
    assert "Mengirim 0 email pengingat tentang 0 label yang akan kedaluwarsa" in indonesian
    assert not [line for line in indonesian if "(s)" in line or "sent " in line or "expired " in line]

    english = _result_column(curator.get("/curator/jobs?lang=en").get_data(as_text=True))
    assert "Cancelled 0 unpaid orders past their deadline" in english
    assert "Sent 0 reminder emails about 0 expiring labels" in english
    assert not [line for line in english if "(s)" in line]


def test_rows_stored_by_an_older_version_read_in_the_viewers_language(app, session, client):
    now = utcnow()
    for name, line in (
        ("orders.expire_unpaid", "expired 1 unpaid order(s)"),
        ("email.send_pending", "sent 3, will retry 1, failed 0"),
        ("labels.remind", "sent 1 reminder email(s) about 2 label(s)"),
    ):
        session.add(
            JobTask(
                name=name,
                interval_seconds=60,
                next_run_at=now + timedelta(minutes=1),
                last_started_at=now,
                last_finished_at=now,
                last_outcome=JobOutcome.OK,
                last_summary=line,
                last_duration_ms=3,
            )
        )
    curator = _curator(client, session)
    indonesian = _result_column(curator.get("/curator/jobs?lang=id").get_data(as_text=True))
    assert "1 pesanan belum dibayar yang lewat batas waktu dibatalkan" in indonesian
    assert "3 email terkirim; dicoba lagi 1, gagal 0" in indonesian
    assert "Mengirim 1 email pengingat tentang 2 label yang akan kedaluwarsa" in indonesian
    english = _result_column(curator.get("/curator/jobs?lang=en").get_data(as_text=True))
    # One order, one email: the singular.
    assert "Cancelled 1 unpaid order past its deadline" in english
    assert "Sent 1 reminder email about 2 expiring labels" in english
    assert "Sent 3 emails; will retry 1, failed 0" in english


@pytest.mark.parametrize("summary", summaries.FORMATS, ids=lambda summary: summary.text)
def test_a_stored_line_gives_back_the_counts_it_was_written_with(summary):
    names = re.findall(r"\{(\w+)\}", summary.text)
    counts = {name: 10 + index for index, name in enumerate(names)}
    assert summary.read(summary.format(**counts)) == counts
    assert summary.read(summary.format(**counts) + " and more") is None


def test_an_unknown_line_is_shown_as_stored(app):
    with app.test_request_context("/"):
        line = "RuntimeError: the courier's API said no"
        assert summaries.translated_summary(line) == line
