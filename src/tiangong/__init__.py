"""天工 tiangong."""
