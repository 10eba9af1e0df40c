"""The payout ledger: what each seller earned, the platform commission, refunds and payouts."""
