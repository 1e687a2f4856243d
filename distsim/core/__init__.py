"""Core services: the clock, the object registry, the random-number keys."""
import time

#: When distsim was imported: the start of the "build" phase in wall times.
IMPORT_TIME = time.perf_counter()
