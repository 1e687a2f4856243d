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
    """One results file for a set of monitors (collective: all ranks create,
    flush and close it together).

    The writer knows nothing of monitor types: each monitor lays out its own
    groups (``monitor.create_in(writer)``, using `new_group`) and appends its
    buffered data (``monitor.flush_to(target)``). The network hands it the
    monitors and the run's wall times at every flush.

    Parameters
    ----------
    filename : str
    script : str, optional
        Path of the model script (default ``sys.argv[0]``), stored with its source.
    """

    TOP_GROUPS = ("spikes", "report", "rates")

    def __init__(self, filename: str, script: str | None = None):
        self.filename = os.path.abspath(filename)
        self.targets = {}  # monitor -> what its flush_to writes into
        self.started = datetime.datetime.now(datetime.timezone.utc).isoformat()
        self.write_time = 0.0
        with collective(f"Creating the results file '{filename}'"):
            self.file = _open_parallel(self.filename, "w")
        self.is_open = True
        self.file.attrs["magic"] = sonata.MAGIC
        self.file.attrs["version"] = sonata.VERSION
        for top in self.TOP_GROUPS:
            self.file.create_group(top)
        self.meta = self.file.create_group(sonata.METADATA_GROUP)
        self.meta.create_group("populations")
        self._write_static_metadata(script)

    # -- monitors ----------------------------------------------------------
    def new_group(self, top, name, monitor):
        """Create ``/<top>/<name>`` (``/<top>/<monitor>.<name>`` if taken);
        all ranks call it with the same arguments."""
        taken = set(self.file[top].keys())
        return self.file[top].create_group(name if name not in taken
                                           else f"{monitor.name}.{name}")

    def add_monitors(self, monitors):
        """Lay out the monitors not yet in the file (all ranks)."""
        for monitor in monitors:
            if monitor not in self.targets:
                self.targets[monitor] = monitor.create_in(self)

    # -- writing -----------------------------------------------------------------
    def flush(self, monitors, wall_times):
        """Append everything the monitors buffered and the run's wall times
        (a dict, rank 0's are written); make the file consistent. Collective."""
        started = time.perf_counter()
        with collective(f"Writing results to '{self.filename}'"):
            self.add_monitors(monitors)
            for monitor, target in self.targets.items():
                monitor.flush_to(target)
            self._write_run_metadata(wall_times)
            self.file.flush()
        self.write_time += time.perf_counter() - started

    def close(self, monitors, wall_times):
        """Flush, then close the file. Collective."""
        if not self.is_open:
            return
        self.flush(monitors, wall_times)
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

    def _write_run_metadata(self, walls):
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
