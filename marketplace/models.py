"""Imports every domain's models so the metadata (create_all, Alembic) sees all tables."""

from marketplace.accounts.models import *  # noqa: F401,F403
from marketplace.catalogue.models import *  # noqa: F401,F403
from marketplace.catalogue import search_index  # noqa: F401  (index DDL and search_text hook)
