"""Programme monitoring: sales, buyers and catalogue health by village, cluster and month."""
