"""Favourites fixtures: the storefront's small public world."""

from tests.storefront.conftest import World, add_image, world  # noqa: F401
