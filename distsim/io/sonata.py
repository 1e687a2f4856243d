"""The SONATA layout constants shared by the writer and the loader."""
import numpy as np

MAGIC = np.uint32(0x0A7A)
VERSION = np.array([0, 1], dtype=np.uint32)
SORTING_VALUES = {"none": 0, "by_id": 1, "by_time": 2}
TIME_UNITS = "ms"
# distsim's own metadata lives beside the SONATA groups.
METADATA_GROUP = "distsim"


def sorting_dtype():
    import h5py
    return h5py.enum_dtype(SORTING_VALUES, basetype=np.uint8)
