"""The shop: Seller and its payout account and facilitators, applying to sell, who sees a shop.

Low in the layers (below labels, stock, curation, orders): it imports nothing above catalogue.
The seller's dashboard (pages, product editing, photos, stock, parcels) is `marketplace.dashboard`.
"""
