"""Changes made in the seller area get audit rows automatically: who, in which role, before/after."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.audit import tracking
from marketplace.audit.models import AuditEntry
from marketplace.catalogue.models import ProductImage
from marketplace.dashboard import stock as seller_services
from marketplace.seller.models import SellerPayoutAccount
from marketplace.types import utcnow
from tests.audit.conftest import log_in
from tests.factories import make_product

PRODUCT_FORM = {
    "title_id": "Keranjang rotan",
    "title_en": "",
    "description_id": "Keranjang rotan anyaman tangan dari Tambong, kuat dan ringan.",
    "description_en": "",
    "price": "85000",
    "weight_grams": "1200",
    "processing_days": "2",
    "low_stock_threshold": "3",
    "hs_code": "4602.10",
}


def _entries(session, **where):
    session.expire_all()
    stmt = sa.select(AuditEntry).order_by(AuditEntry.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(AuditEntry, key) == value)
    return list(session.scalars(stmt))


def test_a_facilitators_product_edit_is_recorded_with_role_and_values(app, session, world, facilitators):
    product = world.product_a
    old_weight = product.weight_grams
    client = log_in(app.test_client(), facilitators.active.email)
    data = {**PRODUCT_FORM, "cluster_id": str(world.cluster.id)}
    response = client.post(f"/seller/products/{product.id}", data=data)
    assert response.status_code == 303

    (entry,) = _entries(session, action="product.update")
    assert entry.actor_id == facilitators.active.id
    assert entry.actor_label == "pendamping@example.test"
    assert entry.actor_role == "facilitator"
    assert entry.seller_id == world.seller_a.id
    assert entry.target_type == "product" and entry.target_id == product.id
    assert entry.target_label == "Keranjang rotan"
    assert entry.before["weight_grams"] == old_weight
    assert entry.after["weight_grams"] == 1200
    assert "updated_at" not in entry.after and "search_text" not in entry.after


def test_a_facilitators_price_change_records_the_revision_for_review(app, session, world, facilitators):
    client = log_in(app.test_client(), facilitators.active.email)
    data = {**PRODUCT_FORM, "cluster_id": str(world.cluster.id), "price": "99000"}
    assert client.post(f"/seller/products/{world.product_a.id}", data=data).status_code == 303
    (entry,) = _entries(session, action="product_revision.create")
    assert entry.actor_role == "facilitator" and entry.seller_id == world.seller_a.id
    assert entry.after["changes"]["price_minor"] == 99_000
    assert entry.before is None


def test_a_facilitators_stock_change_shows_the_stock_before_and_after(app, session, world, facilitators):
    product = world.product_a
    session.expire_all()
    stock_before = product.stock
    client = log_in(app.test_client(), facilitators.active.email)
    response = client.post(
        f"/seller/products/{product.id}/stock",
        data={"action": "adjust", "adjust-delta": "5", "adjust-reason": "new batch"},
    )
    assert response.status_code == 303
    (entry,) = _entries(session, action="stock.adjustment")
    assert entry.actor_id == facilitators.active.id and entry.actor_role == "facilitator"
    assert entry.target_type == "product" and entry.target_id == product.id
    assert entry.seller_id == world.seller_a.id
    assert entry.before == {"stock": stock_before}
    assert entry.after == {"stock": stock_before + 5}
    assert entry.note == "new batch"


def test_the_owners_changes_are_recorded_as_the_seller(app, session, world):
    client = log_in(app.test_client(), world.user_a.email)
    response = client.post(
        f"/seller/products/{world.product_a.id}/stock",
        data={
            "action": "count",
            "count-new_stock": "3",
            "count-expected_stock": "8",
            "count-reason": "count",
        },
    )
    assert response.status_code == 303
    (entry,) = _entries(session, action="stock.adjustment")
    assert entry.actor_id == world.user_a.id and entry.actor_role == "seller"
    assert entry.before == {"stock": 8} and entry.after == {"stock": 3}


def test_shipping_a_parcel_is_recorded(app, session, world, facilitators):
    client = log_in(app.test_client(), facilitators.active.email)
    fulfilment = world.fulfilment_a
    response = client.post(
        f"/seller/orders/{fulfilment.id}/ship", data={"courier": "JNE", "tracking_number": "JNE0012345678"}
    )
    assert response.status_code == 303
    (entry,) = _entries(session, target_type="fulfilment")
    assert entry.action == "fulfilment.shipped" and entry.actor_role == "facilitator"
    assert entry.actor_id == facilitators.active.id and entry.seller_id == world.seller_a.id
    assert entry.target_id == fulfilment.id and entry.target_label == world.order.number
    assert entry.before == {"status": "processing"} and entry.after == {"status": "shipped"}
    assert "JNE0012345678" in entry.note


def test_nothing_is_recorded_outside_the_seller_area(app, session, world):
    seller_services.adjust_stock(
        session, product=world.product_a, delta=2, reason="counted", actor_id=None, now=utcnow()
    )
    world.product_a.weight_grams = 999
    session.commit()
    assert _entries(session) == []


def test_tracking_is_opt_in_for_jobs_and_hides_bank_account_numbers(app, session, world):
    with tracking.tracking(session, actor=None, roles={}, default_role="system"):
        session.add(
            SellerPayoutAccount(
                seller_id=world.seller_a.id,
                bank_name="BRI",
                account_number="0123456789",
                account_holder="Ani",
            )
        )
        session.commit()
    (entry,) = _entries(session)
    assert entry.action == "payout_account.create" and entry.actor_role == "system"
    assert entry.after["account_number"] == "•••6789"
    assert "0123456789" not in str(entry.after)
    assert not tracking.is_tracking(session)


def test_a_flush_with_many_changes_costs_a_bounded_number_of_statements(app, session, world, count_queries):
    products = [make_product(session, seller=world.seller_a, cluster=world.cluster) for _ in range(3)]
    session.commit()

    product_ids = [p.id for p in products]

    def change(count):
        with tracking.tracking(session, actor=world.user_a, roles={world.seller_a.id: "seller"}):
            for product in products:
                product.weight_grams += 1
            for index in range(count):
                session.add(
                    ProductImage(
                        product_id=product_ids[index % 3], storage_key=f"k{count}-{index}", width=1, height=1
                    )
                )
            with count_queries() as counter:
                session.flush()
            session.commit()
        return [s for s in counter.statements if "audit_entries" in s or "FROM products" in s]

    few = change(2)
    many = change(12)
    # Audit work per flush: one SELECT of the products involved and one INSERT, whatever the size.
    assert len(few) == len(many) <= 2
    assert len(_entries(session, action="product_image.create")) == 14
    assert len(_entries(session, action="product.update")) == 6
