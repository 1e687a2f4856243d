"""Core services: the clock, the object registry, the random-number keys."""
