"""Writing the results file collectively (h5py's mpio driver).

Every rank opens the one file; metadata operations (creating groups,
datasets and attributes) are made identically on all ranks, as parallel HDF5
requires, and each rank writes its share of each dataset's rows.
"""
import datetime
import json
import os
import platform
import sys
import time

import numpy as np

from ..core.clock import defaultclock
from ..core.random import current_seed
from ..parallel import block_range, collective, get_comm
from . import sonata

CHUNK_ROWS = 1 << 16

_IMPORT_TIME = time.perf_counter()
_START_DATE = datetime.datetime.now(datetime.timezone.utc).isoformat()


def _open_parallel(filename, mode):
    import h5py
    comm = get_comm()
    if not h5py.get_config().mpi:
        raise RuntimeError("h5py was built without MPI; run scripts/setup to build it")
    return h5py.File(filename, mode, driver="mpio", comm=comm)


def _write_rows(group, name, values, dtype, attrs=None):
    """Create a chunked 1-d dataset on all ranks; each rank writes its rows."""
    comm = get_comm()
    n = len(values)
    dataset = group.create_dataset(name, shape=(n,), maxshape=(None,), dtype=dtype,
                                   chunks=(CHUNK_ROWS,))
    for key, value in (attrs or {}).items():
        dataset.attrs[key] = value
    start, stop = block_range(n, comm.Get_rank(), comm.Get_size())
    if stop > start:
        dataset[start:stop] = np.asarray(values[start:stop], dtype=dtype)
    return dataset


def _population_name(monitor, taken):
    name = monitor.source.name
    return name if name not in taken else monitor.name


def save(filename, network=None, script=None):
    """Write the results of the run so far to ``filename`` (all ranks call it).

    Layout (SONATA spike files): root attributes ``magic`` and ``version``;
    ``/spikes/<population>/timestamps`` (float64, ms) and ``node_ids``
    (uint64) with ``sorting = by_time``; the population is the monitored
    group's name. ``/distsim`` holds the run metadata as attributes.

    Parameters
    ----------
    filename : str
    network : Network, optional
        Defaults to every object created (the network of ``run()``).
    script : str, optional
        Path of the model script (default: ``sys.argv[0]``).
    """
    from ..monitors.spikemonitor import SpikeMonitor
    from ..network import magic_network
    network = network if network is not None else magic_network
    objects = network.objects or []
    monitors = [o for o in objects if isinstance(o, SpikeMonitor)]
    comm = get_comm()
    started = time.perf_counter()
    with collective(f"Writing results to '{filename}'"):
        with _open_parallel(filename, "w") as f:
            f.attrs["magic"] = sonata.MAGIC
            f.attrs["version"] = sonata.VERSION
            spikes = f.create_group("spikes")
            populations = {}
            for monitor in monitors:
                population = _population_name(monitor, populations)
                populations[population] = monitor
                group = spikes.create_group(population)
                group.attrs.create("sorting", sonata.SORTING_VALUES["by_time"],
                                   dtype=sonata.sorting_dtype())
                _write_rows(group, "timestamps", monitor.t_ * 1e3, np.float64,
                            {"units": sonata.TIME_UNITS})
                _write_rows(group, "node_ids", monitor.i, np.uint64)
            meta = f.create_group(sonata.METADATA_GROUP)
            _write_metadata(meta, network, populations, script, comm)
            meta.attrs["wall_time_write"] = time.perf_counter() - started


def _write_metadata(meta, network, populations, script, comm):
    import h5py
    import mpi4py
    script = script if script is not None else (sys.argv[0] if sys.argv and sys.argv[0] else "")
    source = ""
    if script and os.path.isfile(script):
        with open(script, encoding="utf-8", errors="replace") as handle:
            source = handle.read()
    from .. import __version__
    versions = {"distsim": __version__, "python": platform.python_version(),
                "numpy": np.__version__, "h5py": h5py.__version__,
                "hdf5": h5py.version.hdf5_version, "mpi4py": mpi4py.__version__}
    attrs = {
        "script": script, "script_source": source, "seed": current_seed(),
        "n_ranks": comm.Get_size(), "dt": defaultclock.dt_ * 1e3, "dt_units": "ms",
        "t_end": defaultclock.t_ * 1e3, "t_end_units": "ms",
        "versions": json.dumps(versions), "start_date": _START_DATE,
        "end_date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
        "wall_time_simulate": network.wall_times.get("simulate", 0.0),
        "wall_time_build": network.wall_times.get("build", 0.0),
    }
    for key, value in attrs.items():
        meta.attrs[key] = value
    sizes = meta.create_group("populations")
    for population, monitor in populations.items():
        sizes.attrs[population] = monitor.source.N
