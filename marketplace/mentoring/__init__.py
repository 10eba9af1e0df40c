"""Mentoring log (pendampingan): curators' notes and field visits per seller."""
