"""Refunds: giving a buyer money back, per seller part or line, with goods returned to stock."""
