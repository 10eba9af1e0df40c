"""Money and stock under parallel requests, on SQLite and PostgreSQL: real HTTP against gunicorn.

Each test sends a handful of identical (or competing) state-changing requests at the same moment,
from separate connections, to one gunicorn per backend (4 workers × 2 threads, `race_server`) shared
with the other races, and then checks the invariant in the database: never more refunded than paid, a balance
never paid out twice, a transfer confirmed once, stock never below zero and equal to its ledger,
a label decided once, one placement per featured slot. On SQLite these held only once state-
changing requests took the write lock when their transaction began (`marketplace/extensions.py`).
"""

from __future__ import annotations

import secrets
import threading
from datetime import timedelta

import pytest
import requests
import sqlalchemy as sa

from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import Product
from marketplace.curation.models import FeaturedPlacement
from marketplace.email.models import OutboundEmail
from marketplace.labels.models import LabelStatus, ProductLabel
from marketplace.orders.models import Order, OrderStatus
from marketplace.payments.models import Payment
from marketplace.payouts import services as payouts
from marketplace.payouts.models import LedgerEntry, LedgerKind, Payout
from marketplace.refunds.models import Refund
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.stock.models import StockMovement, StockMovementKind
from marketplace.types import utcnow
from tests.factories import TEST_PASSWORD, make_featured, make_product, make_product_label, make_user
from tests.orders.helpers import make_cart, place
from tests.payouts.helpers import make_shop, paid_order
from tests.race.harness import ADDRESS, Server, hidden, shown_quote

pytestmark = pytest.mark.slow

PARALLEL = 6


def log_in(base_url: str, email: str) -> requests.Session:
    """A browser-like session logged in through the real login form."""
    http = requests.Session()
    http.headers["Connection"] = "close"  # no idle keep-alive for gunicorn to wait on when it stops
    page = http.get(f"{base_url}/account/login", timeout=30)
    response = http.post(
        f"{base_url}/account/login",
        data={"csrf_token": hidden(page.text, "csrf_token"), "email": email, "password": TEST_PASSWORD},
        allow_redirects=False,
        timeout=30,
    )
    assert response.status_code in (302, 303), response.status_code
    return http


def csrf_token(http: requests.Session, url: str) -> str:
    token = hidden(http.get(url, timeout=30).text, "csrf_token")
    assert token, url
    return token


def at_once(posts: list[tuple[requests.Session, str, dict]]) -> list[requests.Response]:
    """Send every (session, url, form) POST at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(posts), timeout=60)
    responses: list = [None] * len(posts)

    def send(index: int, http: requests.Session, url: str, data: dict) -> None:
        own = requests.Session()  # own connection pool; the same cookies (login, CSRF secret)
        own.headers["Connection"] = "close"
        own.cookies.update(http.cookies)
        barrier.wait()
        try:
            responses[index] = own.post(url, data=data, allow_redirects=False, timeout=60)
        except requests.RequestException as error:  # reported by the assertion below
            responses[index] = error

    threads = [threading.Thread(target=send, args=(i, *post)) for i, post in enumerate(posts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return responses


def statuses(responses) -> list:
    return sorted(getattr(r, "status_code", repr(r)) for r in responses)


def assert_no_server_errors(responses, server: Server) -> None:
    codes = statuses(responses)
    assert all(isinstance(code, int) and code < 500 for code in codes), (codes, server.log())


def count(session, model, *where) -> int:
    return session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def curator_session(session, server: Server) -> requests.Session:
    make_user(session, email="kurator@example.test", is_curator=True)
    session.commit()
    return log_in(server.base_url, "kurator@example.test")


def _refunds_at_once(session, race_server, order, fields: dict):
    """The curator's refund form sent PARALLEL times at once (each with its own form token): the
    responses (none a 5xx), then the order's payment and the refunds recorded."""
    curator = curator_session(session, race_server)
    url = f"{race_server.base_url}/curator/orders/{order.number}/refund"
    form = {"csrf_token": csrf_token(curator, url), **fields}
    responses = at_once(
        [(curator, url, {**form, "token": secrets.token_urlsafe(16)}) for _ in range(PARALLEL)]
    )
    assert_no_server_errors(responses, race_server)
    session.expire_all()
    payment = session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).one()
    refunded = session.scalars(sa.select(Refund.amount_minor).where(Refund.order_id == order.id)).all()
    return responses, payment, refunded


def test_parallel_unit_refunds_never_refund_more_than_was_bought(app, session, race_server):
    """Six one-unit refunds of a three-unit line at once: three succeed, the rest are refused."""
    _seller, product = make_shop(session, price=25_000, stock=10)
    order = paid_order(session, {product: 3})
    line_id = order.lines[0].id
    responses, payment, refunded = _refunds_at_once(
        session,
        race_server,
        order,
        {"reason": "Rusak", "bank_reference": "TRF-BACK-1", f"units-{line_id}": "1"},
    )
    print("refund statuses:", statuses(responses), "refunds:", refunded)
    assert refunded == [25_000, 25_000, 25_000]
    assert statuses(responses).count(303) == 3
    assert payment.refunded_minor == 75_000 <= payment.amount_minor
    assert sum(refunded) <= payment.amount_minor
    assert session.get(Order, order.id).status == OrderStatus.PAID  # the unique code is still paid


def test_parallel_full_refunds_give_the_money_back_once(app, session, race_server):
    _seller, product = make_shop(session, price=40_000, stock=10)
    order = paid_order(session, {product: 2})
    _responses, payment, refunded = _refunds_at_once(
        session, race_server, order, {"reason": "Batal", "bank_reference": "TRF-2", "full": "y"}
    )
    assert refunded == [payment.amount_minor]
    assert payment.refunded_minor == payment.amount_minor
    assert session.get(Order, order.id).status == OrderStatus.REFUNDED


def test_parallel_refunds_of_the_same_unit_return_it_to_stock_once(app, session, race_server):
    """A parcel not shipped yet: its refunded unit goes back on sale. Six refunds of that one unit
    at once (two tabs, a double click): one refund, one unit back, one RETURN row."""
    _seller, product = make_shop(session, price=30_000, stock=4)
    order = paid_order(session, {product: 1})
    line_id = order.lines[0].id
    responses, _payment, refunded = _refunds_at_once(
        session,
        race_server,
        order,
        {"reason": "Stok habis", "bank_reference": "TRF-UNIT", f"units-{line_id}": "1"},
    )
    assert refunded == [30_000]
    assert statuses(responses).count(303) == 1
    assert session.get(Product, product.id).stock == 4
    returns = session.scalars(
        sa.select(StockMovement.quantity_delta).where(
            StockMovement.order_id == order.id, StockMovement.kind == StockMovementKind.RETURN
        )
    ).all()
    assert returns == [1]


def test_parallel_payouts_never_exceed_the_balance(app, session, race_server):
    """Balance Rp 95,000 (a Rp 100,000 sale less 5% commission); six payouts of Rp 40,000 at once."""
    seller, product = make_shop(session, price=100_000, stock=5)
    paid_order(session, {product: 1}, delivered=True)
    assert payouts.balance(session, seller.id) == 95_000
    curator = curator_session(session, race_server)
    base = race_server.base_url
    token = csrf_token(curator, f"{base}/curator/payouts")
    url = f"{base}/curator/payouts/{seller.id}/pay"
    forms = [
        {
            "csrf_token": token,
            "amount": "40000",
            "bank_reference": f"BRI-{n}",
            "token": secrets.token_urlsafe(16),
        }
        for n in range(PARALLEL)
    ]

    responses = at_once([(curator, url, form) for form in forms])

    assert_no_server_errors(responses, race_server)
    session.expire_all()
    print("payout statuses:", statuses(responses))
    assert count(session, Payout, Payout.seller_id == seller.id) == 2
    assert payouts.balance(session, seller.id) == 15_000
    ledger = session.scalars(
        sa.select(LedgerEntry.amount_idr).where(LedgerEntry.seller_id == seller.id)
    ).all()
    assert sum(ledger) == 15_000 and sum(ledger) >= 0


def test_parallel_transfer_confirmations_mark_the_order_paid_once(app, session, race_server):
    """Two curators (three tabs each) mark the same transfer received, each with a reference."""
    seller, product = make_shop(session, price=60_000, stock=5)
    order = place(session, make_cart(session, {product: 2}), shipping_method="pickup", address=None)
    session.commit()
    curator = curator_session(session, race_server)
    make_user(session, email="kurator2@example.test", is_curator=True)
    session.commit()
    other = log_in(race_server.base_url, "kurator2@example.test")
    base = race_server.base_url
    tokens = {id(desk): csrf_token(desk, f"{base}/curator/transfers") for desk in (curator, other)}
    url = f"{base}/curator/transfers/{order.number}/received"
    desks = [curator, other] * (PARALLEL // 2)
    posts = [
        (desk, url, {"csrf_token": tokens[id(desk)], "reference": f"BRI-{index}"})
        for index, desk in enumerate(desks)
    ]

    responses = at_once(posts)

    assert_no_server_errors(responses, race_server)
    session.expire_all()
    assert session.get(Order, order.id).status == OrderStatus.PAID
    audits = session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "transfer.confirm")).all()
    assert len(audits) == 1
    payment = session.scalars(sa.select(Payment).where(Payment.order_id == order.id)).one()
    assert payment.bank_reference == audits[0].after["reference"]
    assert payment.confirmed_by_id == audits[0].actor_id
    assert (
        count(session, LedgerEntry, LedgerEntry.kind == LedgerKind.SALE, LedgerEntry.order_id == order.id)
        == 1
    )
    assert count(session, StockMovement, StockMovement.kind == StockMovementKind.SALE) == 1
    assert count(session, OutboundEmail, OutboundEmail.template == "payment_received") == 1
    assert payouts.balance(session, seller.id) == 114_000


def _buyer_ready_to_order(base_url: str, product: Product) -> tuple[requests.Session, dict]:
    """A guest with one unit in the cart and the checkout form filled in, not yet sent."""
    http = requests.Session()
    http.headers["Connection"] = "close"
    page = http.get(f"{base_url}/products/{product.id}-{product.slug}", timeout=30)
    http.post(
        f"{base_url}/cart/add",
        data={"csrf_token": hidden(page.text, "csrf_token"), "product_id": product.id, "quantity": "1"},
        allow_redirects=False,
        timeout=30,
    )
    form = http.get(f"{base_url}/checkout", timeout=30).text
    fields = {name: hidden(form, name) for name in ("csrf_token", "checkout_token", "fingerprint")}
    fields["quote"] = shown_quote(http, base_url)
    assert None not in fields.values() and fields["quote"], form[:500]
    data = {
        **ADDRESS,
        **fields,
        "email": f"buyer-{secrets.token_hex(3)}@example.test",
        "shipping_method": "courier",
        "payment_method": "bank_transfer",
        "action": "place",
    }
    return http, data


def test_stock_adjustments_against_checkouts_never_go_below_zero(app, session, race_server):
    """Stock 4: three buyers order one unit while the seller removes one unit three times, at once."""
    ensure_default_shipping_rates(session)
    owner = make_user(session, email="penjual@example.test")
    _seller, product = make_shop(session, price=50_000, stock=4, owner=owner)
    session.commit()
    base = race_server.base_url
    seller_http = log_in(base, "penjual@example.test")
    stock_url = f"{base}/seller/products/{product.id}/stock"
    token = csrf_token(seller_http, stock_url)
    adjust = {"csrf_token": token, "action": "adjust", "adjust-delta": "-1", "adjust-reason": "rusak"}
    buyers = [_buyer_ready_to_order(base, product) for _ in range(3)]

    responses = at_once(
        [(seller_http, stock_url, adjust)] * 3 + [(http, f"{base}/checkout", data) for http, data in buyers]
    )

    assert_no_server_errors(responses, race_server)
    session.expire_all()
    stock = session.get(Product, product.id).stock
    deltas = session.scalars(
        sa.select(StockMovement.quantity_delta).where(StockMovement.product_id == product.id)
    )
    placed = count(session, Order)
    adjusted = count(session, StockMovement, StockMovement.kind == StockMovementKind.ADJUSTMENT)
    print("stock race statuses:", statuses(responses), "placed:", placed, "adjusted:", adjusted)
    assert stock >= 0
    assert stock == 4 + sum(deltas)
    assert stock == 4 - placed - adjusted
    assert placed + adjusted == 4  # six wanted a unit, four existed: every unit went exactly once


def test_parallel_label_decisions_decide_once(app, session, race_server):
    owner = make_user(session, email="pengrajin@example.test")
    _seller, product = make_shop(session, price=30_000, owner=owner)
    label = make_product_label(
        session, product=product, status=LabelStatus.REQUESTED, evidence_key="private/label-evidence/c.pdf"
    )
    session.commit()
    curator = curator_session(session, race_server)
    base = race_server.base_url
    token = csrf_token(curator, f"{base}/curator/labels")
    posts = [(curator, f"{base}/curator/labels/{label.id}/verify", {"csrf_token": token})] * 3 + [
        (
            curator,
            f"{base}/curator/labels/{label.id}/reject",
            {"csrf_token": token, "note": "Sertifikat kabur"},
        )
    ] * 3

    responses = at_once(posts)

    assert_no_server_errors(responses, race_server)
    session.expire_all()
    decided = session.get(ProductLabel, label.id)
    decisions = session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.action.in_(["label.verify", "label.reject"]))
    ).all()
    assert decided.status in (LabelStatus.VERIFIED, LabelStatus.REJECTED)
    assert decisions == ["label.verify" if decided.status == LabelStatus.VERIFIED else "label.reject"]
    assert count(session, OutboundEmail, OutboundEmail.template == "label_decision") == 1


def test_parallel_featured_edits_keep_one_placement_per_slot(app, session, race_server):
    """Six curators put a product in slot 1 for the same week at once: one placement holds it. Then
    six "end now" of a running placement: it ends once."""
    products = [make_product(session, title_id=f"Batik {n}") for n in range(PARALLEL)]
    now = utcnow()
    running = make_featured(
        session,
        product=products[0],
        position=5,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=3),
    )
    session.commit()
    curator = curator_session(session, race_server)
    base = race_server.base_url
    token = csrf_token(curator, f"{base}/curator/featured")
    forms = [
        {
            "csrf_token": token,
            "product": str(product.id),
            "headline_id": "Pilihan minggu ini",
            "headline_en": "This week's pick",
            "position": "1",
            "starts_at": "2030-03-01T08:00",
            "ends_at": "2030-03-08T08:00",
        }
        for product in products
    ]

    created = at_once([(curator, f"{base}/curator/featured", form) for form in forms])
    ended = at_once(
        [(curator, f"{base}/curator/featured/{running.id}/end", {"csrf_token": token})] * PARALLEL
    )

    assert_no_server_errors(created + ended, race_server)
    session.expire_all()
    print("featured statuses:", statuses(created), statuses(ended))
    assert count(session, FeaturedPlacement, FeaturedPlacement.position == 0) == 1  # slot 1: stored as 0
    assert statuses(created).count(303) == 1
    assert count(session, AuditEntry, AuditEntry.action == "featured.create") == 1
    assert count(session, AuditEntry, AuditEntry.action == "featured.end") == 1
    assert session.get(FeaturedPlacement, running.id).ends_at <= utcnow()
