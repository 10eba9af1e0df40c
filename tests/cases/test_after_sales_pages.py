"""What the people around a problem report see: the seller's orders pages name an open report at
the top, the buyer is told to check before "I received it" and keeps someone to write to once the
parcel arrived, and a decided report stays linked from the order."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.cases import services
from marketplace.cases.models import Case
from marketplace.refunds.accounts import check_refund_account
from marketplace.seller.models import Seller
from marketplace.types import utcnow
from tests.cases.helpers import ACCOUNT, shipped_order
from tests.factories import make_user
from tests.login import logged_in_as


def open_case(session, fulfilment, buyer) -> Case:
    case = services.open_case(
        session, fulfilment, buyer=buyer, problem="damaged", description="The lid is cracked.", photos=[],
        storage=None, now=utcnow(), refund_account=check_refund_account(**ACCOUNT),
    )  # fmt: skip
    session.commit()
    return case


def test_the_seller_sees_an_open_report_on_the_list_and_the_parcel(app, session):
    buyer, owner, order, fulfilment = shipped_order(session)
    client = logged_in_as(app.test_client(), owner, lang="en")
    assert "reported a problem" not in client.get("/seller/orders").get_data(as_text=True)

    case = open_case(session, fulfilment, buyer)
    listing = client.get("/seller/orders").get_data(as_text=True)
    # The menu counts the report as waiting on the orders page (nothing is left to ship).
    assert 'Orders to ship <span class="badge">1</span>' in listing.split("</header>")[0]
    top = listing.split('<ul class="rows">')[0]  # above the list: seen first on a phone
    assert "A buyer reported a problem" in top and f'href="/cases/{case.id}"' in top
    assert f"Order {order.number}: It arrived damaged" in top and "waiting for your answer" in top
    assert "Problem reported" in listing.split('<h2 id="orders-shipped">')[1]  # and on the parcel's row

    parcel = client.get(f"/seller/orders/{fulfilment.id}").get_data(as_text=True)
    head = parcel.split("<h2>")[0]
    assert "The buyer reported a problem with this parcel" in head and f'href="/cases/{case.id}"' in head

    client.post(f"/cases/{case.id}/reply", data={"body": "Sorry! A new one goes out today."})
    assert "you answered" in client.get("/seller/orders").get_data(as_text=True)

    services.resolve_case(
        session, session.get(Case, case.id), curator=make_user(session, is_curator=True),
        resolution="reject", note="A new one was sent.", token="pg-1", now=utcnow(),
    )  # fmt: skip
    session.commit()
    assert "A buyer reported a problem" not in client.get("/seller/orders").get_data(as_text=True)
    # The decided report stays listed on the parcel's page.
    assert f'href="/cases/{case.id}"' in client.get(f"/seller/orders/{fulfilment.id}").get_data(as_text=True)


def test_the_indonesian_seller_list_names_the_report(app, session):
    buyer, owner, _order, fulfilment = shipped_order(session)
    open_case(session, fulfilment, buyer)
    page = (
        logged_in_as(app.test_client(), owner, lang="id").get("/seller/orders?lang=id").get_data(as_text=True)
    )
    assert "pembeli melaporkan masalah" in page and "menunggu jawaban Anda" in page


def test_check_before_i_received_it_in_both_languages(app, session):
    buyer, _owner, order, _fulfilment = shipped_order(session)
    client = logged_in_as(app.test_client(), buyer, lang="en")
    page = client.get(f"/orders/{order.number}?lang=en").get_data(as_text=True)
    hint = page.index("check the items first")
    assert hint < page.index("Report a problem with this part") < page.index("I received it")
    assert 'aria-describedby="receipt-hint-' in page
    page = client.get(f"/orders/{order.number}?lang=id").get_data(as_text=True)
    assert "periksa dulu barangnya" in page and "Sudah saya terima" in page


def test_after_receipt_the_buyer_can_still_write_to_the_shop_and_the_office(app, session, monkeypatch):
    buyer, _owner, order, fulfilment = shipped_order(session)
    client = logged_in_as(app.test_client(), buyer, lang="en")
    client.post(f"/orders/{order.number}/parts/{fulfilment.id}/received")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Report a problem with this part" not in page
    assert "Something wrong with this part after all?" not in page  # nobody to name yet

    seller = session.get(Seller, fulfilment.seller_id)
    seller.whatsapp_number, seller.whatsapp_public = "+6281234567890", True
    session.commit()
    monkeypatch.setitem(app.config, "OFFICE_EMAIL", "kecamatan@example.test")
    monkeypatch.setitem(app.config, "OFFICE_PHONE", "(0333) 123 456")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "Something wrong with this part after all?" in page
    assert "https://wa.me/6281234567890?text=" in page and order.number in page.split("wa.me/")[1][:200]
    assert 'href="mailto:kecamatan@example.test?subject=' in page and 'href="tel:0333123456"' in page


def test_a_decided_report_stays_linked_from_the_order(app, session):
    buyer, _owner, order, fulfilment = shipped_order(session)
    case = open_case(session, fulfilment, buyer)
    client = logged_in_as(app.test_client(), buyer, lang="en")
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    assert "You reported a problem with this part." in page and "check the items first" not in page
    services.resolve_case(
        session, session.get(Case, case.id), curator=make_user(session, is_curator=True),
        resolution="reject", note="The courier photo shows it whole.", token="pg-2", now=utcnow(),
    )  # fmt: skip
    session.commit()
    page = client.get(f"/orders/{order.number}").get_data(as_text=True)
    link = f'href="/orders/{order.number}/parts/{fulfilment.id}/case"'
    assert "The district office decided on your problem report." in page and link in page
    assert session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_the_curator_menu_counts_open_problem_reports(app, session):
    buyer, _owner, _order, fulfilment = shipped_order(session)
    curator = make_user(session, is_curator=True)
    session.commit()
    client = logged_in_as(app.test_client(), curator, lang="en")
    assert '<a href="/curator/cases">Problem reports</a>: <strong>0</strong> waiting' in client.get(
        "/curator/"
    ).get_data(as_text=True)
    open_case(session, fulfilment, buyer)
    html = client.get("/curator/").get_data(as_text=True)
    assert 'Problem reports <span class="badge">1</span>' in html.split("</header>")[0]
    assert '<a href="/curator/cases">Problem reports</a>: <strong>1</strong> waiting' in html


def test_the_report_names_the_items_in_the_readers_language(app, session):
    """A buyer abroad reads the report in English: the items are named as the order page names
    them, not in Indonesian."""
    buyer, owner, order, fulfilment = shipped_order(session)
    case = open_case(session, fulfilment, buyer)
    line = fulfilment.lines[0]
    english = (
        logged_in_as(app.test_client(), buyer, lang="en").get(f"/cases/{case.id}").get_data(as_text=True)
    )
    assert f"<li>2 × {line.title_en}</li>" in english and line.title_id not in english
    indonesian = (
        logged_in_as(app.test_client(), owner, lang="id").get(f"/cases/{case.id}").get_data(as_text=True)
    )
    assert f"<li>2 × {line.title_id}</li>" in indonesian
