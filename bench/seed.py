"""Fast bulk seeding for the benchmark: Kabat's villages, four clusters, ~200 sellers, N products.

Independent of `seed-demo` (which builds 60 believable products with pictures): this writes tens of
thousands of rows with Core bulk inserts, fills `search_text` itself (the ORM hook does not run for
bulk inserts) and uses varied Indonesian/English words so full-text search has something to rank.
"""

from __future__ import annotations

import random
import time
from datetime import date, timedelta

import sqlalchemy as sa

from marketplace.catalogue.models import Cluster, Product, ProductImage, ProductStatus, Region, RegionKind
from marketplace.curation.models import FeaturedPlacement
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel
from marketplace.seller.models import Seller, SellerStatus, seller_clusters
from marketplace.types import utcnow

VILLAGES = (
    "Bareng", "Benelan Lor", "Bunder", "Dadapan", "Gombolirang", "Kabat", "Kalirejo", "Kedayunan",
    "Labanasem", "Macan Putih", "Pakistaji", "Pendarungan", "Pondoknongko", "Tambong",
)  # fmt: skip

CLUSTERS = (
    ("batik", "Batik", "Batik"),
    ("kerajinan", "Kerajinan Tangan", "Handicraft"),
    ("suvenir", "Suvenir", "Souvenir"),
    ("agro", "Agro", "Agro"),
)

# (Indonesian, English) pairs per cluster: product nouns, then shared qualities.
NOUNS = {
    "batik": [
        ("kain batik tulis", "hand-drawn batik cloth"), ("kemeja batik", "batik shirt"),
        ("selendang batik", "batik shawl"), ("sarung batik cap", "stamped batik sarong"),
        ("udeng batik", "batik head cloth"), ("taplak meja batik", "batik tablecloth"),
        ("daster batik", "batik house dress"), ("syal sutra batik", "silk batik scarf"),
    ],
    "kerajinan": [
        ("tas anyaman pandan", "woven pandan bag"), ("keranjang rotan", "rattan basket"),
        ("nampan batok kelapa", "coconut shell tray"), ("mangkuk kayu", "wooden bowl"),
        ("tikar mendong", "mendong mat"), ("lampu hias bambu", "bamboo lamp"),
        ("kalimba kayu", "wooden kalimba"), ("tas serat pisang", "banana fibre bag"),
    ],
    "suvenir": [
        ("gantungan kunci", "key ring"), ("miniatur perahu", "miniature boat"),
        ("topeng gandrung", "gandrung mask"), ("parfum anyaman", "woven-packed perfume"),
        ("magnet kulkas", "fridge magnet"), ("pembatas buku", "bookmark"),
        ("dompet koin", "coin purse"), ("hiasan dinding", "wall hanging"),
    ],
    "agro": [
        ("kopi robusta", "robusta coffee"), ("kopi arabika", "arabica coffee"),
        ("gula aren", "palm sugar"), ("keripik pisang", "banana chips"), ("madu hutan", "forest honey"),
        ("rengginang", "rice crackers"), ("manisan pala", "candied nutmeg"), ("ikan asin", "salted fish"),
        ("udang kering", "dried shrimp"), ("bagiak", "bagiak biscuits"), ("sagon kelapa", "coconut sagon"),
    ],
}  # fmt: skip
MOTIFS = [
    ("gajah oling", "gajah oling"), ("kangkung setingkes", "kangkung setingkes"),
    ("alas kobong", "alas kobong"), ("kopi pecah", "kopi pecah"), ("paras gempal", "paras gempal"),
]  # fmt: skip
COLOURS = [
    ("merah", "red"), ("biru", "blue"), ("hijau", "green"), ("coklat", "brown"), ("hitam", "black"),
    ("kuning", "yellow"), ("putih", "white"), ("ungu", "purple"), ("oranye", "orange"), ("krem", "cream"),
]  # fmt: skip
QUALITIES = [
    ("asli", "authentic"), ("premium", "premium"), ("alami", "natural"), ("buatan tangan", "handmade"),
    ("tradisional", "traditional"), ("klasik", "classic"), ("modern", "modern"), ("organik", "organic"),
]  # fmt: skip
SIZES = [("kecil", "small"), ("sedang", "medium"), ("besar", "large"), ("jumbo", "extra large")]
SENTENCES = [
    ("Dibuat oleh perajin di desa {v}.", "Made by artisans in {v} village."),
    ("Bahan dipilih dari kebun sekitar {v}.", "Materials chosen from gardens around {v}."),
    ("Cocok untuk hadiah dan oleh-oleh khas Banyuwangi.", "A fine gift and Banyuwangi keepsake."),
    ("Setiap barang sedikit berbeda karena dikerjakan dengan tangan.", "Each piece differs slightly."),
    ("Dikemas rapi dan aman untuk pengiriman jauh.", "Packed neatly and safely for long journeys."),
    ("Warna {c} tahan lama dan tidak luntur.", "The {c_en} colour lasts and does not fade."),
]  # fmt: skip

#: Words worth searching for: common, rare and bilingual, so the bench exercises ranking.
SEARCH_WORDS = ("batik", "kopi", "rotan", "gajah oling", "coffee", "merah", "bamboo", "madu", "handmade")

SELLERS = 200
IMAGE_KEYS = 8


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())


def reset_schema(db) -> None:
    db.drop_all()
    db.create_all()


def seed(db, products: int, *, rng_seed: int = 7, log=print) -> None:
    """Insert the catalogue into an empty schema (call inside an app context)."""
    rng = random.Random(rng_seed)
    started = time.perf_counter()
    now = utcnow()
    with db.engine.begin() as conn:
        kecamatan_id = conn.execute(
            sa.insert(Region).returning(Region.id),
            {
                "kind": RegionKind.KECAMATAN, "code": "35.10.14", "name": "Kabat", "slug": "kabat",
                "story_id": "", "story_en": "", "created_at": now,
            },
        ).scalar_one()  # fmt: skip
        conn.execute(
            sa.insert(Region),
            [
                {
                    "parent_id": kecamatan_id, "kind": RegionKind.DESA, "name": name,
                    "slug": f"desa-{_slug(name)}", "created_at": now,
                    "story_id": f"Desa {name} di kecamatan Kabat.", "story_en": f"{name} village in Kabat.",
                }
                for name in VILLAGES
            ],
        )  # fmt: skip
        villages = conn.execute(
            sa.select(Region.id, Region.name).where(Region.kind == RegionKind.DESA).order_by(Region.id)
        ).all()
        conn.execute(
            sa.insert(Cluster),
            [
                {"slug": slug, "name_id": nid, "name_en": nen, "position": i,
                 "description_id": f"Produk {nid} dari Kabat.", "description_en": f"{nen} from Kabat."}
                for i, (slug, nid, nen) in enumerate(CLUSTERS)
            ],
        )  # fmt: skip
        clusters = conn.execute(sa.select(Cluster.id, Cluster.slug, Cluster.name_id, Cluster.name_en)).all()

        seller_rows = []
        for n in range(SELLERS):
            village = villages[n % len(villages)]
            seller_rows.append(
                {
                    "village_id": village.id, "slug": f"umkm-{n + 1}", "name": f"UMKM {village.name} {n + 1}",
                    "kind": ("individual", "kub", "bumdes")[n % 3], "phone": "",
                    "story_id": f"Usaha keluarga di {village.name}.",
                    "story_en": f"A family business in {village.name}.",
                    "status": SellerStatus.APPROVED if n % 20 else SellerStatus.PENDING,
                    "created_at": now, "approved_at": now,
                }
            )  # fmt: skip
        conn.execute(sa.insert(Seller), seller_rows)
        sellers = conn.execute(sa.select(Seller.id, Seller.name, Seller.village_id).order_by(Seller.id)).all()
        village_name = {v.id: v.name for v in villages}
        conn.execute(
            sa.insert(seller_clusters),
            [{"seller_id": s.id, "cluster_id": clusters[s.id % len(clusters)].id} for s in sellers],
        )
        label_ids = conn.execute(
            sa.insert(LabelType).returning(LabelType.id),
            [
                {"code": "halal", "name_id": "Halal", "name_en": "Halal", "issuer": "BPJPH", "position": 0},
                {"code": "pirt", "name_id": "P-IRT", "name_en": "P-IRT", "issuer": "Dinkes", "position": 1},
                {"code": "batikmark", "name_id": "Batikmark", "name_en": "Batikmark", "issuer": "BBKB",
                 "position": 2},
                {"code": "kurasi", "name_id": "Kurasi Kecamatan", "name_en": "District curated",
                 "issuer": "Kecamatan Kabat", "requires_certificate": False, "position": 3},
            ],
        ).scalars().all()  # fmt: skip

    batch: list[dict] = []
    written = 0
    for n in range(1, products + 1):
        seller = sellers[rng.randrange(len(sellers))]
        cluster = clusters[seller.id % len(clusters)]
        noun = rng.choice(NOUNS[cluster.slug])
        colour = rng.choice(COLOURS)
        quality = rng.choice(QUALITIES)
        size = rng.choice(SIZES)
        motif = rng.choice(MOTIFS) if cluster.slug in ("batik", "suvenir") else None
        title_id = " ".join(
            p for p in (noun[0], f"motif {motif[0]}" if motif else "", colour[0], quality[0], size[0]) if p
        )
        title_en = " ".join(
            p
            for p in (quality[1], colour[1], noun[1], f"{motif[1]} motif" if motif else "", f"({size[1]})")
            if p
        )
        village = village_name[seller.village_id]
        picks = rng.sample(SENTENCES, 3)
        description_id = " ".join(s[0].format(v=village, c=colour[0]) for s in picks)
        description_en = " ".join(s[1].format(v=village, c_en=colour[1]) for s in picks)
        status = ProductStatus.ACTIVE if n % 25 else rng.choice((ProductStatus.DRAFT, ProductStatus.ARCHIVED))
        batch.append(
            {
                "seller_id": seller.id, "village_id": seller.village_id, "cluster_id": cluster.id,
                "slug": f"{_slug(title_id)}-{n}",
                "title_id": title_id.capitalize(), "title_en": title_en.capitalize(),
                "description_id": description_id, "description_en": description_en,
                "price_minor": rng.randrange(10, 1500) * 1000, "currency": "IDR",
                "stock": 0 if n % 13 == 0 else rng.randrange(1, 60), "low_stock_threshold": 3,
                "weight_grams": rng.randrange(50, 3000), "processing_days": rng.randrange(0, 14),
                "status": status, "exportable": cluster.slug != "agro" and n % 3 == 0,
                "hs_code": "4602.10" if cluster.slug == "kerajinan" else None, "origin_country": "ID",
                "search_text": "\n".join(
                    (title_id, title_en, description_id, description_en, seller.name, village,
                     cluster.name_id, cluster.name_en)
                ),
                "created_at": now - timedelta(minutes=n), "updated_at": now,
                "published_at": now - timedelta(minutes=n) if status == ProductStatus.ACTIVE else None,
            }
        )  # fmt: skip
        if len(batch) == 5000 or n == products:
            _insert_products(db, batch, label_ids, rng, written)
            written += len(batch)
            batch = []
            log(f"  seeded {written}/{products} products ({time.perf_counter() - started:.1f}s)")

    with db.engine.begin() as conn:
        featured = conn.execute(
            sa.select(Product.id).where(Product.status == ProductStatus.ACTIVE).order_by(Product.id).limit(8)
        ).scalars()
        conn.execute(
            sa.insert(FeaturedPlacement),
            [
                {"product_id": pid, "headline_id": "Pilihan minggu ini", "headline_en": "Pick of the week",
                 "position": i, "starts_at": now - timedelta(days=1), "ends_at": now + timedelta(days=30),
                 "created_at": now}
                for i, pid in enumerate(featured)
            ],
        )  # fmt: skip
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("ANALYZE")
        else:
            conn.exec_driver_sql("ANALYZE")
            conn.exec_driver_sql("INSERT INTO products_fts(products_fts) VALUES ('optimize')")
    log(f"  seeding done in {time.perf_counter() - started:.1f}s")


def _insert_products(db, batch: list[dict], label_ids: list[int], rng: random.Random, offset: int) -> None:
    now = utcnow()
    with db.engine.begin() as conn:
        ids = conn.execute(sa.insert(Product).returning(Product.id, sort_by_parameter_order=True), batch)
        ids = ids.scalars().all()
        images, labels = [], []
        for i, pid in enumerate(ids):
            images.append(
                {"product_id": pid, "position": 0, "storage_key": f"bench-{offset + i}-{pid}",
                 "width": 800, "height": 800, "alt_id": batch[i]["title_id"], "alt_en": batch[i]["title_en"],
                 "created_at": now}
            )  # fmt: skip
            if pid % 4 == 0:
                labels.append(
                    {"product_id": pid, "label_type_id": label_ids[pid % len(label_ids)],
                     "status": (LabelStatus.VERIFIED, LabelStatus.REQUESTED, LabelStatus.REJECTED)[pid % 3],
                     "certificate_number": f"ID35{pid:011d}", "issuer": "Kabupaten Banyuwangi",
                     "valid_until": date.today() + timedelta(days=rng.randrange(-30, 700)),
                     # Named evidence, as the curators' rule asks before verifying (no file is stored:
                     # the benchmarks never open it).
                     "evidence_key": f"bench-evidence-{pid}.pdf", "reviewer_note": "", "created_at": now}
                )  # fmt: skip
        conn.execute(sa.insert(ProductImage), images)
        # Every product sells through its variants (the ORM hook that makes the default one for the
        # app's own writes does not see a bulk insert): one default variant holding the stock.
        conn.execute(
            sa.text(
                "INSERT INTO product_variants (product_id, position, value1, value2, value3, sku, stock, "
                "created_at) SELECT id, 0, '', '', '', '', stock, created_at FROM products "
                "WHERE id BETWEEN :first AND :last"
            ),
            {"first": min(ids), "last": max(ids)},
        )
        if labels:
            conn.execute(sa.insert(ProductLabel), labels)
