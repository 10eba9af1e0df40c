"""Backup and restore: the database (SQLite copy or pg_dump) and the media, in one archive."""
