"""Site tests reuse the catalogue's small public world."""

from tests.storefront.conftest import world  # noqa: F401  (fixture)
