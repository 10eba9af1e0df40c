"""Indonesia's provinces (in the kernel's contact rules), those in the Java–Bali zone, their English names."""

from __future__ import annotations

from marketplace.contact import PROVINCES

__all__ = ["ENGLISH_NAMES", "JAVA_AND_BALI", "PROVINCES", "province_name"]

JAVA_AND_BALI: tuple[str, ...] = (
    "DKI Jakarta",
    "Jawa Barat",
    "Banten",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Bali",
)

#: The provinces' English names, where they differ (addresses on parcels and forms sent abroad).
ENGLISH_NAMES: dict[str, str] = {
    "Sumatera Utara": "North Sumatra",
    "Sumatera Barat": "West Sumatra",
    "Kepulauan Riau": "Riau Islands",
    "Sumatera Selatan": "South Sumatra",
    "Kepulauan Bangka Belitung": "Bangka Belitung Islands",
    "DKI Jakarta": "Jakarta",
    "Jawa Barat": "West Java",
    "Jawa Tengah": "Central Java",
    "DI Yogyakarta": "Yogyakarta",
    "Jawa Timur": "East Java",
    "Nusa Tenggara Barat": "West Nusa Tenggara",
    "Nusa Tenggara Timur": "East Nusa Tenggara",
    "Kalimantan Barat": "West Kalimantan",
    "Kalimantan Tengah": "Central Kalimantan",
    "Kalimantan Selatan": "South Kalimantan",
    "Kalimantan Timur": "East Kalimantan",
    "Kalimantan Utara": "North Kalimantan",
    "Sulawesi Utara": "North Sulawesi",
    "Sulawesi Tengah": "Central Sulawesi",
    "Sulawesi Barat": "West Sulawesi",
    "Sulawesi Selatan": "South Sulawesi",
    "Sulawesi Tenggara": "Southeast Sulawesi",
    "Maluku Utara": "North Maluku",
    "Papua Barat": "West Papua",
    "Papua Barat Daya": "Southwest Papua",
    "Papua Selatan": "South Papua",
    "Papua Tengah": "Central Papua",
    "Papua Pegunungan": "Highland Papua",
}


def province_name(province: str, lang: str) -> str:
    """A province as written on an address in `lang` ("Jawa Timur" → "East Java" in English)."""
    return ENGLISH_NAMES.get(province, province) if lang == "en" else province
