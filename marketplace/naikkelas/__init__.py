"""Naik kelas: measurable criteria and levels a seller grows through (data the kecamatan edits)."""
