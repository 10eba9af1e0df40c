"""Problem reports on a shipped parcel (not received, damaged, wrong item) and their resolution."""
