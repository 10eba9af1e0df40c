"""Set-based seeding for bench/scale.py: one big shop, ~200 others and a million order lines.

PostgreSQL only (generate_series, temporary tables, random() with setseed): the catalogue of the
other shops comes from bench/seed.py; the big shop's 2,000 products are built here in Python (a
few seconds); orders, parcels, lines, payments, refunds, the payout ledger, payouts and the audit
log are written by INSERT … SELECT statements, so a million lines take about a minute, not hours.

Every row keeps the models' constraints: totals are the sums of their lines, a parcel per seller
of an order, ledger keys as payouts/services.py writes them ("sale:f<id>", "commission:f<id>",
"refund:r<id>:f<id>", "reversal:r<id>:f<id>", "payout:p<id>"), payouts never above what was
delivered in their month.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

import seed
import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.catalogue.models import ProductStatus
from marketplace.monitoring import summary as monitoring_summary
from marketplace.orders import outcomes
from marketplace.orders.lateness import grace_days_setting
from marketplace.payouts import sales_totals
from marketplace.types import utcnow

SELLER_EMAIL = "seller@scale.test"
CURATOR_EMAIL = "curator@scale.test"
PASSWORD = "bench12345"  # noqa: S105  (the bench accounts' password, printed in bench/README.md)
SELLER_SLUG = "sanggar-besar"
SELLER_VILLAGE = "desa-pakistaji"

#: What a seeded database holds; stored as the database's comment, compared before reuse.
SHAPE = {
    "seller_products": 2_000,
    "other_products": 8_000,
    "order_lines": 1_000_000,
    "audit_entries": 200_000,
    "buyers": 30_000,
    "years": 3,
    "version": 1,
}

#: Share of orders whose first seller is the big shop (≈ 100,000 of the million lines).
BIG_SHOP_SHARE = 0.10
#: Share of orders that also hold a second shop's parcel.
TWO_SHOPS_SHARE = 0.15
#: Share of orders shipped abroad, in one of these currencies (rupiah per unit, minor digits 2).
ABROAD_SHARE = 0.08
ABROAD = (("EUR", 17300, "NL"), ("USD", 16000, "US"), ("SGD", 12000, "SG"))
COMMISSION_PERCENT = 5

SIZES = (("S", "S"), ("M", "M"), ("L", "L"), ("XL", "XL"))


def _since(started: float) -> str:
    return f"{time.perf_counter() - started:.0f}s"


def shape_text() -> str:
    return "bench/scale.py " + ",".join(f"{k}={v}" for k, v in sorted(SHAPE.items()))


def seed_scale(db, *, log=print) -> None:
    """Fill a freshly migrated, empty database (inside an app context)."""
    started = time.perf_counter()
    seed.seed(db, SHAPE["other_products"], log=lambda message: None)
    log(f"  other shops' catalogue ({SHAPE['other_products']} products) in {_since(started)}")
    from werkzeug.security import generate_password_hash

    password_hash = generate_password_hash(PASSWORD, method="scrypt")
    with db.engine.begin() as conn:
        seller_id = _accounts_and_shop(conn, password_hash)
    _big_shop_products(db, seller_id)
    log(f"  accounts and the big shop's {SHAPE['seller_products']} products ({_since(started)})")
    with db.engine.begin() as conn:
        _orders(conn, seller_id, log=log, started=started)
    with db.engine.begin() as conn:
        _money(conn, log=log, started=started)
    with db.engine.begin() as conn:
        _audit(conn, seller_id)
        log(f"  {SHAPE['audit_entries']} audit entries ({time.perf_counter() - started:.0f}s)")
    with db.engine.begin() as conn:
        # The orders went in as rows, past the signals that keep the monitoring summaries.
        for statement in monitoring_summary.rebuild_sql(conn.dialect.name):
            conn.exec_driver_sql(statement)
        for statement in sales_totals.rebuild_sql(conn.dialect.name):  # the shops' sales months
            conn.exec_driver_sql(statement)
        log(f"  monitoring summaries ({time.perf_counter() - started:.0f}s)")
    with db.engine.begin() as conn:  # each parcel's slowest product (set at placement; migration 0020)
        conn.exec_driver_sql(
            "UPDATE fulfilments SET slowest_days = COALESCE((SELECT max(COALESCE(p.processing_days, 0)) "
            "FROM order_lines l JOIN products p ON p.id = l.product_id "
            "WHERE l.fulfilment_id = fulfilments.id), 0)"
        )
    with Session(db.engine) as session:  # and the shops' parcel counts (orders/outcomes.py)
        outcomes.rebuild(session, grace_days=grace_days_setting())
        session.commit()
        log(f"  parcel counts ({time.perf_counter() - started:.0f}s)")
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    log(f"  seeding done in {time.perf_counter() - started:.0f}s")


def _accounts_and_shop(conn, password_hash: str) -> int:
    now = utcnow()
    users = sa.table(
        "users", *(sa.column(c) for c in ("id", "email", "name", "password_hash", "is_curator", "locale",
                                            "active", "session_nonce", "created_at"))
    )  # fmt: skip
    curator_id, seller_user_id = (
        conn.execute(
            sa.insert(users).returning(users.c.id),
            {
                "email": email, "name": name, "password_hash": password_hash, "is_curator": curator,
                "locale": "en", "active": True, "session_nonce": f"bench-{n}", "created_at": now,
            },
        ).scalar_one()
        for n, (email, name, curator) in enumerate(
            ((CURATOR_EMAIL, "Kurator Kabat", True), (SELLER_EMAIL, "Ibu Sekar", False))
        )
    )  # fmt: skip
    # Buyers: one hash for all (nobody logs in as them).
    conn.execute(
        sa.text(
            "INSERT INTO users (email, name, password_hash, is_curator, locale, active, session_nonce, "
            "created_at) SELECT 'buyer' || i || '@scale.test', 'Pembeli ' || i, :hash, false, "
            "CASE WHEN i % 9 = 0 THEN 'en' ELSE 'id' END, true, 'bench-b' || i, :now - interval '3 years' "
            "FROM generate_series(1, :n) i"
        ),
        {"hash": password_hash, "now": now, "n": SHAPE["buyers"]},
    )
    village_id = conn.execute(
        sa.text("SELECT id FROM regions WHERE slug = :s"), {"s": SELLER_VILLAGE}
    ).scalar_one()
    seller_id = conn.execute(
        sa.text(
            "INSERT INTO sellers (user_id, village_id, slug, name, kind, story_id, story_en, phone, "
            "address_line, status, created_at, approved_at, review_note, artisan_name, processing_days, "
            "whatsapp_number, whatsapp_public) VALUES (:user, :village, :slug, 'Sanggar Batik Besar', "
            "'kub', 'Kelompok perajin batik di Pakistaji.', 'A batik makers group in Pakistaji.', "
            "'+6281234567890', 'Jl. Raya Pakistaji 12', 'approved', :since, :since, '', '', 3, '', false) "
            "RETURNING id"
        ),
        {
            "user": seller_user_id,
            "village": village_id,
            "slug": SELLER_SLUG,
            "since": now - timedelta(days=4 * 365),
        },
    ).scalar_one()
    conn.execute(
        sa.text(
            "INSERT INTO seller_clusters (seller_id, cluster_id) SELECT :s, id FROM clusters "
            "WHERE slug IN ('batik', 'suvenir', 'kerajinan')"
        ),
        {"s": seller_id},
    )
    # Every approved shop has a payout account (the bulk-transfer file needs one).
    conn.execute(
        sa.text(
            "INSERT INTO seller_payout_accounts (seller_id, bank_name, account_number, account_holder, "
            "created_at, updated_at, recorded_via, holder_explanation) SELECT id, 'BRI', "
            "lpad(id::text, 12, '0'), name, :now, :now, 'owner', '' FROM sellers WHERE status = 'approved'"
        ),
        {"now": now},
    )
    conn.execute(sa.text("UPDATE users SET is_curator = true WHERE id = :c"), {"c": curator_id})
    return seller_id


def _big_shop_products(db, seller_id: int) -> None:
    """2,000 products of one shop: three clusters, every status, stock from none to plenty, one in
    eight with four sizes (S, M, L, XL) as variants."""
    rng = random.Random(2026)
    now = utcnow()
    with db.engine.begin() as conn:
        clusters = conn.execute(sa.text("SELECT id, slug, name_id, name_en FROM clusters")).all()
        clusters = [c for c in clusters if c.slug in ("batik", "suvenir", "kerajinan")]
        statuses = (
            [ProductStatus.ACTIVE] * 80 + [ProductStatus.DRAFT] * 8 + [ProductStatus.PENDING_REVIEW] * 5
            + [ProductStatus.ARCHIVED] * 7
        )  # fmt: skip
        rows, sized = [], []
        for n in range(1, SHAPE["seller_products"] + 1):
            cluster = clusters[n % len(clusters)]
            noun = rng.choice(seed.NOUNS[cluster.slug])
            motif = rng.choice(seed.MOTIFS)
            colour = rng.choice(seed.COLOURS)
            quality = rng.choice(seed.QUALITIES)
            title_id = f"{noun[0]} motif {motif[0]} {colour[0]} {quality[0]} no. {n}".capitalize()
            title_en = f"{quality[1]} {colour[1]} {noun[1]}, {motif[1]} motif no. {n}".capitalize()
            status = statuses[rng.randrange(len(statuses))]
            stock = 0 if n % 11 == 0 else rng.choice((1, 2, 3, 5, 8, 12, 20, 40, 80))
            has_sizes = n % 8 == 0
            if has_sizes:
                sized.append(n)
            created = now - timedelta(days=3 * 365) + timedelta(minutes=n * 500)
            rows.append(
                {
                    "seller_id": seller_id, "cluster_id": cluster.id, "slug": f"{seed._slug(title_id)}-b{n}",
                    "title_id": title_id, "title_en": title_en,
                    "description_id": f"Dibuat tangan oleh Sanggar Batik Besar di Pakistaji. {colour[0]}.",
                    "description_en": f"Handmade by Sanggar Batik Besar in Pakistaji. {colour[1]}.",
                    "price_minor": rng.randrange(25, 900) * 1000, "currency": "IDR",
                    "stock": stock * (4 if has_sizes else 1), "low_stock_threshold": 3,
                    "weight_grams": rng.randrange(100, 2000), "processing_days": rng.randrange(0, 10),
                    "status": status, "exportable": n % 3 == 0, "hs_code": "6214.90" if n % 3 == 0 else None,
                    "origin_country": "ID",
                    "search_text": "\n".join(
                        (title_id, title_en, "Sanggar Batik Besar", "Pakistaji", cluster.name_id,
                         cluster.name_en)
                    ),
                    "created_at": created, "updated_at": created + timedelta(days=rng.randrange(0, 400)),
                    "published_at": created if status == ProductStatus.ACTIVE else None,
                    "rating_count": 0, "rating_sum": 0, "units_sold": 0,
                }
            )  # fmt: skip
        from marketplace.catalogue.models import Product

        ids = conn.execute(
            sa.insert(Product).returning(Product.id, sort_by_parameter_order=True), rows
        ).scalars().all()  # fmt: skip
        sized_ids = [ids[n - 1] for n in sized]
        conn.execute(
            sa.text(
                "INSERT INTO product_images (product_id, position, storage_key, width, height, alt_id, "
                "alt_en, "
                "created_at) SELECT id, 0, 'scale-' || id, 800, 800, title_id, title_en, created_at "
                "FROM products WHERE seller_id = :s"
            ),
            {"s": seller_id},
        )
        conn.execute(
            sa.text(
                "INSERT INTO product_variants (product_id, position, value1, value2, value3, sku, stock, "
                "created_at) SELECT id, 0, '', '', '', '', stock, created_at FROM products "
                "WHERE seller_id = :s AND NOT (id = ANY(:sized))"
            ),
            {"s": seller_id, "sized": sized_ids},
        )
        if sized_ids:
            conn.execute(
                sa.text(
                    "INSERT INTO product_options (product_id, position, name_id, name_en) "
                    "SELECT id, 1, 'Ukuran', 'Size' FROM products WHERE id = ANY(:sized)"
                ),
                {"sized": sized_ids},
            )
            conn.execute(
                sa.text(
                    "INSERT INTO product_variants (product_id, position, value1, value2, value3, sku, stock, "
                    "price_minor, created_at) SELECT p.id, s.pos, s.size, '', '', 'B' || p.id || '-' || "
                    "s.size, "
                    "p.stock / 4, CASE WHEN s.size = 'XL' THEN p.price_minor + 10000 END, p.created_at "
                    "FROM products p CROSS JOIN (VALUES (0, 'S'), (1, 'M'), (2, 'L'), (3, 'XL')) s(pos, "
                    "size) "
                    "WHERE p.id = ANY(:sized)"
                ),
                {"sized": sized_ids},
            )


def _orders(conn, seller_id: int, *, log, started: float) -> None:
    """Orders of 1–4 lines over three years, one parcel per shop, with their lines."""
    now = utcnow()
    x = conn.exec_driver_sql
    x("SELECT setseed(0.16)")
    x(
        "CREATE TEMP TABLE shop ON COMMIT DROP AS SELECT row_number() OVER (ORDER BY s.id) - 1 AS idx, "
        "s.id AS seller_id FROM sellers s WHERE s.status = 'approved' AND s.id <> %(big)s "
        "AND EXISTS (SELECT 1 FROM products p WHERE p.seller_id = s.id)",
        {"big": seller_id},
    )
    shops = x("SELECT count(*) FROM shop").scalar_one()
    x(
        "CREATE TEMP TABLE prod ON COMMIT DROP AS SELECT p.seller_id, "
        "row_number() OVER (PARTITION BY p.seller_id ORDER BY p.id) - 1 AS rn, p.id AS product_id, "
        "(SELECT min(v.id) FROM product_variants v WHERE v.product_id = p.id) AS variant_id, "
        "p.title_id, p.title_en, p.price_minor, p.weight_grams, s.name AS seller_name "
        "FROM products p JOIN sellers s ON s.id = p.seller_id WHERE s.status = 'approved'"
    )
    x("CREATE INDEX ON prod (seller_id, rn)")
    x(
        "CREATE TEMP TABLE prod_n ON COMMIT DROP AS SELECT seller_id, count(*) AS n FROM prod GROUP BY "
        "seller_id"
    )
    # Candidate orders with their line counts, cut where the lines reach the target.
    x(
        "CREATE TEMP TABLE o0 ON COMMIT DROP AS SELECT n, nlines, "
        "sum(nlines) OVER (ORDER BY n) AS upto, r_shop, r_big, r_two, r_other, r_status, r_abroad, r_code "
        "FROM (SELECT n, 1 + floor(random() * 4)::int AS nlines, random() AS r_shop, random() AS r_big, "
        "random() AS r_two, random() AS r_other, random() AS r_status, random() AS r_abroad, "
        "random() AS r_code FROM generate_series(1, %(most)s) n) g",
        {"most": SHAPE["order_lines"] // 2},
    )
    x("DELETE FROM o0 WHERE upto - nlines >= %(lines)s", {"lines": SHAPE["order_lines"]})
    x(
        "UPDATE o0 SET nlines = nlines - (upto - %(lines)s) WHERE upto > %(lines)s",
        {"lines": SHAPE["order_lines"]},
    )
    orders = x("SELECT count(*) FROM o0").scalar_one()
    # Time: more orders lately (the market grows); status by age; a few abroad.
    x(
        "CREATE TEMP TABLE o ON COMMIT DROP AS SELECT n AS id, nlines, "
        "%(start)s::timestamptz + (%(span)s * power(n::float / %(orders)s, 0.8)) * interval '1 second' AS "
        "created_at, "
        "CASE WHEN r_big < %(big_share)s THEN %(big)s ELSE sa.seller_id END AS seller_a, "
        "CASE WHEN nlines >= 2 AND r_two < %(two)s THEN sb.seller_id END AS seller_b, "
        "r_status, r_abroad, r_code FROM o0 "
        "JOIN shop sa ON sa.idx = floor(power(r_shop, 1.4) * %(shops)s)::int "
        "JOIN shop sb ON sb.idx = floor(r_other * %(shops)s)::int",
        {
            "start": now - timedelta(days=365 * SHAPE["years"]), "span": 365 * SHAPE["years"] * 86400 - 3600,
            "orders": orders, "big_share": BIG_SHOP_SHARE, "big": seller_id, "shops": shops,
            "two": TWO_SHOPS_SHARE,
        },
    )  # fmt: skip
    x("UPDATE o SET seller_b = NULL WHERE seller_b = seller_a")
    abroad_case = " ".join(
        f"WHEN r_abroad < {ABROAD_SHARE * (i + 1) / len(ABROAD)} THEN '{code}'"
        for i, (code, _r, _c) in enumerate(ABROAD)
    )
    rate_case = " ".join(f"WHEN '{code}' THEN {rate}" for code, rate, _c in ABROAD)
    country_case = " ".join(f"WHEN '{code}' THEN '{country}'" for code, _r, country in ABROAD)
    x(
        "ALTER TABLE o ADD COLUMN currency text, ADD COLUMN rate int, ADD COLUMN country text, "
        "ADD COLUMN status text, ADD COLUMN paid_at timestamptz, ADD COLUMN cancelled_at timestamptz, "
        "ADD COLUMN refunded boolean DEFAULT false"
    )
    x(f"UPDATE o SET currency = CASE {abroad_case} ELSE 'IDR' END")
    x(
        f"UPDATE o SET rate = CASE currency {rate_case} ELSE NULL END, country = CASE currency "
        f"{country_case} ELSE 'ID' END"
    )
    # Older than two weeks: delivered, refunded after delivery, cancelled unpaid, or cancelled after payment.
    x(
        "UPDATE o SET status = CASE "
        "WHEN created_at < %(settled)s THEN CASE WHEN r_status < 0.07 THEN 'cancelled_unpaid' "
        "  WHEN r_status < 0.09 THEN 'cancelled_paid' WHEN r_status < 0.13 THEN 'refunded' ELSE 'delivered' "
        "END "
        "ELSE CASE WHEN r_status < 0.08 THEN CASE WHEN created_at > %(day)s THEN 'awaiting_payment' "
        "  ELSE 'cancelled_unpaid' END WHEN r_status < 0.35 THEN 'paid' WHEN r_status < 0.65 THEN 'shipped' "
        "  ELSE 'delivered' END END",
        {"settled": now - timedelta(days=14), "day": now - timedelta(hours=20)},
    )
    x(
        "UPDATE o SET paid_at = CASE WHEN status IN ('awaiting_payment', 'cancelled_unpaid') THEN NULL "
        "ELSE created_at + (10 + r_code * 600) * interval '1 minute' END, "
        "cancelled_at = CASE WHEN status = 'cancelled_unpaid' THEN created_at + interval '24 hours' "
        "WHEN status = 'cancelled_paid' THEN created_at + interval '2 days' END, "
        "refunded = status IN ('refunded', 'cancelled_paid')"
    )
    x(
        "UPDATE o SET paid_at = LEAST(paid_at, %(now)s) WHERE paid_at > %(now)s",
        {"now": now - timedelta(minutes=1)},
    )
    log(f"  {orders} orders planned over {shops + 1} shops ({time.perf_counter() - started:.0f}s)")

    # Lines: the last line of a two-shop order is the second shop's; a random product of the shop.
    x(
        "CREATE TEMP TABLE l ON COMMIT DROP AS SELECT o.id AS order_id, j, "
        "CASE WHEN o.seller_b IS NOT NULL AND j = o.nlines THEN o.seller_b ELSE o.seller_a END AS seller_id, "
        "random() AS r_pick, 1 + floor(power(random(), 3) * 4)::int AS quantity "
        "FROM o CROSS JOIN LATERAL generate_series(1, o.nlines) j"
    )
    x(
        "CREATE TEMP TABLE lp ON COMMIT DROP AS SELECT l.order_id, l.j, l.seller_id, l.quantity, "
        "p.product_id, "
        "p.variant_id, p.title_id, p.title_en, p.seller_name, p.price_minor AS price_idr, p.weight_grams, "
        "CASE WHEN o.rate IS NULL THEN p.price_minor ELSE round(p.price_minor * 100.0 / o.rate)::bigint END "
        "AS unit_price_minor FROM l JOIN prod_n pn ON pn.seller_id = l.seller_id "
        "JOIN prod p ON p.seller_id = l.seller_id AND p.rn = floor(l.r_pick * pn.n)::int JOIN o ON o.id = "
        "l.order_id"
    )
    x(
        "CREATE TEMP TABLE ot ON COMMIT DROP AS SELECT order_id, sum(unit_price_minor * quantity) AS "
        "subtotal, "
        "count(DISTINCT seller_id) AS parcels FROM lp GROUP BY order_id"
    )
    x("CREATE UNIQUE INDEX ON ot (order_id)")
    # Shipping per parcel: Rp 15.000 at home, 18.00 abroad (minor units of the order's currency).
    x(
        "INSERT INTO orders (id, number, buyer_id, email, lang, status, checkout_token, currency, "
        "exchange_rate, "
        "subtotal_minor, shipping_minor, unique_code_minor, total_minor, payment_method, payment_due_at, "
        "paid_at, cancelled_at, shipping_method, shipping_zone, ship_name, ship_phone, ship_street, "
        "ship_line2, "
        "ship_district, ship_city, ship_province, ship_postal_code, ship_country, note, created_at, "
        "updated_at) "
        "SELECT o.id, 'PD-' || to_char(o.created_at AT TIME ZONE 'Asia/Jakarta', 'YYMMDD') || '-B' || o.id, "
        "CASE WHEN o.r_code < 0.9 THEN b.id END, "
        "CASE WHEN o.r_code < 0.9 THEN b.email ELSE 'guest' || o.id || '@scale.test' END, "
        "CASE WHEN o.currency = 'IDR' THEN 'id' ELSE 'en' END, "
        "CASE o.status WHEN 'cancelled_unpaid' THEN 'cancelled' WHEN 'cancelled_paid' THEN 'cancelled' "
        "ELSE o.status END, 'bench-' || o.id, o.currency, o.rate, ot.subtotal, "
        "ot.parcels * CASE WHEN o.currency = 'IDR' THEN 15000 ELSE 1800 END, "
        "CASE WHEN o.currency = 'IDR' THEN 1 + floor(o.r_code * 998)::int ELSE 0 END, "
        "ot.subtotal + ot.parcels * CASE WHEN o.currency = 'IDR' THEN 15000 ELSE 1800 END "
        "+ CASE WHEN o.currency = 'IDR' THEN 1 + floor(o.r_code * 998)::int ELSE 0 END, "
        "CASE WHEN o.currency = 'IDR' THEN 'bank_transfer' ELSE 'stripe' END, o.created_at + interval '24 "
        "hours', "
        "o.paid_at, o.cancelled_at, 'courier', CASE WHEN o.currency = 'IDR' THEN 'java_bali' ELSE "
        "'international' END, "
        "COALESCE(b.name, 'Tamu ' || o.id), '+62812' || lpad(o.id::text, 7, '0'), 'Jl. Contoh ' || o.id, '', "
        "'Kabat', 'Banyuwangi', 'Jawa Timur', '68461', o.country, '', o.created_at, "
        "COALESCE(o.paid_at, o.created_at) "
        "FROM o JOIN ot ON ot.order_id = o.id "
        "LEFT JOIN users b ON b.id = (SELECT min(id) FROM users) + 2 + (o.id::bigint * 7919) %% %(buyers)s",
        {"buyers": SHAPE["buyers"]},
    )
    x("SELECT setval(pg_get_serial_sequence('orders', 'id'), (SELECT max(id) FROM orders))")
    x(
        "INSERT INTO fulfilments (order_id, seller_id, status, shipping_minor, courier, tracking_number, "
        "has_open_case, shipped_at, delivered_at, cancelled_at, cancelled_by, cancel_reason) "
        "SELECT o.id, s.seller_id, CASE o.status WHEN 'awaiting_payment' THEN 'pending' "
        "WHEN 'cancelled_unpaid' THEN 'cancelled' WHEN 'cancelled_paid' THEN 'cancelled' "
        "WHEN 'paid' THEN 'processing' WHEN 'shipped' THEN 'shipped' ELSE 'delivered' END, "
        "CASE WHEN o.currency = 'IDR' THEN 15000 ELSE 1800 END, "
        "CASE WHEN o.status IN ('shipped', 'delivered', 'refunded') THEN 'JNE' ELSE '' END, "
        "CASE WHEN o.status IN ('shipped', 'delivered', 'refunded') THEN 'JNE' || lpad(o.id::text, 10, '0') "
        "ELSE '' END, false, "
        "CASE WHEN o.status IN ('shipped', 'delivered', 'refunded') THEN o.paid_at + interval '2 days' END, "
        "CASE WHEN o.status IN ('delivered', 'refunded') THEN o.paid_at + interval '5 days' END, "
        "o.cancelled_at, CASE WHEN o.cancelled_at IS NOT NULL THEN 'buyer' ELSE '' END, '' "
        "FROM o JOIN (SELECT DISTINCT order_id, seller_id FROM lp) s ON s.order_id = o.id"
    )
    log(f"  orders and parcels written ({time.perf_counter() - started:.0f}s)")
    x(
        "INSERT INTO order_lines (order_id, fulfilment_id, product_id, variant_id, seller_id, title_id, "
        "title_en, "
        "variant_label_id, variant_label_en, sku, seller_name, unit_price_minor, quantity, line_total_minor, "
        "cancelled_quantity, unit_price_idr, weight_grams, hs_code, origin_country, customs_description) "
        "SELECT lp.order_id, f.id, lp.product_id, lp.variant_id, lp.seller_id, lp.title_id, lp.title_en, "
        "'', '', "
        "'', lp.seller_name, lp.unit_price_minor, lp.quantity, lp.unit_price_minor * lp.quantity, 0, "
        "lp.price_idr, lp.weight_grams, NULL, 'ID', COALESCE(NULLIF(lp.title_en, ''), lp.title_id) "
        "FROM lp JOIN fulfilments f ON f.order_id = lp.order_id AND f.seller_id = lp.seller_id "
        "ORDER BY lp.order_id, lp.j"
    )
    log(f"  {SHAPE['order_lines']} order lines written ({time.perf_counter() - started:.0f}s)")
    # Keep the temp tables the money step needs in real tables for the next transaction.
    x("CREATE TABLE bench_scale_orders AS SELECT id, status, currency, rate, paid_at, refunded FROM o")


def _money(conn, *, log, started: float) -> None:
    """Payments, refunds, the payout ledger and monthly payouts, as the payouts domain writes them."""
    now = utcnow()
    x = conn.exec_driver_sql
    x("CREATE UNIQUE INDEX ON bench_scale_orders (id)")
    x(
        "INSERT INTO payments (order_id, method, status, amount_minor, currency, refunded_minor, "
        "provider_reference, payment_intent_id, needs_refund, note, bank_reference, created_at, updated_at) "
        "SELECT o.id, ord.payment_method, CASE WHEN o.refunded THEN 'refunded' ELSE 'succeeded' END, "
        "ord.total_minor, ord.currency, CASE WHEN o.refunded THEN ord.total_minor ELSE 0 END, "
        "CASE WHEN ord.payment_method = 'stripe' THEN 'cs_bench_' || o.id END, "
        "CASE WHEN ord.payment_method = 'stripe' THEN 'pi_bench_' || o.id END, false, '', '', "
        "ord.created_at, o.paid_at FROM bench_scale_orders o JOIN orders ord ON ord.id = o.id "
        "WHERE o.paid_at IS NOT NULL"
    )
    x(
        "INSERT INTO refunds (order_id, payment_id, method, status, amount_minor, currency, reason, "
        "bank_reference, token, returns_payment_only, created_at, confirmed_at) "
        "SELECT p.order_id, p.id, p.method, 'succeeded', p.amount_minor, p.currency, 'bench refund', '', "
        "'bench-r' || p.order_id, false, o.paid_at + interval '8 days', o.paid_at + interval '8 days' "
        "FROM payments p JOIN bench_scale_orders o ON o.id = p.order_id WHERE o.refunded"
    )
    # Per parcel, in whole rupiah: goods at unit_price_idr, shipping converted at the order's rate.
    x(
        "CREATE TEMP TABLE fm ON COMMIT DROP AS SELECT f.id AS fulfilment_id, f.seller_id, f.order_id, "
        "f.status, o.paid_at, o.refunded, ord.number, "
        "g.goods, "
        "CASE WHEN o.rate IS NULL THEN f.shipping_minor ELSE round(f.shipping_minor * o.rate / "
        "100.0)::bigint END "
        "AS shipping FROM fulfilments f JOIN bench_scale_orders o ON o.id = f.order_id "
        "JOIN orders ord ON ord.id = f.order_id "
        "JOIN (SELECT fulfilment_id, sum(unit_price_idr * quantity) AS goods FROM order_lines "
        "GROUP BY fulfilment_id) g ON g.fulfilment_id = f.id WHERE o.paid_at IS NOT NULL"
    )
    x(
        "INSERT INTO ledger_entries (seller_id, kind, key, amount_idr, order_id, fulfilment_id, reference, "
        "occurred_at, created_at) SELECT seller_id, 'sale', 'sale:f' || fulfilment_id, goods + shipping, "
        "order_id, fulfilment_id, number, paid_at, paid_at FROM fm ORDER BY paid_at, fulfilment_id"
    )
    x(
        "INSERT INTO ledger_entries (seller_id, kind, key, amount_idr, order_id, fulfilment_id, "
        "commission_percent, reference, occurred_at, created_at) SELECT seller_id, 'commission', "
        "'commission:f' || fulfilment_id, -((goods * %(bp)s + 5000) / 10000), order_id, fulfilment_id, "
        "%(pct)s, number, paid_at, paid_at FROM fm ORDER BY paid_at, fulfilment_id",
        {"bp": COMMISSION_PERCENT * 100, "pct": COMMISSION_PERCENT},
    )
    x(
        "INSERT INTO ledger_entries (seller_id, kind, key, amount_idr, order_id, fulfilment_id, refund_id, "
        "reference, occurred_at, created_at) SELECT fm.seller_id, 'refund', 'refund:r' || r.id || ':f' || "
        "fm.fulfilment_id, -(fm.goods + fm.shipping), fm.order_id, fm.fulfilment_id, r.id, fm.number, "
        "r.created_at, r.created_at FROM fm JOIN refunds r ON r.order_id = fm.order_id WHERE fm.refunded"
    )
    x(
        "INSERT INTO ledger_entries (seller_id, kind, key, amount_idr, order_id, fulfilment_id, refund_id, "
        "commission_percent, reference, occurred_at, created_at) SELECT fm.seller_id, 'commission_reversal', "
        "'reversal:r' || r.id || ':f' || fm.fulfilment_id, (fm.goods * %(bp)s + 5000) / 10000, fm.order_id, "
        "fm.fulfilment_id, r.id, %(pct)s, fm.number, r.created_at, r.created_at "
        "FROM fm JOIN refunds r ON r.order_id = fm.order_id WHERE fm.refunded",
        {"bp": COMMISSION_PERCENT * 100, "pct": COMMISSION_PERCENT},
    )
    log(f"  payments, refunds and the sales ledger written ({time.perf_counter() - started:.0f}s)")
    # Monthly payouts: what each shop's delivered, unrefunded parcels of a past Jakarta month earned,
    # paid on the 5th of the next month.
    x(
        "CREATE TEMP TABLE pm ON COMMIT DROP AS SELECT seller_id, "
        "date_trunc('month', paid_at AT TIME ZONE 'Asia/Jakarta') AS month, "
        "sum(goods + shipping - (goods * %(bp)s + 5000) / 10000) AS amount "
        "FROM fm WHERE status = 'delivered' AND NOT refunded "
        "AND date_trunc('month', paid_at AT TIME ZONE 'Asia/Jakarta') "
        "  < date_trunc('month', %(now)s AT TIME ZONE 'Asia/Jakarta') - interval '1 month' "
        "GROUP BY 1, 2 HAVING sum(goods) > 0",
        {"bp": COMMISSION_PERCENT * 100, "now": now},
    )
    x(
        "INSERT INTO payouts (seller_id, amount_idr, bank_reference, bank_name, account_number, "
        "account_holder, "
        "token, created_by_id, created_at) SELECT pm.seller_id, pm.amount, "
        "'PD-' || to_char(pm.month, 'YYMM') || '-S' || pm.seller_id, 'BRI', lpad(pm.seller_id::text, 12, "
        "'0'), "
        "s.name, 'bench-p-' || pm.seller_id || '-' || to_char(pm.month, 'YYYYMM'), "
        "(SELECT id FROM users WHERE email = %(curator)s), "
        "(pm.month + interval '1 month 4 days 10 hours') AT TIME ZONE 'Asia/Jakarta' "
        "FROM pm JOIN sellers s ON s.id = pm.seller_id ORDER BY pm.month, pm.seller_id",
        {"curator": CURATOR_EMAIL},
    )
    x(
        "INSERT INTO ledger_entries (seller_id, kind, key, amount_idr, payout_id, reference, occurred_at, "
        "created_at) SELECT seller_id, 'payout', 'payout:p' || id, -amount_idr, id, bank_reference, "
        "created_at, created_at FROM payouts ORDER BY id"
    )
    # The month totals the payouts domain keeps beside its entries (payouts/totals.py).
    x(
        "INSERT INTO ledger_month_totals (seller_id, month, kind, amount_idr, entries) "
        "SELECT seller_id, date_trunc('month', occurred_at AT TIME ZONE 'Asia/Jakarta')::date, kind, "
        "sum(amount_idr), count(*) FROM ledger_entries GROUP BY 1, 2, 3"
    )
    # And each parcel's ledger sum (fulfilments.ledger_idr, payouts/totals.py; migration 0024).
    x(
        "UPDATE fulfilments SET ledger_idr = s.amount FROM (SELECT fulfilment_id, sum(amount_idr) AS amount "
        "FROM ledger_entries WHERE fulfilment_id IS NOT NULL GROUP BY fulfilment_id) s "
        "WHERE fulfilments.id = s.fulfilment_id"
    )
    x("DROP TABLE bench_scale_orders")
    log(f"  payouts written ({time.perf_counter() - started:.0f}s)")


AUDIT_ACTIONS = (
    # (action, target_type, actor: curator / seller / system, seller-related)
    ("product.update", "product", "seller"), ("product.approve", "product", "curator"),
    ("product.reject", "product", "curator"), ("stock.adjust", "product", "seller"),
    ("order.ship", "order", "seller"), ("order.expire", "order", "system"),
    ("payout.create", "payout", "curator"), ("refund.create", "refund", "curator"),
    ("label.verify", "label", "curator"), ("seller.approve", "seller", "curator"),
    ("featured.create", "featured", "curator"), ("order.complete", "order", "system"),
)  # fmt: skip


def _audit(conn, seller_id: int) -> None:
    """Audit entries spread evenly over three years (ids in time order, as the app writes them)."""
    now = utcnow()
    values = ", ".join(f"({i}, '{a}', '{t}', '{who}')" for i, (a, t, who) in enumerate(AUDIT_ACTIONS))
    conn.exec_driver_sql(
        "INSERT INTO audit_entries (actor_id, actor_label, actor_role, action, target_type, target_id, "
        "target_label, seller_id, before, after, note, created_at) "
        "SELECT CASE a.who WHEN 'curator' THEN c.id WHEN 'seller' THEN su.id END, "
        "CASE a.who WHEN 'curator' THEN c.email WHEN 'seller' THEN su.email ELSE 'system: jobs' END, a.who, "
        "a.action, a.target_type, 1 + (g.i::bigint * 7919) %% 100000, a.target_type || ' ' || g.i, "
        "CASE WHEN a.who = 'seller' OR g.i %% 3 = 0 THEN CASE WHEN g.i %% 5 = 0 THEN %(big)s "
        "  ELSE (SELECT min(id) FROM sellers) + g.i %% 190 END END, "
        "CASE WHEN a.action = 'product.update' THEN '{\"price_minor\": 100000}'::json END, "
        "CASE WHEN a.action = 'product.update' THEN '{\"price_minor\": 110000}'::json END, '', "
        "%(start)s::timestamptz + (g.i::float / %(n)s) * %(span)s * interval '1 second' "
        f"FROM generate_series(1, %(n)s) g(i) JOIN (VALUES {values}) a(idx, action, target_type, who) "
        f"ON a.idx = (g.i * 31) %% {len(AUDIT_ACTIONS)} "
        "CROSS JOIN (SELECT id, email FROM users WHERE email = %(curator)s) c "
        "CROSS JOIN (SELECT id, email FROM users WHERE email = %(seller)s) su ORDER BY g.i",
        {
            "big": seller_id, "start": now - timedelta(days=365 * SHAPE["years"]),
            "span": 365 * SHAPE["years"] * 86400 - 60, "n": SHAPE["audit_entries"],
            "curator": CURATOR_EMAIL, "seller": SELLER_EMAIL,
        },
    )  # fmt: skip
