"""Indonesia's provinces (kept in the kernel's contact rules) and the ones in the Java–Bali zone."""

from __future__ import annotations

from marketplace.contact import PROVINCES

__all__ = ["JAVA_AND_BALI", "PROVINCES"]

JAVA_AND_BALI: tuple[str, ...] = (
    "DKI Jakarta",
    "Jawa Barat",
    "Banten",
    "Jawa Tengah",
    "DI Yogyakarta",
    "Bali",
)
