"""Markets: the buyer's country and currency, exchange rates, and prices shown in that currency."""
