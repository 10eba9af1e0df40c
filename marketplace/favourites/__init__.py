"""Favourites (a heart that saves a product, guests' in a cookie), back-in-stock alerts, and the
visitor's recently viewed products (a cookie)."""
