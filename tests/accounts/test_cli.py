"""`flask create-curator EMAIL`: a curator account from the command line."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.accounts.models import User
from marketplace.accounts.passwords import verify_password
from tests.factories import make_user


def test_create_curator_reads_password_from_stdin(runner, session):
    result = runner.invoke(
        args=["create-curator", "Kurator@Kabat.test", "--password-stdin"], input="camat kabat 2026\n"
    )
    assert result.exit_code == 0, result.output
    user = session.scalar(sa.select(User))
    assert user.email == "kurator@kabat.test"
    assert user.is_curator
    assert verify_password(user.password_hash, "camat kabat 2026")


def test_create_curator_prompts_twice(runner, session):
    result = runner.invoke(
        args=["create-curator", "kurator@kabat.test"], input="camat kabat 2026\ncamat kabat 2026\n"
    )
    assert result.exit_code == 0, result.output
    assert session.scalar(sa.select(User.is_curator))


def test_create_curator_promotes_an_existing_account(runner, session):
    user = make_user(session, email="ayu@example.test")
    session.commit()
    result = runner.invoke(
        args=["create-curator", "ayu@example.test", "--password-stdin"], input="new curator pass\n"
    )
    assert result.exit_code == 0, result.output
    session.expire_all()
    assert user.is_curator and verify_password(user.password_hash, "new curator pass")
    assert session.scalar(sa.select(sa.func.count(User.id))) == 1


def test_create_curator_refuses_weak_password_and_bad_email(runner, session):
    result = runner.invoke(args=["create-curator", "kurator@kabat.test", "--password-stdin"], input="short\n")
    assert result.exit_code != 0
    assert "at least 10" in result.output
    result = runner.invoke(
        args=["create-curator", "not-an-email", "--password-stdin"], input="long enough pass\n"
    )
    assert result.exit_code != 0
    assert "valid email" in result.output
    assert session.scalar(sa.select(sa.func.count(User.id))) == 0
