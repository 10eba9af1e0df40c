"""`flask labels remind`: one email per seller, idempotent, and again after a renewal."""

from __future__ import annotations

from datetime import timedelta

from marketplace.catalogue.models import ProductStatus
from marketplace.labels import reminders as services
from marketplace.labels.models import LabelStatus
from marketplace.timezones import market_today
from tests.factories import make_product, make_product_label
from tests.labels.conftest import emails, reminders


def _remind(runner, *args):
    result = runner.invoke(args=["labels", "remind", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_one_email_per_seller_listing_its_labels_then_nothing_new(app, session, world, runner):
    today = market_today()
    halal_a = make_product_label(
        session, product=world.product_a, label_type=world.halal, certificate_number="HALAL-A",
        valid_until=today + timedelta(days=10),
    )  # fmt: skip
    make_product_label(
        session, product=world.product_a, label_type=world.handmade, valid_until=today + timedelta(days=30)
    )
    make_product_label(  # not within 30 days
        session, product=world.product_a, label_type=world.handmade, certificate_number="LATER",
        valid_until=today + timedelta(days=31),
    )  # fmt: skip
    make_product_label(  # already expired: nothing to remind about
        session, product=world.product_a, label_type=world.halal, certificate_number="GONE",
        valid_until=today - timedelta(days=1),
    )  # fmt: skip
    make_product_label(  # still waiting for a curator
        session, product=world.product_a, label_type=world.halal, status=LabelStatus.REQUESTED,
        certificate_number="ASKED", valid_until=today + timedelta(days=5),
    )  # fmt: skip
    archived = make_product(session, seller=world.seller_a, status=ProductStatus.ARCHIVED)
    make_product_label(
        session, product=archived, label_type=world.halal, certificate_number="ARCHIVED",
        valid_until=today + timedelta(days=5),
    )  # fmt: skip
    make_product_label(
        session, product=world.product_b, label_type=world.halal, certificate_number="HALAL-B",
        valid_until=today,
    )  # fmt: skip
    session.commit()

    assert "sent 2 reminder email(s) about 3 label(s)" in _remind(runner)
    mails = {mail.to_address: mail for mail in emails(session, "label_reminder")}
    assert set(mails) == {world.user_a.email, world.user_b.email}
    body_a = mails[world.user_a.email].body_text
    assert "HALAL-A" in body_a and "Sambal pecel" in body_a  # Ani reads Indonesian titles
    for absent in ("LATER", "GONE", "ASKED", "ARCHIVED", "HALAL-B"):
        assert absent not in body_a
    assert "HALAL-B" in mails[world.user_b.email].body_text
    assert mails[world.user_b.email].lang == "en"
    assert len(reminders(session)) == 3

    assert "sent 0 reminder email(s)" in _remind(runner)
    assert len(emails(session, "label_reminder")) == 2

    # Renewed: a new last day is a new reminder, only about that label.
    halal_a.valid_until = today + timedelta(days=20)
    session.commit()
    assert "sent 1 reminder email(s) about 1 label(s)" in _remind(runner)
    newest = emails(session, "label_reminder")[-1]
    assert newest.to_address == world.user_a.email and "HALAL-A" in newest.body_text
    assert "Buatan tangan" not in newest.body_text


def test_days_option_and_sellers_without_an_account(app, session, world, runner):
    today = market_today()
    make_product_label(
        session, product=world.product_a, label_type=world.halal, valid_until=today + timedelta(days=50)
    )
    world.seller_b.user_id = None
    make_product_label(
        session, product=world.product_b, label_type=world.halal, valid_until=today + timedelta(days=2)
    )
    session.commit()
    assert "sent 0 reminder email(s)" in _remind(runner, "--days", "30")
    assert "sent 1 reminder email(s) about 1 label(s)" in _remind(runner, "--days", "60")
    assert [mail.to_address for mail in emails(session)] == [world.user_a.email]
    result = runner.invoke(args=["labels", "remind", "--days", "-1"])
    assert result.exit_code != 0


def test_service_is_idempotent_within_one_transaction(app, session, world):
    today = market_today()
    make_product_label(
        session, product=world.product_a, label_type=world.halal, valid_until=today + timedelta(days=1)
    )
    session.commit()
    first = services.send_expiry_reminders(session, today=today)
    second = services.send_expiry_reminders(session, today=today)
    session.commit()
    assert (first.emails, second.emails) == (1, 0)
