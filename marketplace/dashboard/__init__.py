"""The seller's dashboard: onboarding, listings, photos, stock, parcels and bulk CSV (top layer).

The shop itself (models, application rules, facilitators, visibility) is `marketplace.seller`,
far below; this package may import any domain. Its blueprint keeps the name "seller".
"""
