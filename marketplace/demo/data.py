"""The demo Kabat: villages, clusters, label types, sellers, products, labels, featuring, accounts.

Longer than 600 lines because it is data, not code: one list per kind of record, read top to bottom.

Plain data only; `marketplace.demo.seed` loads it. Natural keys (slugs, codes, emails) make the
load idempotent. Dates are relative to the day of seeding (`valid_days`, `starts_in_days`…), so
the demo never goes stale: a label "expired 40 days ago" stays expired whenever it is loaded.
Prices are whole rupiah (IDR has no minor unit in practice).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published demo accounts, never loaded in production
RANDOM_SEED = 35_10_14


@dataclass(frozen=True)
class RegionData:
    slug: str
    name: str
    story_id: str
    story_en: str
    code: Optional[str] = None


@dataclass(frozen=True)
class ClusterData:
    slug: str
    name_id: str
    name_en: str
    description_id: str
    description_en: str


@dataclass(frozen=True)
class LabelTypeData:
    code: str
    name_id: str
    name_en: str
    description_id: str
    description_en: str
    issuer: str
    requires_certificate: bool


@dataclass(frozen=True)
class AccountData:
    email: str
    name: str
    is_curator: bool = False
    locale: str = "id"


@dataclass(frozen=True)
class SellerData:
    slug: str
    name: str
    village: str  # region slug
    clusters: tuple[str, ...]
    story_id: str
    story_en: str
    kind: str = "individual"
    status: str = "approved"
    phone: str = ""
    owner: Optional[str] = None  # account email


@dataclass(frozen=True)
class LabelData:
    code: str
    status: str = "verified"
    certificate_number: str = ""
    issuer: str = ""
    #: Days from the seeding day to the last valid day; negative = already expired; None = no expiry.
    valid_days: Optional[int] = 365
    reviewer_note: str = ""
    #: Whether the seller sent the certificate file (seeded as a demo PDF; certificate types only).
    evidence: bool = True


@dataclass(frozen=True)
class ProductData:
    slug: str
    seller: str
    cluster: str
    title_id: str
    title_en: str
    description_id: str
    description_en: str
    price: int
    stock: int
    weight_grams: int
    dimensions_mm: Optional[tuple[int, int, int]] = None
    processing_days: int = 1
    status: str = "active"
    exportable: bool = False
    hs_code: Optional[str] = None
    labels: tuple[LabelData, ...] = ()
    #: How many pictures to generate (0 for a few, so pages without photos get exercised);
    #: None lets the seed's deterministic random choice pick 1 or 2.
    images: Optional[int] = None
    #: Days since it was published (newest products on the home page are the smallest).
    age_days: int = 30


@dataclass(frozen=True)
class FeaturedData:
    product: str
    headline_id: str
    headline_en: str
    position: int
    starts_in_days: int
    ends_in_days: int


KECAMATAN = RegionData(
    slug="kecamatan-kabat",
    name="Kabat",
    code="35.10.14",
    story_id=(
        "Kecamatan Kabat di Kabupaten Banyuwangi, Jawa Timur, membentang dari sawah dan kebun kelapa "
        "hingga pesisir Selat Bali. Empat belas desanya hidup dari batik tulis, anyaman rotan dan "
        "bambu, kerajinan batok kelapa, kopi, camilan khas Osing, dan ikan asin dari kampung nelayan."
    ),
    story_en=(
        "Kabat district in Banyuwangi regency, East Java, runs from rice fields and coconut groves to "
        "the shore of the Bali Strait. Its fourteen villages live from hand-drawn batik, rattan and "
        "bamboo weaving, coconut-shell crafts, coffee, Osing snacks and dried fish from fishing hamlets."
    ),
)

VILLAGES = (
    RegionData(
        "bareng", "Bareng",
        "Desa Bareng dikelilingi sawah. Warganya membuat cinderamata khas Osing: gantungan kunci "
        "penari Gandrung, udeng, dan parfum dalam kemasan anyaman.",
        "Bareng is surrounded by rice fields. Its people make Osing keepsakes: Gandrung dancer key "
        "rings, udeng head cloths and perfume in woven packs.",
    ),
    RegionData(
        "benelan-lor", "Benelan Lor",
        "Di Benelan Lor, ibu-ibu kelompok usaha menjemur rengginang ketan di halaman setiap pagi "
        "yang cerah.",
        "In Benelan Lor, women's business groups dry sticky-rice rengginang in their yards on every "
        "sunny morning.",
    ),
    RegionData(
        "bunder", "Bunder",
        "Bunder adalah desa pertanian padi dan palawija; pandan dari pematangnya dianyam menjadi "
        "tikar dan wadah.",
        "Bunder farms rice and dry-season crops; pandan from its field edges is woven into mats and "
        "boxes.",
    ),
    RegionData(
        "dadapan", "Dadapan",
        "Aroma kopi sangrai tercium di Dadapan: biji robusta dan arabika dari lereng Ijen disangrai "
        "di sini dalam jumlah kecil.",
        "Dadapan smells of roasting coffee: robusta and arabica beans from the slopes of Ijen are "
        "roasted here in small batches.",
    ),
    RegionData(
        "gombolirang", "Gombolirang",
        "Perajin kayu Gombolirang mengukir topeng, hiasan dinding, dan perabot dapur dari kayu sawo "
        "dan mahoni.",
        "Gombolirang's woodworkers carve masks, wall reliefs and kitchenware from sapodilla and "
        "mahogany.",
    ),
    RegionData(
        "kabat", "Kabat",
        "Desa Kabat adalah pusat kecamatan, tempat kantor camat dan pasar. Di dapur-dapur rumahnya "
        "dibuat bagiak, klemben, dan sagon untuk oleh-oleh.",
        "Kabat village is the district seat, home of the district office and the market. Its home "
        "kitchens bake bagiak, klemben and sagon for travellers to take home.",
    ),
    RegionData(
        "kalirejo", "Kalirejo",
        "Kalirejo menghadap Selat Bali. Hasil tangkapan nelayan dijemur menjadi ikan asin dan cumi "
        "kering.",
        "Kalirejo faces the Bali Strait. Its fishers' catch is sun-dried into salted fish and dried "
        "squid.",
    ),
    RegionData(
        "kedayunan", "Kedayunan",
        "Kedayunan dikenal dengan kebun kelapa dan pisangnya, bahan bagi banyak camilan di Kabat.",
        "Kedayunan is known for its coconut and banana gardens, which supply many of Kabat's snacks.",
    ),
    RegionData(
        "labanasem", "Labanasem",
        "Labanasem adalah desa sawah yang tenang; beberapa warganya mulai menganyam pandan untuk "
        "dijual.",
        "Labanasem is a quiet rice-farming village; some of its people have started weaving pandan "
        "to sell.",
    ),
    RegionData(
        "macan-putih", "Macan Putih",
        "Macan Putih pernah menjadi pusat Kerajaan Blambangan pada masa Prabu Tawang Alun. Kini "
        "BUMDes-nya mengolah beras, gula kelapa, dan minyak kelapa.",
        "Macan Putih was once the seat of the Blambangan kingdom under Prabu Tawang Alun. Today its "
        "village enterprise processes rice, coconut sugar and coconut oil.",
    ),
    RegionData(
        "pakistaji", "Pakistaji",
        "Di Dusun Kepuh, Pakistaji, para pembatik menggoreskan canting untuk motif Gajah Oling, "
        "Kangkung Setingkes, dan Kopi Pecah, warisan batik Banyuwangi.",
        "In Dusun Kepuh, Pakistaji, batik makers draw with the canting: Gajah Oling, Kangkung "
        "Setingkes and Kopi Pecah, the heritage motifs of Banyuwangi batik.",
    ),
    RegionData(
        "pendarungan", "Pendarungan",
        "Peternak lebah di Pendarungan memelihara lebah klanceng di kebun buah; madunya asam manis.",
        "Beekeepers in Pendarungan keep stingless bees in fruit gardens; their honey is sweet and "
        "tangy.",
    ),
    RegionData(
        "pondoknongko", "Pondoknongko",
        "Pondoknongko adalah kampung nelayan. Kelompok perempuannya mengolah udang menjadi ebi dan "
        "terasi, serta ikan menjadi abon dan kerupuk.",
        "Pondoknongko is a fishing village. Its women's group turns shrimp into ebi and terasi, and "
        "fish into floss and crackers.",
    ),
    RegionData(
        "tambong", "Tambong",
        "Tambong adalah desa kerajinan: batok kelapa, kayu, bambu, rotan, dan serat pisang menjadi "
        "tas, nampan, peralatan makan, dan kalimba yang sudah dikirim ke Thailand, Amerika Serikat, "
        "Malaysia, dan Italia.",
        "Tambong is a craft village: coconut shell, wood, bamboo, rattan and banana fibre become "
        "bags, trays, tableware and kalimbas already shipped to Thailand, the USA, Malaysia and Italy.",
    ),
)  # fmt: skip

CLUSTERS = (
    ClusterData(
        "batik", "Batik", "Batik",
        "Batik tulis, cap, dan kombinasi dari Pakistaji dengan motif khas Banyuwangi: Gajah Oling, "
        "Kangkung Setingkes, Alas Kobong, Kopi Pecah.",
        "Hand-drawn, stamped and combined batik from Pakistaji in Banyuwangi's own motifs: Gajah "
        "Oling, Kangkung Setingkes, Alas Kobong, Kopi Pecah.",
    ),
    ClusterData(
        "suvenir", "Suvenir", "Souvenirs",
        "Oleh-oleh kecil khas Osing: gantungan kunci, miniatur penari Gandrung, parfum dalam anyaman, "
        "udeng.",
        "Small Osing keepsakes: key rings, Gandrung dancer miniatures, perfume in woven packs, udeng "
        "head cloths.",
    ),
    ClusterData(
        "kerajinan", "Kerajinan Tangan", "Handicrafts",
        "Anyaman rotan dan bambu, kerajinan batok kelapa, kayu, dan serat pisang dari Tambong dan "
        "Gombolirang, banyak yang siap ekspor.",
        "Rattan and bamboo weaving, coconut-shell, wood and banana-fibre crafts from Tambong and "
        "Gombolirang, many ready for export.",
    ),
    ClusterData(
        "agro", "Agro", "Food & Farm",
        "Kopi Banyuwangi, beras, olahan kelapa, madu, camilan tradisional, serta ikan dan udang "
        "kering dari pesisir Kalirejo dan Pondoknongko.",
        "Banyuwangi coffee, rice, coconut products, honey, traditional snacks, and dried fish and "
        "shrimp from the Kalirejo and Pondoknongko coast.",
    ),
)  # fmt: skip

CURATOR_ISSUER = "Kurator Pasar Desa Kabat"

LABEL_TYPES = (
    LabelTypeData(
        "halal", "Halal", "Halal",
        "Sertifikat halal dari BPJPH; usaha mikro dapat melalui pernyataan mandiri (SEHATI).",
        "Halal certificate from BPJPH; micro businesses may self-declare (SEHATI).",
        "BPJPH", True,
    ),
    LabelTypeData(
        "p-irt", "P-IRT", "P-IRT (home-industry food)",
        "Nomor SPP-IRT 15 digit untuk pangan industri rumah tangga, berlaku hingga 5 tahun. Tidak "
        "untuk olahan susu, daging, ikan, minuman beralkohol, dan makanan bayi.",
        "15-digit SPP-IRT number for home-industry food, valid up to 5 years. Not for dairy, meat, "
        "fish, alcohol or baby food.",
        "Dinas Kesehatan Kabupaten Banyuwangi", True,
    ),
    LabelTypeData(
        "bpom-md", "BPOM MD", "BPOM MD registration",
        "Nomor izin edar BPOM MD untuk pangan olahan.",
        "BPOM MD marketing authorisation number for processed food.",
        "Badan POM", True,
    ),
    LabelTypeData(
        "sni-batik", "SNI Batik", "SNI batik standard",
        "Sertifikat SNI: 8302:2016 (batik tulis), 8303:2016 (batik cap), 8304:2016 (kombinasi).",
        "SNI certificate: 8302:2016 (hand-drawn), 8303:2016 (stamped), 8304:2016 (combined batik).",
        "LSPro Balai Besar Kerajinan dan Batik", True,
    ),
    LabelTypeData(
        "batikmark", "Batikmark", "Batikmark",
        "Tanda Batikmark Indonesia: emas untuk batik tulis, putih untuk batik cap, perak untuk "
        "kombinasi.",
        "Batikmark Indonesia: gold for hand-drawn, white for stamped, silver for combined batik.",
        "Balai Besar Kerajinan dan Batik", True,
    ),
    LabelTypeData(
        "kurasi-kecamatan", "Kurasi Kecamatan", "District curated",
        "Diperiksa langsung oleh kurator kecamatan saat kunjungan lapangan.",
        "Checked in person by the district curator on a field visit.",
        "Kecamatan Kabat", False,
    ),
    LabelTypeData(
        "handmade", "Buatan Tangan", "Handmade",
        "Kurator memastikan produk dibuat dengan tangan, bukan mesin.",
        "The curator confirmed it is made by hand, not by machine.",
        CURATOR_ISSUER, False,
    ),
    LabelTypeData(
        "natural-dye", "Pewarna Alami", "Natural dye",
        "Diwarnai dengan bahan alami seperti indigo, kulit kayu tingi, atau daun mangga.",
        "Coloured with natural dyes such as indigo, tingi bark or mango leaves.",
        CURATOR_ISSUER, False,
    ),
    LabelTypeData(
        "export-ready", "Siap Ekspor", "Export ready",
        "Kemasan, kode HS, dan kapasitas produksi sudah diperiksa untuk pengiriman ke luar negeri.",
        "Packaging, HS code and production capacity checked for shipping abroad.",
        CURATOR_ISSUER, False,
    ),
)  # fmt: skip

CURATOR_EMAIL = "curator@demo.test"
SELLER_EMAIL = "seller@demo.test"
BUYER_EMAIL = "buyer@demo.test"
#: A village facilitator (pendamping) running the shops of two artisans without an account.
FACILITATOR_EMAIL = "pendamping@demo.test"
FACILITATED_SELLERS = ("batik-tulis-bu-sumiati", "ukir-kayu-pak-slamet")

ACCOUNTS = (
    AccountData(CURATOR_EMAIL, "Dewi Kurniasari (Kurator)", is_curator=True),
    AccountData(SELLER_EMAIL, "Siti Aminah"),
    AccountData(BUYER_EMAIL, "Rina Wulandari"),
    AccountData(FACILITATOR_EMAIL, "Agus Pendamping Desa"),
)

SELLERS = (
    SellerData(
        "sanggar-batik-sekar-kepuh", "Sanggar Batik Sekar Kepuh", "pakistaji", ("batik",),
        "Sanggar kami berdiri di Dusun Kepuh sejak 2009. Dua belas pembatik, kebanyakan ibu rumah "
        "tangga, menggambar motif Gajah Oling dengan canting dan mewarnainya dengan sabar.",
        "Our workshop in Dusun Kepuh opened in 2009. Twelve batik makers, most of them mothers, draw "
        "Gajah Oling with the canting and dye every cloth patiently.",
        kind="kub", phone="+62 812-3456-7801", owner=SELLER_EMAIL,
    ),
    SellerData(
        "batik-tulis-bu-sumiati", "Batik Tulis Bu Sumiati", "pakistaji", ("batik",),
        "Bu Sumiati membatik sejak remaja, belajar dari ibunya. Setiap kain dikerjakan sendiri di "
        "teras rumah, dari pola pensil sampai pelorodan.",
        "Bu Sumiati has made batik since she was a girl, taught by her mother. She works each cloth "
        "herself on her veranda, from pencil outline to the final wax removal.",
        phone="+62 813-3100-2202",
    ),
    SellerData(
        "kub-batik-kopi-pecah", "KUB Batik Kopi Pecah", "pakistaji", ("batik", "suvenir"),
        "Kelompok usaha bersama ini membuat batik cap dan aneka produk kecil dari sisa kain batik, "
        "supaya tidak ada kain yang terbuang.",
        "This artisan group makes stamped batik and small goods from batik offcuts, so no cloth is "
        "wasted.",
        kind="kub", phone="+62 852-3300-4403",
    ),
    SellerData(
        "kub-rotan-tambong-jaya", "KUB Anyaman Rotan Tambong Jaya", "tambong", ("kerajinan",),
        "Tiga puluh penganyam rotan di Tambong bekerja bersama. Keranjang kami sudah dikirim ke "
        "pembeli di Malaysia dan Italia.",
        "Thirty rattan weavers in Tambong work together. Our baskets have already gone to buyers in "
        "Malaysia and Italy.",
        kind="kub", phone="+62 821-4000-5504",
    ),
    SellerData(
        "kriya-batok-tambong", "Kriya Batok Kelapa Tambong", "tambong", ("kerajinan", "suvenir"),
        "Pak Hadi mengubah batok kelapa dari kebun tetangga menjadi mangkuk, sendok, lampu, dan "
        "kalimba. Semua diamplas dan dipoles dengan tangan.",
        "Pak Hadi turns coconut shells from his neighbours' gardens into bowls, spoons, lamps and "
        "kalimbas, all sanded and polished by hand.",
        phone="+62 812-5200-6605",
    ),
    SellerData(
        "kerajinan-lestari-tambong", "Kerajinan Bambu & Pelepah Lestari", "tambong", ("kerajinan",),
        "Kelompok perempuan Lestari menganyam bambu dan pelepah pisang yang biasanya dibuang, "
        "menjadi tas dan wadah yang kuat.",
        "The Lestari women's group weaves bamboo and banana stems that would otherwise be thrown "
        "away into strong bags and boxes.",
        kind="kub", phone="+62 857-4600-7706",
    ),
    SellerData(
        "ukir-kayu-pak-slamet", "Ukir Kayu Pak Slamet", "gombolirang", ("kerajinan",),
        "Pak Slamet mengukir kayu sejak 1995. Topeng Barong dan relief penari Gandrung buatannya "
        "menghiasi banyak rumah makan di Banyuwangi.",
        "Pak Slamet has carved wood since 1995. His Barong masks and Gandrung dancer reliefs hang in "
        "many Banyuwangi restaurants.",
        phone="+62 813-5800-8807",
    ),
    SellerData(
        "kopi-osing-dadapan", "Kopi Osing Dadapan", "dadapan", ("agro",),
        "Kami menyangrai kopi Banyuwangi sedikit demi sedikit setiap minggu, supaya yang sampai di "
        "cangkir Anda selalu segar.",
        "We roast Banyuwangi coffee in small batches every week, so what reaches your cup is always "
        "fresh.",
        phone="+62 822-3100-9908",
    ),
    SellerData(
        "ikan-asin-bahari-kalirejo", "UD Ikan Asin Bahari", "kalirejo", ("agro",),
        "Usaha keluarga nelayan Kalirejo. Ikan dijemur di atas para-para bambu di tepi pantai, tanpa "
        "bahan pengawet.",
        "A Kalirejo fishing family's business. Fish are dried on bamboo racks by the beach, with no "
        "preservatives.",
        phone="+62 819-3400-1009",
    ),
    SellerData(
        "kub-mina-pesisir", "KUB Mina Pesisir Pondoknongko", "pondoknongko", ("agro",),
        "Dua puluh istri nelayan mengolah hasil laut Pondoknongko menjadi ebi, terasi, abon, dan "
        "kerupuk ikan.",
        "Twenty fishers' wives turn Pondoknongko's catch into dried shrimp, terasi, fish floss and "
        "fish crackers.",
        kind="kub", phone="+62 852-5800-1110",
    ),
    SellerData(
        "jajanan-osing-bu-rum", "Jajanan Khas Osing Bu Rum", "kabat", ("agro",),
        "Resep bagiak dan klemben Bu Rum diwariskan dari neneknya. Dipanggang dengan tungku, "
        "dikemas rapat supaya tetap renyah.",
        "Bu Rum's bagiak and klemben recipes came from her grandmother. Baked over a wood fire and "
        "sealed tight to stay crisp.",
        phone="+62 812-3000-1211",
    ),
    SellerData(
        "bumdes-macan-putih", "BUMDes Macan Putih Sejahtera", "macan-putih", ("agro",),
        "Badan usaha milik desa ini membeli gabah dan kelapa petani dengan harga adil, lalu "
        "mengolahnya menjadi beras, gula kelapa, dan minyak kelapa.",
        "This village enterprise buys rice and coconuts from farmers at fair prices and turns them "
        "into rice, coconut sugar and coconut oil.",
        kind="bumdes", phone="+62 333-000-1312",
    ),
    SellerData(
        "cinderamata-osing-bareng", "Cinderamata Osing Bareng", "bareng", ("suvenir",),
        "Mbak Lia dan adiknya membuat oleh-oleh khas Osing. Harga bersahabat, cocok untuk suvenir "
        "acara dan hajatan.",
        "Mbak Lia and her sister make Osing keepsakes at friendly prices, right for event and "
        "wedding favours.",
        phone="+62 858-1200-1413",
    ),
    SellerData(
        "camilan-benelan-lor", "Camilan Benelan Lor", "benelan-lor", ("agro",),
        "Kelompok ibu-ibu PKK Benelan Lor membuat rengginang dan opak dari beras ketan petani "
        "sendiri.",
        "The Benelan Lor women's association makes rengginang and opak from their own farmers' "
        "sticky rice.",
        kind="kub", phone="+62 821-3300-1514",
    ),
    SellerData(
        "madu-klanceng-pendarungan", "Madu Klanceng Pendarungan", "pendarungan", ("agro",),
        "Pak Yusuf merawat 80 stup lebah klanceng di kebun rambutan dan kelengkeng.",
        "Pak Yusuf keeps 80 stingless-bee hives among rambutan and longan trees.",
        phone="+62 813-3600-1615",
    ),
    SellerData(
        "anyaman-pandan-bu-yati", "Anyaman Pandan Bu Yati", "labanasem", ("kerajinan",),
        "Bu Yati baru mendaftar; kurator akan berkunjung untuk melihat anyaman pandannya.",
        "Bu Yati has just applied; the curator will visit to see her pandan weaving.",
        status="pending", phone="+62 812-4400-1716",
    ),
    SellerData(
        "toko-grosir-kedayunan", "Toko Grosir Kedayunan", "kedayunan", ("suvenir",),
        "Menjual aneka barang grosir.",
        "Sells assorted wholesale goods.",
        status="rejected", phone="+62 812-0000-1817",
    ),
)  # fmt: skip


def _halal(number: str, valid_days: Optional[int] = None) -> LabelData:
    return LabelData("halal", certificate_number=number, issuer="BPJPH", valid_days=valid_days)


def _pirt(number: str, valid_days: int = 4 * 365) -> LabelData:
    return LabelData("p-irt", certificate_number=number, issuer="Dinas Kesehatan Kabupaten Banyuwangi",
                     valid_days=valid_days)  # fmt: skip


def _curated(code: str, valid_days: Optional[int] = 730) -> LabelData:
    return LabelData(code, issuer=CURATOR_ISSUER, valid_days=valid_days)


_BATIK_FOLDED = (300, 250, 20)
_HS_COTTON_BATIK = "5208.52"  # woven cotton, >=85 %, <=200 g/m2, printed (batik ships as fabric)
_HS_SILK_BATIK = "5007.20"
_HS_RATTAN = "4602.12"  # basketwork of rattan (HS 2012+; 4602.10 in older editions)
_HS_BAMBOO_WEAVE = "4602.11"
_HS_OTHER_PLAITING = "4602.19"
_HS_WOOD_KITCHEN = "4419.90"
_HS_WOOD_ORNAMENT = "4420.19"
_HS_WOOD_OTHER = "4421.99"  # other articles of wood (4421.90 before HS 2017)
_HS_CARVING_MATERIAL = "9602.00"  # worked vegetable carving material: coconut shell
_HS_ROASTED_COFFEE = "0901.21"
_HS_GREEN_COFFEE = "0901.11"

P = ProductData

PRODUCTS = (
    # --- Sanggar Batik Sekar Kepuh (seller@demo.test) --------------------------------------------
    P("kain-batik-tulis-gajah-oling-sogan", "sanggar-batik-sekar-kepuh", "batik",
      "Kain Batik Tulis Gajah Oling Sogan",
      "Gajah Oling Hand-drawn Batik Cloth, Sogan Brown",
      "Kain katun primissima 2 x 1,15 m, digambar dengan canting motif Gajah Oling berlatar sogan. "
      "Dikerjakan sekitar tiga minggu oleh satu pembatik.",
      "Primissima cotton, 2 x 1.15 m, hand-drawn with the canting in the Gajah Oling motif on a "
      "sogan brown ground. About three weeks of one maker's work.",
      850_000, 4, 350, _BATIK_FOLDED, 2, exportable=True, hs_code=_HS_COTTON_BATIK, images=3, age_days=3,
      labels=(
          LabelData("batikmark", certificate_number="0312/BMI/G/2025",
                    issuer="Balai Besar Kerajinan dan Batik", valid_days=540),
          LabelData("sni-batik", certificate_number="SNI 8302:2016/LSPro-BBKB/0457",
                    issuer="LSPro Balai Besar Kerajinan dan Batik", valid_days=900),
          _curated("handmade"),
          LabelData("natural-dye", status="requested", issuer=CURATOR_ISSUER, valid_days=None),
      )),
    P("kain-batik-tulis-kangkung-setingkes", "sanggar-batik-sekar-kepuh", "batik",
      "Kain Batik Tulis Kangkung Setingkes Biru",
      "Kangkung Setingkes Hand-drawn Batik Cloth, Blue",
      "Motif Kangkung Setingkes, seikat kangkung lambang kebersamaan, di atas katun biru indigo.",
      "The Kangkung Setingkes motif, a bundle of water spinach standing for togetherness, on indigo "
      "blue cotton.",
      750_000, 3, 340, _BATIK_FOLDED, 2, exportable=True, hs_code=_HS_COTTON_BATIK, images=3, age_days=9,
      labels=(_curated("handmade"), _curated("kurasi-kecamatan", valid_days=365))),
    P("kain-batik-cap-kopi-pecah", "sanggar-batik-sekar-kepuh", "batik",
      "Kain Batik Cap Kopi Pecah",
      "Kopi Pecah Stamped Batik Cloth",
      "Batik cap motif Kopi Pecah (biji kopi terbelah) warna coklat kopi, katun 2 x 1,15 m. Cocok "
      "untuk seragam dan kemeja.",
      "Stamped batik in the Kopi Pecah (split coffee bean) motif, coffee brown, cotton 2 x 1.15 m. "
      "Good for uniforms and shirts.",
      185_000, 12, 330, _BATIK_FOLDED, 1, exportable=True, hs_code=_HS_COTTON_BATIK, age_days=15,
      labels=(LabelData("batikmark", certificate_number="0313/BMI/W/2025",
                        issuer="Balai Besar Kerajinan dan Batik", valid_days=540),)),
    P("kain-batik-kombinasi-alas-kobong", "sanggar-batik-sekar-kepuh", "batik",
      "Kain Batik Kombinasi Alas Kobong",
      "Alas Kobong Combined Batik Cloth",
      "Perpaduan cap dan tulis motif Alas Kobong (hutan terbakar) dengan gradasi merah dan jingga.",
      "Stamped and hand-drawn Alas Kobong (burning forest) motif in shades of red and orange.",
      325_000, 6, 340, _BATIK_FOLDED, 2, exportable=True, hs_code=_HS_COTTON_BATIK, age_days=21,
      labels=(LabelData("sni-batik", status="requested", certificate_number="SNI 8304:2016/LSPro-BBKB/0513",
                        issuer="LSPro Balai Besar Kerajinan dan Batik", valid_days=4 * 365 - 45),)),
    P("kemeja-batik-gajah-oling-pria", "sanggar-batik-sekar-kepuh", "batik",
      "Kemeja Batik Gajah Oling Pria Lengan Panjang",
      "Men's Long-sleeved Gajah Oling Batik Shirt",
      "Kemeja batik cap motif Gajah Oling, katun, lengan panjang, dilapisi furing. Ukuran S sampai "
      "XXL: pilih ukuran Anda di atas.",
      "Stamped Gajah Oling batik shirt, cotton, long sleeves, fully lined. Sizes S to XXL: choose yours "
      "above.",
      275_000, 8, 300, (320, 260, 40), 3, exportable=True, hs_code="6205.20", age_days=6),
    P("selendang-sutra-batik-tulis", "sanggar-batik-sekar-kepuh", "batik",
      "Selendang Sutra Batik Tulis Gajah Oling",
      "Hand-drawn Gajah Oling Batik Silk Shawl",
      "Selendang sutra 2 x 0,5 m, dibatik tulis halus. Dibuat setelah dipesan: sekitar tiga minggu.",
      "Silk shawl, 2 x 0.5 m, finely hand-drawn. Made to order: about three weeks.",
      1_250_000, 2, 120, (250, 200, 20), 21, exportable=True, hs_code=_HS_SILK_BATIK, age_days=40,
      labels=(_curated("handmade"), _curated("export-ready", valid_days=365))),
    P("batik-tulis-pewarna-alami-gajah-oling", "sanggar-batik-sekar-kepuh", "batik",
      "Kain Batik Tulis Pewarna Alami Gajah Oling",
      "Gajah Oling Hand-drawn Batik, Natural Dyes",
      "Diwarnai dengan indigo dan kulit kayu tingi. Stok sedang habis; pesanan baru dikerjakan "
      "sekitar 30 hari.",
      "Dyed with indigo and tingi bark. Out of stock now; new orders take about 30 days.",
      1_450_000, 0, 360, _BATIK_FOLDED, 30, exportable=True, hs_code=_HS_COTTON_BATIK, age_days=55,
      labels=(_curated("natural-dye"), _curated("export-ready", valid_days=365))),
    P("kain-batik-tulis-paras-gempal", "sanggar-batik-sekar-kepuh", "batik",
      "Kain Batik Tulis Paras Gempal",
      "Paras Gempal Hand-drawn Batik Cloth",
      "Draf: foto dan harga masih disiapkan.",
      "Draft: photos and price still being prepared.",
      900_000, 1, 350, _BATIK_FOLDED, 21, status="draft", images=0, age_days=1),
    # --- Batik Tulis Bu Sumiati ------------------------------------------------------------------
    P("batik-tulis-gajah-oling-merah", "batik-tulis-bu-sumiati", "batik",
      "Batik Tulis Gajah Oling Merah Marun",
      "Gajah Oling Hand-drawn Batik, Maroon",
      "Kain batik tulis katun, merah marun dengan isen-isen halus. Satu-satunya, tidak ada yang "
      "sama persis.",
      "Hand-drawn cotton batik, maroon with fine fillings. One of a kind.",
      650_000, 2, 340, _BATIK_FOLDED, 1, exportable=True, hs_code=_HS_COTTON_BATIK, age_days=12,
      labels=(_curated("handmade"),)),
    P("batik-tulis-moto-pitik", "batik-tulis-bu-sumiati", "batik",
      "Batik Tulis Moto Pitik",
      "Moto Pitik Hand-drawn Batik",
      "Motif Moto Pitik (mata ayam) khas Banyuwangi, latar putih gading.",
      "Banyuwangi's Moto Pitik (chicken's eye) motif on an ivory ground.",
      550_000, 3, 340, _BATIK_FOLDED, 1, exportable=True, hs_code=_HS_COTTON_BATIK, age_days=26),
    P("batik-tulis-sembruk-cacing", "batik-tulis-bu-sumiati", "batik",
      "Batik Tulis Sembruk Cacing",
      "",
      "Motif Sembruk Cacing yang meliuk, warna hijau daun dan coklat tanah.",
      "",
      480_000, 2, 330, _BATIK_FOLDED, 1, age_days=33),
    P("sarung-batik-cap-osing", "batik-tulis-bu-sumiati", "batik",
      "Sarung Batik Cap Osing",
      "Osing Stamped Batik Sarong",
      "Sarung batik cap katun, ukuran dewasa, dijahit melingkar dan siap pakai.",
      "Cotton stamped batik sarong, adult size, sewn and ready to wear.",
      165_000, 10, 400, (330, 260, 30), 1, exportable=True, hs_code=_HS_COTTON_BATIK, age_days=48),
    P("taplak-meja-batik-gajah-oling", "batik-tulis-bu-sumiati", "batik",
      "Taplak Meja Batik Gajah Oling",
      "",
      "Taplak meja 150 x 100 cm dari batik cap Gajah Oling, tepi dijahit rapi.",
      "",
      225_000, 5, 300, (300, 250, 25), 2, images=1, age_days=60),
    # --- KUB Batik Kopi Pecah --------------------------------------------------------------------
    P("tas-jinjing-batik-kopi-pecah", "kub-batik-kopi-pecah", "batik",
      "Tas Jinjing Batik Kopi Pecah",
      "Kopi Pecah Batik Tote Bag",
      "Tas jinjing kain batik cap berlapis kanvas, muat laptop 14 inci.",
      "Stamped batik tote lined with canvas; fits a 14-inch laptop.",
      95_000, 15, 280, (400, 350, 30), 1, exportable=True, hs_code="4202.22", age_days=8),
    P("dompet-batik-gajah-oling", "kub-batik-kopi-pecah", "suvenir",
      "Dompet Koin Batik Gajah Oling",
      "Gajah Oling Batik Coin Purse",
      "Dompet kecil ritsleting dari sisa kain batik, ukuran 12 x 9 cm.",
      "Small zipped purse made from batik offcuts, 12 x 9 cm.",
      35_000, 40, 60, (120, 90, 15), 1, age_days=18),
    P("gantungan-kunci-batik", "kub-batik-kopi-pecah", "suvenir",
      "Gantungan Kunci Batik (isi 3)",
      "Batik Key Rings (set of 3)",
      "Tiga gantungan kunci berbentuk gajah dari kain batik, warna acak.",
      "Three elephant-shaped key rings made from batik cloth, assorted colours.",
      20_000, 60, 45, (100, 80, 20), 1, age_days=25),
    P("kain-batik-cap-kopi-pecah-coklat", "kub-batik-kopi-pecah", "batik",
      "Kain Batik Cap Kopi Pecah Coklat Susu",
      "Kopi Pecah Stamped Batik, Milk-coffee Brown",
      "Batik cap katun prima 2 x 1,15 m, warna coklat susu yang lembut.",
      "Stamped batik on prima cotton, 2 x 1.15 m, in a soft milk-coffee brown.",
      175_000, 9, 330, _BATIK_FOLDED, 1, exportable=True, hs_code=_HS_COTTON_BATIK, images=1, age_days=36),
    P("syal-batik-kangkung-setingkes", "kub-batik-kopi-pecah", "batik",
      "Syal Batik Kangkung Setingkes",
      "Kangkung Setingkes Batik Scarf",
      "Syal rayon batik cap 180 x 45 cm. Menunggu pemeriksaan kurator.",
      "Stamped batik rayon scarf, 180 x 45 cm. Awaiting the curator's review.",
      145_000, 7, 110, (200, 150, 20), 1, status="pending_review", age_days=2),
    # --- KUB Anyaman Rotan Tambong Jaya ----------------------------------------------------------
    P("keranjang-rotan-bundar-bertutup", "kub-rotan-tambong-jaya", "kerajinan",
      "Keranjang Rotan Bundar Bertutup",
      "Round Lidded Rattan Basket",
      "Keranjang rotan anyaman rapat, diameter 30 cm, tinggi 25 cm, dengan tutup. Untuk roti, "
      "buah, atau penyimpanan.",
      "Tightly woven rattan basket, 30 cm across, 25 cm high, with lid. For bread, fruit or storage.",
      185_000, 14, 900, (300, 300, 250), 3, exportable=True, hs_code=_HS_RATTAN, images=3, age_days=4,
      labels=(_curated("handmade"), _curated("export-ready", valid_days=365),
              _curated("kurasi-kecamatan", valid_days=300))),
    P("tas-rotan-bulat", "kub-rotan-tambong-jaya", "kerajinan",
      "Tas Rotan Bulat Tali Kulit",
      "Round Rattan Bag with Leather Strap",
      "Tas bulat anyaman rotan diameter 20 cm, bagian dalam berlapis kain batik, tali kulit sintetis.",
      "Round woven rattan bag, 20 cm across, lined with batik cloth, synthetic leather strap.",
      165_000, 20, 450, (200, 80, 200), 3, exportable=True, hs_code="4202.29", age_days=11,
      labels=(_curated("handmade"),)),
    P("nampan-rotan-oval", "kub-rotan-tambong-jaya", "kerajinan",
      "Nampan Rotan Oval",
      "Oval Rattan Tray",
      "Nampan saji 40 x 28 cm dengan pegangan, anyaman rotan alami dipernis tipis.",
      "Serving tray, 40 x 28 cm, with handles; natural rattan with a light varnish.",
      95_000, 25, 500, (400, 280, 60), 2, exportable=True, hs_code=_HS_RATTAN, age_days=19),
    P("keranjang-cucian-rotan", "kub-rotan-tambong-jaya", "kerajinan",
      "Keranjang Cucian Rotan Besar",
      "Large Rattan Laundry Basket",
      "Keranjang pakaian kotor tinggi 55 cm dengan tutup, anyaman kuat.",
      "Laundry hamper, 55 cm tall, with lid, strongly woven.",
      325_000, 5, 1800, (400, 400, 550), 5, exportable=True, hs_code=_HS_RATTAN, age_days=45),
    P("tatakan-gelas-rotan", "kub-rotan-tambong-jaya", "kerajinan",
      "Tatakan Gelas Rotan (isi 6)",
      "Rattan Coasters (set of 6)",
      "Enam tatakan gelas bundar diameter 10 cm dalam wadah rotan.",
      "Six round coasters, 10 cm across, in a rattan holder.",
      45_000, 30, 200, (110, 110, 60), 1, exportable=True, hs_code=_HS_RATTAN, age_days=52),
    P("kursi-rotan-anak", "kub-rotan-tambong-jaya", "kerajinan",
      "Kursi Rotan Anak",
      "Children's Rattan Chair",
      "Tidak diproduksi lagi.",
      "No longer made.",
      350_000, 0, 3000, (400, 400, 600), 7, status="archived", images=1, age_days=120),
    # --- Kriya Batok Kelapa Tambong --------------------------------------------------------------
    P("mangkuk-batok-kelapa", "kriya-batok-tambong", "kerajinan",
      "Mangkuk Batok Kelapa (isi 2)",
      "Coconut Shell Bowls (set of 2)",
      "Dua mangkuk dari batok kelapa asli, dipoles minyak kelapa, aman untuk salad dan buah.",
      "Two bowls made from real coconut shells, polished with coconut oil, safe for salads and fruit.",
      65_000, 24, 300, (150, 150, 160), 2, exportable=True, hs_code=_HS_CARVING_MATERIAL, images=3,
      age_days=7, labels=(_curated("handmade"), _curated("export-ready", valid_days=365))),
    P("sendok-garpu-batok", "kriya-batok-tambong", "kerajinan",
      "Set Sendok dan Garpu Batok Kelapa",
      "Coconut Shell Spoon and Fork Set",
      "Sendok dan garpu bergagang kayu sawo, bagian kepala dari batok kelapa.",
      "Spoon and fork with sapodilla-wood handles and coconut-shell heads.",
      35_000, 40, 80, (220, 60, 20), 1, exportable=True, hs_code=_HS_CARVING_MATERIAL, age_days=14),
    P("gantungan-kunci-batok-ikan", "kriya-batok-tambong", "suvenir",
      "Gantungan Kunci Batok Bentuk Ikan",
      "Fish-shaped Coconut Shell Key Ring",
      "Gantungan kunci kecil berbentuk ikan dari batok kelapa, diukir dan dipernis.",
      "Small fish-shaped key ring carved from coconut shell and varnished.",
      20_000, 80, 20, (60, 30, 8), 1, images=1, age_days=22),
    P("kalimba-batok-kelapa", "kriya-batok-tambong", "kerajinan",
      "Kalimba Batok Kelapa 17 Bilah",
      "17-key Coconut Shell Kalimba",
      "Kalimba dengan resonator batok kelapa dan 17 bilah baja, sudah disetel nada C.",
      "Kalimba with a coconut-shell resonator and 17 steel keys, tuned to C.",
      150_000, 9, 350, (180, 140, 60), 5, exportable=True, hs_code="9206.00", images=3, age_days=5,
      labels=(_curated("handmade"),
              LabelData("export-ready", status="requested", issuer=CURATOR_ISSUER, valid_days=None))),
    P("lampu-hias-batok", "kriya-batok-tambong", "kerajinan",
      "Lampu Hias Batok Kelapa",
      "Coconut Shell Lamp",
      "Lampu gantung dari batok kelapa berlubang-lubang, cahayanya membentuk pola bintang di dinding.",
      "Hanging lamp of pierced coconut shell that casts star patterns on the walls.",
      185_000, 6, 600, (200, 200, 220), 7, exportable=True, hs_code="9405.11", age_days=29),
    # --- Kerajinan Bambu & Pelepah Lestari -------------------------------------------------------
    P("tas-serat-pisang", "kerajinan-lestari-tambong", "kerajinan",
      "Tas Anyaman Serat Pisang",
      "Woven Banana Fibre Bag",
      "Tas tangan dari serat pelepah pisang yang dikeringkan dan dianyam, 30 x 25 cm.",
      "Handbag of dried, woven banana-stem fibre, 30 x 25 cm.",
      125_000, 11, 350, (300, 100, 250), 3, exportable=True, hs_code=_HS_OTHER_PLAITING, images=3,
      age_days=10, labels=(_curated("handmade"), _curated("natural-dye"))),
    P("kotak-tisu-pelepah-pisang", "kerajinan-lestari-tambong", "kerajinan",
      "Kotak Tisu Pelepah Pisang",
      "Banana Stem Tissue Box",
      "Kotak tisu dilapisi anyaman pelepah pisang, warna alami.",
      "Tissue box covered in woven banana stem, natural colour.",
      55_000, 18, 250, (250, 130, 100), 2, exportable=True, hs_code=_HS_OTHER_PLAITING, age_days=31),
    P("nampan-anyaman-bambu", "kerajinan-lestari-tambong", "kerajinan",
      "Nampan Anyaman Bambu",
      "Woven Bamboo Tray",
      "Nampan bundar diameter 35 cm dari bilah bambu, pinggiran rotan.",
      "Round tray, 35 cm across, of bamboo strips with a rattan rim.",
      75_000, 16, 400, (350, 350, 40), 2, exportable=True, hs_code=_HS_BAMBOO_WEAVE, age_days=38),
    P("tudung-saji-bambu", "kerajinan-lestari-tambong", "kerajinan",
      "Tudung Saji Bambu",
      "Bamboo Food Cover",
      "Tudung saji anyaman bambu diameter 45 cm, menjaga makanan dari lalat.",
      "Woven bamboo food cover, 45 cm across, keeps flies off the meal.",
      60_000, 0, 350, (450, 450, 200), 2, exportable=True, hs_code=_HS_BAMBOO_WEAVE, age_days=44),
    P("besek-bambu-isi-10", "kerajinan-lestari-tambong", "kerajinan",
      "Besek Bambu (isi 10)",
      "",
      "Sepuluh kotak besek bambu 15 x 15 cm, untuk wadah kue dan berkat hajatan.",
      "",
      40_000, 35, 500, (160, 160, 200), 2, images=0, age_days=70),
    # --- Ukir Kayu Pak Slamet --------------------------------------------------------------------
    P("talenan-kayu-sawo", "ukir-kayu-pak-slamet", "kerajinan",
      "Talenan Kayu Sawo",
      "Sapodilla Wood Cutting Board",
      "Talenan kayu sawo tebal 2 cm, 35 x 22 cm, diminyaki dengan minyak kelapa.",
      "Sapodilla wood cutting board, 2 cm thick, 35 x 22 cm, oiled with coconut oil.",
      85_000, 12, 900, (350, 220, 20), 2, exportable=True, hs_code=_HS_WOOD_KITCHEN, age_days=16),
    P("sendok-kayu-set", "ukir-kayu-pak-slamet", "kerajinan",
      "Set Sendok Sayur Kayu (isi 4)",
      "Wooden Cooking Spoons (set of 4)",
      "Empat sendok masak dari kayu mahoni, permukaan halus tanpa cat.",
      "Four mahogany cooking spoons, smooth and unpainted.",
      45_000, 20, 250, (300, 80, 30), 1, exportable=True, hs_code=_HS_WOOD_KITCHEN, age_days=27),
    P("relief-penari-gandrung", "ukir-kayu-pak-slamet", "kerajinan",
      "Relief Kayu Penari Gandrung",
      "Carved Wooden Gandrung Dancer Relief",
      "Ukiran dinding 60 x 40 cm menggambarkan penari Gandrung, kayu mahoni finishing natural.",
      "Wall carving, 60 x 40 cm, of a Gandrung dancer in mahogany with a natural finish.",
      450_000, 2, 2500, (600, 400, 40), 14, exportable=True, hs_code=_HS_WOOD_ORNAMENT, age_days=50,
      labels=(_curated("handmade"),)),
    P("topeng-barong-osing", "ukir-kayu-pak-slamet", "kerajinan",
      "Topeng Barong Osing",
      "Osing Barong Mask",
      "Topeng Barong khas Osing dari kayu pule, dicat tangan merah, emas, dan hitam.",
      "Osing Barong mask of pule wood, hand-painted red, gold and black.",
      275_000, 4, 700, (300, 220, 150), 10, exportable=True, hs_code=_HS_WOOD_ORNAMENT, age_days=63),
    P("rak-bumbu-kayu", "ukir-kayu-pak-slamet", "kerajinan",
      "Rak Bumbu Kayu Tiga Susun",
      "Three-tier Wooden Spice Rack",
      "Rak bumbu dinding dari kayu jati bekas, tiga susun.",
      "Wall spice rack of reclaimed teak, three tiers.",
      120_000, 5, 1500, (450, 120, 500), 5, exportable=True, hs_code=_HS_WOOD_OTHER, images=1, age_days=75),
    # --- Kopi Osing Dadapan ----------------------------------------------------------------------
    P("kopi-robusta-bubuk-250g", "kopi-osing-dadapan", "agro",
      "Kopi Robusta Banyuwangi Bubuk 250 g",
      "Banyuwangi Robusta Coffee, Ground, 250 g",
      "Robusta petik merah, disangrai medium-dark, digiling sedang. Cocok untuk kopi tubruk.",
      "Red-picked robusta, medium-dark roast, medium grind. Made for Javanese tubruk coffee.",
      45_000, 50, 270, (150, 90, 60), 1, exportable=True, hs_code=_HS_ROASTED_COFFEE, images=3, age_days=2,
      labels=(_halal("ID35110000412340823"), _pirt("206351001012429"))),
    P("kopi-robusta-biji-sangrai-500g", "kopi-osing-dadapan", "agro",
      "Kopi Robusta Biji Sangrai 500 g",
      "Roasted Robusta Coffee Beans, 500 g",
      "Biji utuh, disangrai minggu ini. Giling sendiri supaya aromanya tetap kuat.",
      "Whole beans roasted this week. Grind them yourself to keep the aroma.",
      85_000, 30, 520, (200, 120, 70), 1, exportable=True, hs_code=_HS_ROASTED_COFFEE, age_days=13,
      labels=(_halal("ID35110000412350823"),)),
    P("kopi-arabika-ijen-250g", "kopi-osing-dadapan", "agro",
      "Kopi Arabika Ijen Raung",
      "Ijen Raung Arabica Coffee",
      "Arabika dari lereng Ijen-Raung, proses natural, rasa buah dan cokelat. Biji atau bubuk.",
      "Arabica from the Ijen-Raung slopes, natural process, fruity with chocolate notes. Beans or "
      "ground.",
      75_000, 20, 270, (150, 90, 60), 1, exportable=True, hs_code=_HS_ROASTED_COFFEE, age_days=20,
      labels=(_halal("ID35110000412360823"), _pirt("206351001012529"))),
    P("kopi-lanang-250g", "kopi-osing-dadapan", "agro",
      "Kopi Lanang Robusta 250 g",
      "",
      "Kopi lanang (peaberry): satu biji bulat dalam satu buah kopi, rasanya lebih pekat.",
      "",
      65_000, 0, 270, (150, 90, 60), 1, age_days=35),
    P("biji-kopi-robusta-mentah-1kg", "kopi-osing-dadapan", "agro",
      "Biji Kopi Robusta Mentah (Green Bean) 1 kg",
      "Green Robusta Coffee Beans, 1 kg",
      "Green bean grade 1 untuk penyangrai rumahan dan kedai kopi.",
      "Grade 1 green beans for home roasters and coffee shops.",
      95_000, 40, 1050, (300, 200, 100), 2, exportable=True, hs_code=_HS_GREEN_COFFEE, images=1, age_days=58),
    # --- UD Ikan Asin Bahari (Kalirejo) ----------------------------------------------------------
    P("ikan-asin-teri-nasi-250g", "ikan-asin-bahari-kalirejo", "agro",
      "Ikan Teri Nasi Kering 250 g",
      "Dried White Anchovies, 250 g",
      "Teri nasi tawar, dijemur matahari, tanpa pengawet. Simpan di tempat kering.",
      "Unsalted white anchovies, sun-dried, no preservatives. Keep dry.",
      45_000, 25, 270, (200, 150, 40), 1, age_days=9,
      labels=(LabelData("p-irt", status="rejected", certificate_number="206351001099929",
                        issuer="Dinas Kesehatan Kabupaten Banyuwangi", valid_days=3 * 365,
                        reviewer_note="P-IRT tidak berlaku untuk olahan ikan. Ajukan izin edar BPOM MD."),
              # Self-declared (SEHATI) in 2024: a halal certificate with no end date.
              LabelData("halal", status="requested", certificate_number="ID35110000731551124",
                        issuer="BPJPH", valid_days=None))),
    P("ikan-asin-jambal-roti", "ikan-asin-bahari-kalirejo", "agro",
      "Ikan Asin Jambal Roti 250 g",
      "Salted Jambal Roti Fish, 250 g",
      "Jambal roti dari ikan manyung, empuk setelah digoreng. Cocok dengan sambal dan nasi hangat.",
      "Jambal roti from sea catfish, tender once fried. Good with sambal and warm rice.",
      60_000, 18, 270, (200, 150, 40), 1, age_days=17),
    P("cumi-asin-250g", "ikan-asin-bahari-kalirejo", "agro",
      "Cumi Asin Kering 250 g",
      "Dried Salted Squid, 250 g",
      "Cumi kecil asin kering. Sedang habis, stok berikutnya setelah musim cumi.",
      "Small dried salted squid. Sold out until the next squid season.",
      70_000, 0, 270, (200, 150, 40), 1, age_days=41),
    P("ikan-asin-layur", "ikan-asin-bahari-kalirejo", "agro",
      "Ikan Asin Layur Belah 500 g",
      "Split Salted Ribbonfish, 500 g",
      "Ikan layur dibelah dan dijemur, rasa asin sedang.",
      "Split, sun-dried ribbonfish, medium salty.",
      40_000, 22, 520, (300, 200, 50), 1, images=0, age_days=65),
    # --- KUB Mina Pesisir Pondoknongko -----------------------------------------------------------
    P("ebi-udang-kering-100g", "kub-mina-pesisir", "agro",
      "Ebi Udang Kering 100 g",
      "Dried Shrimp (Ebi), 100 g",
      "Ebi dari udang rebon segar, merah alami tanpa pewarna.",
      "Ebi from fresh small shrimp, naturally red with no colouring.",
      35_000, 30, 120, (150, 100, 30), 1, age_days=12),
    P("terasi-udang-pondoknongko", "kub-mina-pesisir", "agro",
      "Terasi Udang Pondoknongko 200 g",
      "Pondoknongko Shrimp Paste (Terasi), 200 g",
      "Terasi udang rebon fermentasi tradisional, aroma kuat untuk sambal.",
      "Traditionally fermented shrimp paste with a strong aroma for sambal.",
      20_000, 45, 220, (100, 60, 40), 1, age_days=24),
    P("abon-ikan-tongkol", "kub-mina-pesisir", "agro",
      "Abon Ikan Tongkol Pedas 100 g",
      "Spicy Tuna Floss, 100 g",
      "Abon ikan tongkol dengan cabai, dalam standing pouch berzip.",
      "Tuna floss with chilli, in a zip-lock standing pouch.",
      45_000, 28, 130, (160, 110, 40), 1, age_days=30,
      labels=(LabelData("bpom-md", certificate_number="BPOM RI MD 224513001578",
                        issuer="Badan POM", valid_days=1500),
              _halal("ID35110000398760722", valid_days=200))),  # issued 2022: four years
    P("kerupuk-ikan-tenggiri", "kub-mina-pesisir", "agro",
      "Kerupuk Ikan Tenggiri Mentah 500 g",
      "Raw Mackerel Fish Crackers, 500 g",
      "Kerupuk mentah dari ikan tenggiri, tinggal digoreng.",
      "Uncooked mackerel crackers, ready to fry.",
      38_000, 20, 520, (250, 180, 50), 1, age_days=47),
    # --- Jajanan Khas Osing Bu Rum (Kabat) -------------------------------------------------------
    P("bagiak-original", "jajanan-osing-bu-rum", "agro",
      "Bagiak Khas Banyuwangi Original",
      "Original Banyuwangi Bagiak Biscuits",
      "Bagiak dari tepung sagu dan rempah, renyah dan harum. Isi 10 batang.",
      "Bagiak made from sago flour and spices, crisp and fragrant. 10 sticks.",
      18_000, 60, 200, (200, 100, 50), 1, images=3, age_days=1,
      labels=(_pirt("206351001034527"), _halal("ID35110000521470324"))),
    P("bagiak-pandan", "jajanan-osing-bu-rum", "agro",
      "Bagiak Rasa Pandan",
      "Pandan Bagiak Biscuits",
      "Bagiak dengan daun pandan asli, warna hijau alami. Isi 10 batang.",
      "Bagiak with real pandan leaf, naturally green. 10 sticks.",
      20_000, 45, 200, (200, 100, 50), 1, age_days=14,
      labels=(_pirt("206351001034627", valid_days=21),)),  # renewal due: the registry warns
    P("klemben", "jajanan-osing-bu-rum", "agro",
      "Klemben Banyuwangi",
      "Banyuwangi Klemben Cakes",
      "Kue kering klemben yang empuk di dalam, isi 12 potong.",
      "Klemben biscuits, soft inside, 12 pieces.",
      20_000, 35, 250, (200, 120, 60), 1, age_days=22,
      labels=(LabelData("p-irt", certificate_number="206351001021219",
                        issuer="Dinas Kesehatan Kabupaten Banyuwangi", valid_days=-40),)),
    P("sagon-kelapa", "jajanan-osing-bu-rum", "agro",
      "Sagon Kelapa Panggang",
      "Baked Coconut Sagon",
      "Sagon dari kelapa parut dan tepung ketan, dipanggang sampai harum.",
      "Sagon of grated coconut and glutinous rice flour, baked until fragrant.",
      22_000, 0, 220, (200, 120, 60), 1, age_days=28),
    P("manisan-pala", "jajanan-osing-bu-rum", "agro",
      "Manisan Pala Kering 200 g",
      "",
      "Manisan buah pala kering, manis segar dengan sedikit rasa pedas khas pala.",
      "",
      25_000, 26, 220, (180, 120, 50), 1, images=1, age_days=39),
    # --- BUMDes Macan Putih Sejahtera ------------------------------------------------------------
    P("beras-pandan-wangi-5kg", "bumdes-macan-putih", "agro",
      "Beras Pandan Wangi Macan Putih 5 kg",
      "Macan Putih Fragrant Pandan Rice, 5 kg",
      "Beras pulen dan wangi dari sawah Macan Putih, giling baru.",
      "Soft, fragrant rice from Macan Putih fields, freshly milled.",
      75_000, 40, 5050, (400, 280, 90), 1, age_days=5),
    P("gula-kelapa-500g", "bumdes-macan-putih", "agro",
      "Gula Kelapa Cetak 500 g",
      "Coconut Sugar Cakes, 500 g",
      "Gula kelapa dari nira segar, dicetak dalam batok, tanpa campuran.",
      "Coconut sugar from fresh sap, set in shell moulds, nothing added.",
      25_000, 50, 520, (150, 150, 60), 1, age_days=19,
      labels=(_pirt("206351002045628"),)),
    P("minyak-kelapa-murni-250ml", "bumdes-macan-putih", "agro",
      "Minyak Kelapa Murni (VCO) 250 ml",
      "Virgin Coconut Oil (VCO), 250 ml",
      "Minyak kelapa murni proses dingin, bening dan harum. Untuk masak dan perawatan kulit.",
      "Cold-processed virgin coconut oil, clear and fragrant. For cooking and skin care.",
      55_000, 15, 330, (70, 70, 170), 1, age_days=34,
      # An old request with neither the certificate file nor its number: the queue does not let a
      # curator verify it; the curator rejects it, asking for both.
      labels=(LabelData("bpom-md", status="requested", issuer="Badan POM", valid_days=None,
                        evidence=False),)),
    P("keripik-pisang-agung", "bumdes-macan-putih", "agro",
      "Keripik Pisang Agung Manis",
      "Sweet Agung Banana Chips",
      "Keripik dari pisang agung, manis gurih, 200 g.",
      "Chips of agung plantain, sweet and savoury, 200 g.",
      15_000, 60, 210, (200, 150, 50), 1, images=1, age_days=53),
    # --- Cinderamata Osing Bareng ----------------------------------------------------------------
    P("gantungan-kunci-penari-gandrung", "cinderamata-osing-bareng", "suvenir",
      "Gantungan Kunci Penari Gandrung",
      "Gandrung Dancer Key Ring",
      "Gantungan kunci resin berbentuk penari Gandrung, dicat tangan.",
      "Hand-painted resin key ring of a Gandrung dancer.",
      20_000, 100, 25, (70, 40, 10), 1, age_days=8),
    P("parfum-anyaman-pandan", "cinderamata-osing-bareng", "suvenir",
      "Parfum Kemasan Anyaman Pandan",
      "Perfume in a Woven Pandan Pack",
      "Minyak wangi melati 10 ml dalam kemasan anyaman pandan, oleh-oleh yang harum.",
      "10 ml jasmine perfume oil in a woven pandan pack, a fragrant keepsake.",
      25_000, 70, 60, (90, 50, 40), 1, images=3, age_days=3),
    P("miniatur-penari-gandrung", "cinderamata-osing-bareng", "suvenir",
      "Miniatur Penari Gandrung 20 cm",
      "Gandrung Dancer Miniature, 20 cm",
      "Patung kayu kecil penari Gandrung dengan kostum lengkap dan omprog.",
      "Small wooden figure of a Gandrung dancer in full costume with omprog crown.",
      85_000, 12, 300, (100, 80, 200), 3, exportable=True, hs_code=_HS_WOOD_ORNAMENT, age_days=23),
    P("kipas-batik", "cinderamata-osing-bareng", "suvenir",
      "Kipas Batik Lipat",
      "Folding Batik Fan",
      "Kipas lipat bambu berlapis kain batik, cocok untuk suvenir pernikahan.",
      "Bamboo folding fan covered in batik cloth, a favourite wedding favour.",
      22_000, 90, 40, (230, 30, 20), 1, age_days=32),
    P("udeng-osing", "cinderamata-osing-bareng", "suvenir",
      "Udeng Osing Siap Pakai",
      "Ready-to-wear Osing Udeng Head Cloth",
      "Ikat kepala khas Osing bermotif Gajah Oling, sudah dibentuk dan siap pakai.",
      "The Osing head cloth in Gajah Oling batik, pre-folded and ready to wear.",
      45_000, 30, 90, (220, 180, 120), 1, age_days=46),
    P("magnet-kulkas-banyuwangi", "cinderamata-osing-bareng", "suvenir",
      "Magnet Kulkas Ikon Banyuwangi (isi 3)",
      "Banyuwangi Icon Fridge Magnets (set of 3)",
      "Tiga magnet kulkas: penari Gandrung, Kawah Ijen, dan Gajah Oling.",
      "Three fridge magnets: Gandrung dancer, Ijen crater and Gajah Oling.",
      20_000, 0, 60, (80, 60, 15), 1, images=0, age_days=80),
    # --- Camilan Benelan Lor ---------------------------------------------------------------------
    P("rengginang-ketan-terasi", "camilan-benelan-lor", "agro",
      "Rengginang Ketan Rasa Terasi (mentah)",
      "Sticky-rice Rengginang with Terasi (uncooked)",
      "Rengginang mentah dari ketan petani Benelan Lor, tinggal digoreng. Isi 20 keping.",
      "Uncooked rengginang from Benelan Lor farmers' sticky rice, ready to fry. 20 pieces.",
      25_000, 40, 300, (250, 200, 60), 2, age_days=6,
      labels=(_pirt("206351001056327"),)),
    P("rengginang-lorjuk", "camilan-benelan-lor", "agro",
      "Rengginang Lorjuk",
      "Rengginang with Razor Clams",
      "Rengginang dengan lorjuk (kerang bambu), gurih dan renyah setelah digoreng.",
      "Rengginang with lorjuk razor clams, savoury and crisp once fried.",
      35_000, 15, 300, (250, 200, 60), 2, age_days=27),
    P("opak-gambir", "camilan-benelan-lor", "agro",
      "Opak Gambir Manis",
      "",
      "Opak gambir tipis dan renyah dengan aroma kayu manis, isi 15.",
      "",
      20_000, 25, 180, (220, 120, 60), 1, images=1, age_days=42),
    # --- Madu Klanceng Pendarungan ---------------------------------------------------------------
    P("madu-klanceng-250g", "madu-klanceng-pendarungan", "agro",
      "Madu Klanceng Murni 250 g",
      "Pure Stingless-bee Honey, 250 g",
      "Madu lebah klanceng (trigona) dari kebun buah, rasa asam manis yang segar.",
      "Stingless-bee (trigona) honey from fruit orchards, tangy and sweet.",
      95_000, 14, 330, (80, 80, 120), 1, age_days=16,
      labels=(_halal("ID35110000611290125"), _curated("kurasi-kecamatan", valid_days=365))),
    P("propolis-klanceng", "madu-klanceng-pendarungan", "agro",
      "Propolis Klanceng 20 ml",
      "Stingless-bee Propolis, 20 ml",
      "Ekstrak propolis cair dari sarang lebah klanceng.",
      "Liquid propolis extract from stingless-bee hives.",
      65_000, 10, 60, (40, 40, 100), 1, status="draft", images=0, age_days=4),
    # --- Anyaman Pandan Bu Yati (pending seller) -------------------------------------------------
    P("tikar-pandan-bu-yati", "anyaman-pandan-bu-yati", "kerajinan",
      "Tikar Anyaman Pandan 1 x 2 m",
      "Woven Pandan Mat, 1 x 2 m",
      "Tikar pandan dianyam tangan, motif kotak-kotak.",
      "Hand-woven pandan mat, checked pattern.",
      120_000, 4, 1200, (1000, 200, 200), 5, status="pending_review", images=1, age_days=2),
    # --- Toko Grosir Kedayunan (rejected seller) -------------------------------------------------
    P("gantungan-kunci-grosir", "toko-grosir-kedayunan", "suvenir",
      "Gantungan Kunci Grosir (isi 100)",
      "Wholesale Key Rings (100 pieces)",
      "Gantungan kunci pabrikan.",
      "Factory-made key rings.",
      150_000, 10, 800, (300, 200, 100), 1, status="draft", images=0, age_days=10),
)  # fmt: skip

FEATURED = (
    FeaturedData("kain-batik-tulis-gajah-oling-sogan", "Gajah Oling dari Dusun Kepuh",
                 "Gajah Oling from Dusun Kepuh", 0, -3, 11),
    FeaturedData("keranjang-rotan-bundar-bertutup", "Anyaman rotan Tambong, siap ekspor",
                 "Tambong rattan, ready for export", 1, -5, 9),
    FeaturedData("kopi-robusta-bubuk-250g", "Kopi segar dari Dadapan", "Fresh coffee from Dadapan",
                 2, -1, 13),
    FeaturedData("kalimba-batok-kelapa", "Kalimba batok kelapa buatan tangan",
                 "Handmade coconut-shell kalimba", 3, -2, 5),
    FeaturedData("bagiak-original", "Oleh-oleh khas Kabat", "Kabat's favourite snack", 4, -7, 7),
    # Over, and not yet started: neither appears on the home page.
    FeaturedData("tas-serat-pisang", "Tas serat pisang ramah lingkungan", "Eco-friendly banana fibre bag",
                 5, -30, -16),
    FeaturedData("selendang-sutra-batik-tulis", "Selendang sutra untuk Hari Batik",
                 "Silk shawls for Batik Day", 6, 10, 24),
)  # fmt: skip

#: Cluster colour palettes for the generated pictures (background, pattern, accent).
PALETTES = {
    "batik": (((92, 58, 33), (222, 184, 135), (40, 24, 14)),
              ((30, 45, 90), (210, 220, 235), (12, 20, 45)),
              ((120, 20, 30), (240, 200, 120), (60, 10, 15))),
    "kerajinan": (((196, 154, 98), (140, 98, 50), (90, 60, 30)),
                  ((170, 140, 80), (110, 80, 40), (60, 40, 20)),
                  ((150, 120, 70), (210, 180, 120), (70, 50, 25))),
    "suvenir": (((200, 60, 60), (250, 220, 90), (40, 40, 40)),
                ((40, 120, 110), (250, 240, 220), (20, 50, 45)),
                ((230, 140, 40), (255, 245, 230), (80, 40, 10))),
    "agro": (((70, 40, 25), (170, 110, 60), (250, 235, 210)),
             ((60, 110, 50), (200, 220, 150), (250, 250, 235)),
             ((200, 150, 60), (250, 220, 150), (60, 40, 20))),
}  # fmt: skip
