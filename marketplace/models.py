"""Imports every domain's models so the metadata (create_all, Alembic) sees all tables."""

from marketplace.accounts.models import *  # noqa: F401,F403
from marketplace.audit.models import *  # noqa: F401,F403
from marketplace.cache import CacheGeneration  # noqa: F401  (catalogue generation counter)
from marketplace.cart.models import *  # noqa: F401,F403
from marketplace.cases.models import *  # noqa: F401,F403
from marketplace.catalogue import variants as catalogue_variants  # noqa: F401  (default-variant hook)
from marketplace.catalogue.models import *  # noqa: F401,F403
from marketplace.curation.models import *  # noqa: F401,F403
from marketplace.email.models import *  # noqa: F401,F403
from marketplace.favourites.models import *  # noqa: F401,F403
from marketplace.jobs.models import *  # noqa: F401,F403
from marketplace.labels import label_codes  # noqa: F401  (products.label_codes triggers)
from marketplace.labels.models import *  # noqa: F401,F403
from marketplace.markets.models import *  # noqa: F401,F403
from marketplace.mentoring.models import *  # noqa: F401,F403
from marketplace.monitoring.models import *  # noqa: F401,F403
from marketplace.naikkelas.models import *  # noqa: F401,F403
from marketplace.orders.models import *  # noqa: F401,F403
from marketplace.origin.models import *  # noqa: F401,F403
from marketplace.payments.models import *  # noqa: F401,F403
from marketplace.payouts.models import *  # noqa: F401,F403
from marketplace.questions.models import *  # noqa: F401,F403
from marketplace.refunds.models import *  # noqa: F401,F403
from marketplace.reviews.models import *  # noqa: F401,F403
from marketplace.seller.models import *  # noqa: F401,F403
from marketplace.shipping.models import *  # noqa: F401,F403
from marketplace.stock.models import *  # noqa: F401,F403
from marketplace.storefront import search_index  # noqa: F401  (index DDL and search_text hook)

# isort: split
# Receivers of marketplace.signals connect when their module is imported: importing them here
# (create_app imports this module) connects them in the app, the CLI, the tests and gunicorn.
from marketplace.cases import listeners as case_listeners  # noqa: F401
from marketplace.dashboard import notifications as seller_notifications  # noqa: F401
from marketplace.favourites import listeners as favourite_listeners  # noqa: F401
from marketplace.monitoring import summary as monitoring_summary  # noqa: F401
from marketplace.orders import notifications  # noqa: F401
from marketplace.orders import outcomes as order_outcomes  # noqa: F401  (FulfilmentCount, slowest_days)
from marketplace.payments import listeners as payment_listeners  # noqa: F401
from marketplace.payouts import listeners as payout_listeners  # noqa: F401
from marketplace.refunds import listeners as refund_listeners  # noqa: F401
from marketplace.reviews import listeners as review_listeners  # noqa: F401
