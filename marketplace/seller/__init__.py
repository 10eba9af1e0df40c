"""The seller dashboard: onboarding, listings, photos, stock and orders to ship."""
