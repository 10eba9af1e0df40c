"""Loads the demo Kabat (marketplace.demo.data) into a database: idempotent, keyed on natural keys.

Rows are matched on slugs, codes and emails; what exists is left as it is (so running twice changes
nothing, and edits made while demoing survive a re-run). A product's labels, pictures and featured
placements are created together with the product. Flushes only: the caller commits.
"""

from __future__ import annotations

import contextlib
import random
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from marketplace.accounts.models import User
from marketplace.accounts.passwords import hash_password as hash_account_password
from marketplace.accounts.services import find_default_address, save_address
from marketplace.catalogue.models import Cluster, Product, ProductImage, ProductStatus, Region, RegionKind
from marketplace.catalogue.photos import add_processed_image
from marketplace.curation.models import FeaturedPlacement
from marketplace.demo import data
from marketplace.demo.favourites import seed_demo_favourites
from marketplace.demo.label_evidence import store_certificate
from marketplace.demo.payouts import deliver_demo_parcels, record_artisan_accounts
from marketplace.demo.picture_cache import PictureCache, cache_key
from marketplace.demo.pictures import product_picture
from marketplace.demo.questions import seed_demo_questions
from marketplace.demo.reviews import BUYER_ADDRESS, seed_demo_reviews
from marketplace.demo.to_ship import ensure_parcel_to_ship
from marketplace.demo.variants import seed_demo_variants
from marketplace.demo.workshop import seed_demo_workshop
from marketplace.labels.models import LabelStatus, LabelType, ProductLabel
from marketplace.markets.services import ensure_demo_rates
from marketplace.media.images import ProcessedImage, delete_renditions, process_upload
from marketplace.media.storage import MediaStorage
from marketplace.monitoring.demo import seed_demo_activity
from marketplace.naikkelas.services import ensure_default_naik_kelas
from marketplace.origin.demo import ensure_demo_tags
from marketplace.seller.models import Seller, SellerFacilitator, SellerStatus, WorkshopPhoto
from marketplace.shipping.couriers import ensure_default_couriers
from marketplace.shipping.services import ensure_default_shipping_rates
from marketplace.timezones import JAKARTA
from marketplace.types import utcnow

#: A product created by this run, its data and how many pictures it gets.
_NewProducts = dict[str, tuple[Product, data.ProductData, int]]


@dataclass
class SeedReport:
    """What one run created (kind → count) and the images it stored, for cleanup if the commit fails."""

    created: Counter = field(default_factory=Counter)
    #: Product and workshop photos (each has the storage_key and width their renditions are named by).
    images: list[ProductImage | WorkshopPhoto] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(self.created.values())

    def summary(self) -> str:
        if not self.changed:
            return "nothing new"
        return ", ".join(f"{count} {kind}" for kind, count in self.created.items() if count)


@lru_cache(maxsize=256)  # the demo has ~100 pictures
def _drawn_picture(slug: str, cluster: str, title: str, variant: int) -> bytes:
    return product_picture(slug, cluster, title, variant)


@lru_cache(maxsize=256)  # their encoding is most of a seed
def _demo_picture(slug: str, cluster: str, title: str, variant: int) -> ProcessedImage:
    """A demo product's picture through the upload pipeline; the same every time, so a process that
    seeds twice (the tests, once per database) draws and encodes each only once."""
    return process_upload(_drawn_picture(slug, cluster, title, variant))


def _kept_demo_picture(
    cache: PictureCache, slug: str, cluster: str, title: str, variant: int
) -> ProcessedImage:
    """The picture from the cache another process filled, or encoded here and stored for the next."""
    key = cache_key(_drawn_picture(slug, cluster, title, variant))
    picture = cache.load(key)
    if picture is None:
        picture = _demo_picture(slug, cluster, title, variant)
        cache.store(key, picture)
    return picture


def _demo_street(desa: str, index: int) -> str:
    """Where a demo shop's parcels leave from, written as shops write it on labels."""
    return f"Jl. Raya {desa} No. {3 + index * 7}, RT 0{1 + index % 4}/RW 0{1 + index % 3}"


def has_products(session: Session) -> bool:
    """True when the database holds any product (then `seed-demo --if-empty` does nothing)."""
    return session.scalar(sa.select(sa.exists().where(Product.id.is_not(None)))) or False


def discard_images(storage: MediaStorage, report: SeedReport) -> None:
    """Delete the files of the images a run stored (call when its commit failed)."""
    for image in report.images:
        delete_renditions(storage, image.storage_key, image.width)


def seed_demo(
    session: Session,
    storage: MediaStorage,
    *,
    now: datetime | None = None,
    with_images: bool = True,
    hash_password: Callable[[str], str] | None = None,
    picture_cache: PictureCache | None = None,
) -> SeedReport:
    """Load the demo villages, clusters, label types, accounts, sellers, products and featuring.

    Creates only what is missing; returns what it created. If anything fails, the pictures this
    run stored are deleted before the error propagates (the caller rolls back the rows).
    `picture_cache` keeps the pictures' renditions for the next process that seeds (`DEMO_PICTURES_CACHE`).
    """
    now = now or utcnow()
    report = SeedReport()
    try:
        _Seeder(session, storage, now, report, hash_password or hash_account_password, picture_cache).run(
            with_images
        )
    except BaseException:
        discard_images(storage, report)
        raise
    return report


class _Seeder:
    def __init__(
        self,
        session: Session,
        storage: MediaStorage,
        now: datetime,
        report: SeedReport,
        hash_password: Callable[[str], str],
        picture_cache: PictureCache | None = None,
    ):
        self.session = session
        self.picture_cache = picture_cache
        self.storage = storage
        self.now = now
        self.today = now.astimezone(JAKARTA).date()
        self.report = report
        self.hash_password = hash_password
        self.rng = random.Random(data.RANDOM_SEED)

    def run(self, with_images: bool) -> None:
        regions = self.regions()
        clusters = self.clusters()
        label_types = self.label_types()
        users = self.accounts()
        self.buyer_address(users[data.BUYER_EMAIL])
        sellers = self.sellers(regions, clusters, users)
        new_products = self.products(sellers, clusters, label_types, users)
        self.report.created["product variants"] += seed_demo_variants(self.session)
        self.facilitators(sellers, users)
        self.featured(new_products, users)
        ensure_default_shipping_rates(self.session)
        ensure_default_couriers(self.session)  # tracking pages (shipping.couriers)

        ensure_demo_rates(self.session, today=self.today)  # ~1 EUR = 17,300 IDR … (markets)

        ensure_default_naik_kelas(self.session)
        self.report.created.update(
            seed_demo_questions(
                self.session,
                users,
                buyer_email=data.BUYER_EMAIL,
                seller_email=data.SELLER_EMAIL,
                now=self.now,
            )
        )

        self.report.created.update(seed_demo_activity(self.session, now=self.now))
        self.report.created.update(seed_demo_favourites(self.session, now=self.now))  # favourites
        if self.report.created["orders"]:
            # Older demo parcels arrived, so their money is available to pay out (payouts).
            self.report.created["delivered parcels"] += deliver_demo_parcels(self.session, now=self.now)
        # The demo buyer reviewed most of what arrived; one item waits for her review (reviews).
        self.report.created["reviews"] += seed_demo_reviews(self.session, self.storage, now=self.now)
        # …and ordered once more yesterday: the demo shop has a paid parcel to send (orders).
        self.report.created["parcels to ship"] += ensure_parcel_to_ship(self.session, now=self.now)
        self.report.created["artisan payout accounts"] += record_artisan_accounts(
            self.session, self.storage, sellers, facilitator=users[data.FACILITATOR_EMAIL], now=self.now
        )
        # Hang-tags printed for two products, one revoked by the curator (origin).
        self.report.created["origin tags"] += ensure_demo_tags(
            self.session, curator=users[data.CURATOR_EMAIL], now=self.now
        )
        if with_images:
            self.images(new_products)
            # The batik shop's page shows its workshop (seller/profile).
            for photo in seed_demo_workshop(self.session, self.storage, sellers, now=self.now):
                self.report.images.append(photo)
                self.report.created["workshop photos"] += 1
        self.session.flush()

    # -- helpers ---------------------------------------------------------------------------------

    def _existing(self, model, key: str, values: Iterable[str]) -> dict:
        column = getattr(model, key)
        rows = self.session.scalars(sa.select(model).where(column.in_(list(values)))).all()
        return {getattr(row, key): row for row in rows}

    def _add(self, kind: str, row) -> None:
        self.session.add(row)
        self.report.created[kind] += 1

    # -- places, clusters, label types, accounts -------------------------------------------------

    def regions(self) -> dict[str, Region]:
        slugs = [data.KECAMATAN.slug] + [v.slug for v in data.VILLAGES]
        regions = self._existing(Region, "slug", slugs)
        kecamatan = regions.get(data.KECAMATAN.slug)
        if kecamatan is None:
            k = data.KECAMATAN
            kecamatan = Region(
                kind=RegionKind.KECAMATAN,
                slug=k.slug,
                name=k.name,
                code=k.code,
                story_id=k.story_id,
                story_en=k.story_en,
                created_at=self.now,
            )
            self._add("regions", kecamatan)
            regions[k.slug] = kecamatan
        for village in data.VILLAGES:
            if village.slug not in regions:
                row = Region(
                    kind=RegionKind.DESA,
                    parent=kecamatan,
                    slug=village.slug,
                    name=village.name,
                    code=village.code,
                    story_id=village.story_id,
                    story_en=village.story_en,
                    created_at=self.now,
                )
                self._add("regions", row)
                regions[village.slug] = row
        return regions

    def clusters(self) -> dict[str, Cluster]:
        clusters = self._existing(Cluster, "slug", [c.slug for c in data.CLUSTERS])
        for position, c in enumerate(data.CLUSTERS):
            if c.slug not in clusters:
                row = Cluster(
                    slug=c.slug,
                    name_id=c.name_id,
                    name_en=c.name_en,
                    description_id=c.description_id,
                    description_en=c.description_en,
                    position=position,
                )
                self._add("clusters", row)
                clusters[c.slug] = row
        return clusters

    def label_types(self) -> dict[str, LabelType]:
        types = self._existing(LabelType, "code", [t.code for t in data.LABEL_TYPES])
        for position, t in enumerate(data.LABEL_TYPES):
            if t.code not in types:
                row = LabelType(
                    code=t.code,
                    name_id=t.name_id,
                    name_en=t.name_en,
                    description_id=t.description_id,
                    description_en=t.description_en,
                    issuer=t.issuer,
                    requires_certificate=t.requires_certificate,
                    position=position,
                )
                self._add("label types", row)
                types[t.code] = row
        return types

    def accounts(self) -> dict[str, User]:
        users = self._existing(User, "email", [a.email for a in data.ACCOUNTS])
        for account in data.ACCOUNTS:
            if account.email not in users:
                row = User(
                    email=account.email.lower(),
                    name=account.name,
                    password_hash=self.hash_password(data.DEMO_PASSWORD),
                    is_curator=account.is_curator,
                    locale=account.locale,
                )
                self._add("accounts", row)
                users[account.email] = row
        self.session.flush()
        return users

    def buyer_address(self, buyer: User) -> None:
        """The demo buyer's saved home address, so her checkout opens filled in, as a returning
        buyer's does."""
        if find_default_address(self.session, buyer) is None:
            values = {**asdict(BUYER_ADDRESS), "recipient_name": BUYER_ADDRESS.name, "label": "Rumah"}
            save_address(self.session, user=buyer, values=values)
            self.report.created["addresses"] += 1

    # -- sellers and products --------------------------------------------------------------------

    def sellers(self, regions, clusters, users) -> dict[str, Seller]:
        sellers = self._existing(Seller, "slug", [s.slug for s in data.SELLERS])
        for index, s in enumerate(data.SELLERS):
            if s.slug in sellers:
                continue
            status = SellerStatus(s.status)
            joined = self.now - timedelta(days=400 - index * 17)
            row = Seller(
                slug=s.slug,
                name=s.name,
                village=regions[s.village],
                kind=s.kind,
                story_id=s.story_id,
                story_en=s.story_en,
                phone=s.phone,
                # Where parcels leave from: a street in the shop's desa, as shops write it on labels.
                address_line=_demo_street(regions[s.village].name, index),
                status=status,
                clusters=[clusters[c] for c in s.clusters],
                created_at=joined,
                approved_at=joined + timedelta(days=5) if status == SellerStatus.APPROVED else None,
                user_id=users[s.owner].id if s.owner else None,
            )
            self._add("sellers", row)
            sellers[s.slug] = row
        return sellers

    def facilitators(self, sellers, users) -> None:
        """The demo facilitator runs two artisans' shops, linked by the curator with their consent."""

        helper, curator = users[data.FACILITATOR_EMAIL], users[data.CURATOR_EMAIL]
        self.session.flush()
        ids = [sellers[slug].id for slug in data.FACILITATED_SELLERS]
        linked = set(
            self.session.scalars(
                sa.select(SellerFacilitator.seller_id).where(
                    SellerFacilitator.facilitator_id == helper.id, SellerFacilitator.seller_id.in_(ids)
                )
            )
        )
        for seller_id in ids:
            if seller_id not in linked:
                link = SellerFacilitator(
                    seller_id=seller_id,
                    facilitator_id=helper.id,
                    granted_by_id=curator.id,
                    granted_via="curator",
                    consent_note="Persetujuan lisan di balai desa, disaksikan kepala desa (demo).",
                    granted_at=self.now - timedelta(days=60),
                )
                self._add("facilitator links", link)

    def products(self, sellers, clusters, label_types, users) -> _NewProducts:
        existing = self._existing(Product, "slug", [p.slug for p in data.PRODUCTS])
        curator = users[data.CURATOR_EMAIL]
        created: _NewProducts = {}
        for p in data.PRODUCTS:
            if p.slug in existing:
                continue
            status = ProductStatus(p.status)
            published = self.now - timedelta(days=p.age_days, hours=self.rng.randrange(2, 20))
            length, width, height = p.dimensions_mm or (None, None, None)
            product = Product(
                seller=sellers[p.seller],
                cluster=clusters[p.cluster],
                slug=p.slug,
                title_id=p.title_id,
                title_en=p.title_en,
                description_id=p.description_id,
                description_en=p.description_en,
                price_minor=p.price,
                currency="IDR",
                stock=p.stock,
                low_stock_threshold=self.rng.choice((2, 3, 5)),
                weight_grams=p.weight_grams,
                length_mm=length,
                width_mm=width,
                height_mm=height,
                processing_days=p.processing_days,
                status=status,
                exportable=p.exportable,
                hs_code=p.hs_code,
                origin_country="ID",
                created_at=published - timedelta(days=2),
                updated_at=published,
                published_at=published if status in (ProductStatus.ACTIVE, ProductStatus.ARCHIVED) else None,
            )
            self._add("products", product)
            picture_count = p.images if p.images is not None else self.rng.choice((1, 1, 2))
            for label in p.labels:
                self._add("labels", self._label(product, label, label_types[label.code], curator))
            created[p.slug] = (product, p, picture_count)
        self.session.flush()
        return created

    def _label(self, product: Product, label: data.LabelData, label_type: LabelType, curator: User):
        status = LabelStatus(label.status)
        reviewed = status in (LabelStatus.VERIFIED, LabelStatus.REJECTED)
        valid_until = None if label.valid_days is None else self.today + timedelta(days=label.valid_days)
        requested_at = self.now - timedelta(days=self.rng.randrange(20, 200))
        evidence_key = None
        if label_type.requires_certificate and label.evidence:
            # The certificate the seller sent, as a curator opens it from the label queue.
            issuer = label.issuer or label_type.issuer
            evidence_key = store_certificate(
                self.storage, label_type.name_id, label.certificate_number, issuer, valid_until
            )
        return ProductLabel(
            product=product,
            label_type=label_type,
            status=status,
            certificate_number=label.certificate_number,
            issuer=label.issuer or label_type.issuer,
            valid_until=valid_until,
            evidence_key=evidence_key,
            reviewer_note=label.reviewer_note,
            reviewed_by_id=curator.id if reviewed else None,
            reviewed_at=requested_at + timedelta(days=self.rng.randrange(1, 10)) if reviewed else None,
            created_at=requested_at,
        )

    def featured(self, new_products, users) -> None:
        curator = users[data.CURATOR_EMAIL]
        for f in data.FEATURED:
            if f.product not in new_products:
                continue  # featuring comes with its product; an existing product keeps its own
            product = new_products[f.product][0]
            row = FeaturedPlacement(
                product=product,
                headline_id=f.headline_id,
                headline_en=f.headline_en,
                position=f.position,
                starts_at=self.now + timedelta(days=f.starts_in_days),
                ends_at=self.now + timedelta(days=f.ends_in_days),
                created_by_id=curator.id,
            )
            self._add("featured placements", row)

    def images(self, new_products) -> None:
        """Draw each new product's pictures and run them through the upload pipeline."""
        jobs = [
            (product, spec, variant)
            for product, spec, picture_count in new_products.values()
            for variant in range(picture_count)
        ]

        cache = self.picture_cache

        def render(job) -> ProcessedImage:
            _, spec, variant = job
            if cache is None:
                return _demo_picture(spec.slug, spec.cluster, spec.title_id, variant)
            return _kept_demo_picture(cache, spec.slug, spec.cluster, spec.title_id, variant)

        # Pillow releases the GIL while it draws, encodes and decodes: threads make this faster. A
        # second process seeding at the same time waits for the cache this one fills.
        with cache.locked() if cache else contextlib.nullcontext(), ThreadPoolExecutor(max_workers=4) as pool:
            processed = list(pool.map(render, jobs))
        for (product, spec, _), result in zip(jobs, processed, strict=True):
            image = add_processed_image(
                self.session,
                self.storage,
                product=product,
                processed=result,
                alt_id=spec.title_id,
                alt_en=spec.title_en,
            )
            self.report.images.append(image)
            self.report.created["images"] += 1
