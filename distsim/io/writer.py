"""The results file, written collectively by all ranks (h5py's mpio driver).

`ResultsWriter` opens one HDF5 file, creates a group per monitor (SONATA
``/spikes/<population>`` and ``/report/<population>``; ``/rates/<name>``),
and appends what the monitors buffered at every flush: chunked datasets,
bounded memory, and a file that is consistent after each flush (HDF5's
metadata is flushed too), so a killed run leaves everything up to the last
flush. Metadata (script, seed, ranks, dt, versions, wall times) are
attributes of ``/distsim``.

Every HDF5 metadata operation (create, resize, attributes) is made with the
same arguments on all ranks, as parallel HDF5 requires; data rows are written
by the ranks that hold them.
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
from ..parallel import collective, get_comm
from . import sonata


def _open_parallel(filename, mode):
    import h5py
    if not h5py.get_config().mpi:
        raise RuntimeError("h5py was built without MPI; run scripts/setup to build it")
    return h5py.File(filename, mode, driver="mpio", comm=get_comm())


class ResultsWriter:
    """One results file for a network's monitors.

    Parameters
    ----------
    filename : str
    network : Network
    script : str, optional
        Path of the model script (default ``sys.argv[0]``), stored with its source.
    """

    def __init__(self, filename, network, script=None):
        self.filename = os.path.abspath(filename)
        self.network = network
        self.groups = {}
        self.started = datetime.datetime.now(datetime.timezone.utc).isoformat()
        self.write_time = 0.0
        with collective(f"Creating the results file '{filename}'"):
            self.file = _open_parallel(self.filename, "w")
        self.is_open = True
        self.file.attrs["magic"] = sonata.MAGIC
        self.file.attrs["version"] = sonata.VERSION
        for top in ("spikes", "report", "rates"):
            self.file.create_group(top)
        self.meta = self.file.create_group(sonata.METADATA_GROUP)
        self.meta.create_group("populations")
        self._write_static_metadata(script)
        self.add_monitors()

    # -- monitors ----------------------------------------------------------
    def _monitors(self):
        from ..monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
        return [o for o in self.network.objects
                if isinstance(o, (SpikeMonitor, StateMonitor, PopulationRateMonitor))]

    def _unique(self, top, name, monitor):
        taken = set(self.file[top].keys())
        return name if name not in taken else f"{monitor.name}.{name}"

    def add_monitors(self):
        """Create the groups of monitors not yet in the file (all ranks)."""
        from ..monitors import PopulationRateMonitor, SpikeMonitor, StateMonitor
        for monitor in self._monitors():
            if monitor in self.groups:
                continue
            if isinstance(monitor, SpikeMonitor):
                name = self._unique("spikes", monitor.population_name(), monitor)
                group = self.file["spikes"].create_group(name)
                self.meta["populations"].attrs[name] = monitor.source.N
                monitor.create_datasets(group)
                target = group
            elif isinstance(monitor, StateMonitor):
                target = {}
                for var, name in monitor.report_names().items():
                    target[var] = self.file["report"].create_group(
                        self._unique("report", name, monitor))
                monitor.create_datasets(target)
                group = target[monitor.record_variables[0]]
            else:
                group = self.file["rates"].create_group(self._unique("rates", monitor.name,
                                                                     monitor))
                monitor.create_datasets(group)
                target = group
            self.groups[monitor] = target
            monitor.attach(self, group)

    # -- writing -----------------------------------------------------------------
    def flush(self):
        """Append everything the monitors buffered; make the file consistent."""
        started = time.perf_counter()
        with collective(f"Writing results to '{self.filename}'"):
            self.add_monitors()
            for monitor, target in self.groups.items():
                monitor.flush_to(target)
            self._write_run_metadata()
            self.file.flush()
        self.write_time += time.perf_counter() - started

    def close(self):
        if not self.is_open:
            return
        self.flush()
        self.file.close()
        self.is_open = False

    # -- metadata ----------------------------------------------------------------
    def _write_static_metadata(self, script):
        import h5py
        import mpi4py
        from .. import __version__
        script = script if script is not None else (sys.argv[0] if sys.argv and sys.argv[0] else "")
        source = ""
        if script and os.path.isfile(script):
            with open(script, encoding="utf-8", errors="replace") as handle:
                source = handle.read()
        versions = {"distsim": __version__, "python": platform.python_version(),
                    "numpy": np.__version__, "h5py": h5py.__version__,
                    "hdf5": h5py.version.hdf5_version, "mpi4py": mpi4py.__version__}
        attrs = {"script": script, "script_source": source, "seed": current_seed(),
                 "n_ranks": get_comm().Get_size(), "dt": defaultclock.dt_ * 1e3,
                 "dt_units": "ms", "versions": json.dumps(versions),
                 "start_date": self.started, "command": " ".join(sys.argv)}
        for key, value in attrs.items():
            self.meta.attrs[key] = value

    def _write_run_metadata(self):
        walls = self.network.wall_times
        attrs = {"t_end": defaultclock.t_ * 1e3, "t_end_units": "ms",
                 "end_date": datetime.datetime.now(datetime.timezone.utc).isoformat(),
                 "wall_time_build": walls.get("build", 0.0),
                 "wall_time_simulate": walls.get("simulate", 0.0),
                 "wall_time_write": self.write_time,
                 "wall_time_units": "s"}
        # Wall times differ between ranks: rank 0's are the file's (all ranks
        # must write the same attribute values).
        attrs = get_comm().bcast(attrs, root=0)
        for key, value in attrs.items():
            self.meta.attrs[key] = value


def save(filename, network=None, script=None):
    """Write the results so far to ``filename`` and close it (all ranks call it).

    If the network is already writing to ``filename`` (``run(..., output=)``),
    this flushes and closes that file.

    Layout (SONATA spike files): root attributes ``magic`` and ``version``;
    ``/spikes/<population>/timestamps`` (float64, ms) and ``node_ids``
    (uint64) with ``sorting = by_time``; the population is the monitored
    group's name. StateMonitors are SONATA reports under ``/report``;
    PopulationRateMonitors are under ``/rates``. ``/distsim`` holds the run
    metadata as attributes.
    """
    from ..core.registry import registered_objects
    from ..network import magic_network
    network = network if network is not None else magic_network
    if not network.objects:  # save() before any run(): everything created so far
        network.objects = registered_objects()
    network._open_output(filename, script)
    network.writer.close()
