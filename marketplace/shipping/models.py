"""Shipping zones and weight-tier rates: data a curator can change, not constants in code."""

from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import db

__all__ = ["Courier", "ShippingRate", "ShippingZone"]


class ShippingZone(db.Model):
    """A destination zone, seen from the kecamatan the sellers ship from.

    A zone matches an address when the province is in `provinces` (or `provinces` is "*") and,
    when `city_contains` is set, the city/regency contains that text. The first match by
    `position` wins, so the narrowest zone (the sellers' own regency) comes first.

    International zones (`international=True`) match on `countries` instead: ISO 3166-1 alpha-2
    codes separated by ",", or "*" for the rest of the world (matched last, by position).
    """

    __tablename__ = "shipping_zones"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)
    name_id: Mapped[str] = mapped_column(sa.String(120))
    name_en: Mapped[str] = mapped_column(sa.String(120))
    #: Province names separated by "|", or "*" for every province.
    provinces: Mapped[str] = mapped_column(sa.Text, default="*")
    #: Case-insensitive text the city/regency must contain (e.g. "Banyuwangi"); None = any city.
    city_contains: Mapped[Optional[str]] = mapped_column(sa.String(120))
    position: Mapped[int] = mapped_column(default=0)
    #: True for zones abroad (priced from Indonesia by Pos Indonesia/EMS-like tiers).
    international: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: International zones: ISO country codes separated by "," or "*" for every other country.
    countries: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    #: A shipped parcel to this zone completes by itself this many days after it shipped, unless
    #: the buyer confirmed receipt or reported a problem first (orders.fulfilment.auto_complete).
    auto_complete_days: Mapped[int] = mapped_column(default=14, server_default="14")

    rates: Mapped[list[ShippingRate]] = relationship(
        back_populates="zone", order_by="ShippingRate.max_weight_grams", cascade="all, delete-orphan"
    )


class ShippingRate(db.Model):
    """Price of one parcel up to `max_weight_grams` in a zone (the smallest fitting tier applies)."""

    __tablename__ = "shipping_rates"
    __table_args__ = (
        sa.UniqueConstraint("zone_id", "max_weight_grams", name="uq_shipping_rates_zone_weight"),
        sa.CheckConstraint("max_weight_grams > 0", name="max_weight_positive"),
        sa.CheckConstraint("price_minor >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    zone_id: Mapped[int] = mapped_column(sa.ForeignKey("shipping_zones.id", ondelete="CASCADE"))
    max_weight_grams: Mapped[int] = mapped_column()
    #: Minor units of `currency`.
    price_minor: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3), default="IDR")
    est_days_min: Mapped[int] = mapped_column(default=1)
    est_days_max: Mapped[int] = mapped_column(default=3)

    zone: Mapped[ShippingZone] = relationship(back_populates="rates")


class Courier(db.Model):
    """A courier sellers ship with, and where its parcels are followed: data curators edit.

    `tracking_url` holds `{tracking}`, replaced by the URL-encoded tracking number.
    """

    __tablename__ = "couriers"
    __table_args__ = (sa.CheckConstraint("tracking_url LIKE 'https://%'", name="tracking_url_https"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stable key stored on a shipped parcel (Fulfilment.courier_code), e.g. "jne".
    code: Mapped[str] = mapped_column(sa.String(20), unique=True)
    name: Mapped[str] = mapped_column(sa.String(60))
    tracking_url: Mapped[str] = mapped_column(sa.String(300))
    international: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    position: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Inactive couriers are no longer offered when shipping; old parcels still link to them.
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
