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
import atexit
import datetime
import json
import os
import platform
import sys
import time

import numpy as np

from ..core.clock import defaultclock
from ..core.random import current_seed
from ..parallel import collective, collective_call, get_comm
from ..parallel.errors import abort_from_parallel_io
from .disk import free_bytes, no_room_error
from . import sonata


def _open_parallel(filename, mode):
    import h5py
    if not h5py.get_config().mpi:
        raise RuntimeError("h5py was built without MPI; run scripts/setup to build it")
    return h5py.File(filename, mode, driver="mpio", comm=get_comm())


# Room for attributes and HDF5's metadata beyond the monitors' rows.
METADATA_BYTES = 1 << 18


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
        self.file_t_end_ms = 0.0  # the biological time the file is complete up to
        self.wall_times = {}
        with collective(f"Creating the results file '{filename}'"):
            directory = os.path.dirname(self.filename)
            if not os.path.isdir(directory):
                raise FileNotFoundError(f"cannot create the results file '{self.filename}': "
                                        f"the directory '{directory}' does not exist")
            try:
                self.file = _open_parallel(self.filename, "w")
            except OSError as error:
                raise OSError(f"cannot create the results file '{self.filename}': "
                              f"{error}") from error
        self.is_open = True
        _register_open_writer(self)
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
    def flush(self, monitors, wall_times, t_end=None):
        """Append everything the monitors buffered and the run's wall times
        (a dict, rank 0's are written); make the file consistent. Collective.

        ``t_end`` (seconds) is the time up to which the monitors have
        recorded (default: the clock's time).

        A disk without room for the flush is found before anything is
        written: every rank raises the same `OSError` and the file is closed
        as it was after the last flush. A write that fails anyway (the disk
        filled meanwhile) fails on some ranks while the others wait inside
        parallel HDF5's own collective calls, where distsim cannot reach
        them: the failing rank prints why and aborts the job.
        """
        started = time.perf_counter()
        self._check_room(monitors)
        try:
            self.add_monitors(monitors)
            for monitor, target in self.targets.items():
                monitor.flush_to(target)
            self.wall_times = dict(wall_times)
            self._write_run_metadata(wall_times, defaultclock.t_ if t_end is None else t_end)
            self.file.flush()
        except Exception as error:  # noqa: BLE001 - the others may be stuck in HDF5
            abort_from_parallel_io(error, f"writing results to '{self.filename}' failed: "
                                          f"{type(error).__name__}: {error}. The file holds "
                                          "everything up to the last complete flush.")
        self.write_time += time.perf_counter() - started

    def _check_room(self, monitors):
        """Raise the same `OSError` (ENOSPC) on every rank, and close the
        file, if its disk lacks room for the next flush. Collective."""
        comm = get_comm()
        needed = sum(monitor.pending_file_bytes() for monitor in monitors) + METADATA_BYTES
        free = comm.bcast(free_bytes(self.filename) if comm.Get_rank() == 0 else None, root=0)
        if needed <= free:
            return
        self._close_file()
        error = no_room_error("results file", self.filename, free, needed,
                              "writing what the monitors recorded",
                              f"The file is closed and holds everything up to the last flush "
                              f"(t = {self.file_t_end_ms:g} ms); free space or write elsewhere")
        error.raised_on_every_rank = True
        raise error

    def close(self, monitors, wall_times):
        """Flush, then close the file. Collective."""
        if not self.is_open:
            return
        self.flush(monitors, wall_times)
        self._close_file()

    def _close_file(self):
        self.file.close()
        self.is_open = False
        _open_writers.remove(self)

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

    def _write_run_metadata(self, walls, t_end):
        attrs = {"t_end": t_end * 1e3, "t_end_units": "ms",
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
        self.file_t_end_ms = attrs["t_end"]


# Results files still open when the script ends (a script that ran with
# output= and never called save()): closed by all ranks together, so that
# parallel HDF5 does not tear them down rank by rank at interpreter exit.
_open_writers = []


def _register_open_writer(writer):
    # Registered after h5py is imported, so that it runs before h5py's own
    # clean-up at exit (atexit runs the last registered first).
    if not getattr(_register_open_writer, "registered", False):
        atexit.register(_close_open_writers)
        _register_open_writer.registered = True
    _open_writers.append(writer)


def _close_open_writers():
    while _open_writers:
        writer = _open_writers[0]
        with collective_call(f"closing the results file '{writer.filename}' at the end "
                             "of the script"):
            writer.close(list(writer.targets), writer.wall_times)

