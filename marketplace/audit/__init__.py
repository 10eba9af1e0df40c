"""Who changed what: one audit row per curator action and per change made on a seller's behalf."""
