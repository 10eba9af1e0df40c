"""Buyers' questions on a product, the maker's public answers, and their moderation."""
