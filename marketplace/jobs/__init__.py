"""Periodic tasks: one runner (`flask jobs run` / `jobs run-due`), each task once across machines."""
