"""Receivers of marketplace.signals for the favourites domain (imported by marketplace.models)."""

from __future__ import annotations

from marketplace import signals
from marketplace.favourites.alerts import notify_back_in_stock


@signals.stock_added.connect
def _back_in_stock(sender, *, session, product_id, now, variant_id=None, **extra):
    notify_back_in_stock(session, product_id=product_id, variant_id=variant_id, now=now)
