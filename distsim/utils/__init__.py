"""Small helpers that belong to no layer (memory readings, caller frames)."""
