"""Outgoing email: rendered in the recipient's language, queued in the caller's transaction,
delivered after commit (SMTP when SMTP_URL is set, else .eml files in OUTBOX_DIR)."""
