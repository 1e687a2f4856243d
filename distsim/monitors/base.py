"""What monitors share: buffered recording that a results file can drain.

A monitor keeps what it recorded since the last flush in memory; a results
file (`distsim.io.writer.ResultsWriter`) appends that to chunked datasets
and the monitor forgets it, so memory stays bounded whatever the run length.
Reading a monitor in the script (``mon.i``, ``mon.v``) combines what was
flushed (read back from the file) with what is still buffered.
"""
import numpy as np

from ..core.base import SimulationObject
from ..core.scheduling import check_slot, comes_before
from ..parallel import block_range, get_comm


def spike_recording_slot(when, owner):
    """The slot of a monitor of spikes (``when``, None: 'thresholds'). Spikes
    are known from the thresholds on; a slot before them would see the
    previous step's spikes in Brian2, which distsim does not reproduce."""
    when = check_slot("thresholds" if when is None else when, owner)
    if comes_before(when, "thresholds"):
        raise NotImplementedError(f"{owner}: when={when!r} (before the thresholds) is not "
                                  "supported by distsim; record spikes in 'thresholds' or later")
    return when


class Monitor(SimulationObject):
    """Base of the monitors: bookkeeping of flushed data.

    Subclasses implement ``create_in(writer)`` (lay out their groups and
    datasets in a results file: all ranks, same calls; returns what
    ``flush_to`` takes), ``flush_to(target)`` (collective append of the
    buffered data) and ``pending_file_bytes()`` (at most how many bytes the
    next flush adds to the file, over all ranks, without communicating: the
    writer checks the disk has room before writing anything).
    """

    #: A new monitor does not start a new simulation (Brian2).
    invalidates_magic_network = False

    def __init__(self, name):
        super().__init__(name)
        self._file_group = None   # (filename, path) where flushed data lives
        self._writer = None
        self._read_cache = {}

    def _cached_read(self, key, compute):
        """``compute()`` (a read of the recorded data), kept until the
        monitor changes (`_changed`): reading an unchanged monitor again, as
        analysis loops do, costs nothing more. Every rank has recorded the
        same steps, so a collective read is skipped on all ranks alike."""
        if key not in self._read_cache:
            self._read_cache[key] = compute()
        return self._read_cache[key]

    def _changed(self):
        """The recorded data changed (recorded, flushed or restored)."""
        if self._read_cache:
            self._read_cache.clear()

    def resize(self, new_size):
        """Forget what was recorded (Brian2's ``resize(0)``; PyNN's
        ``get_data(clear=True)``). Only 0 is supported; a monitor that
        streams into a results file keeps its file."""
        if new_size != 0:
            raise NotImplementedError(f"{type(self).__name__} '{self.name}': resize() to "
                                      f"{new_size}; distsim only clears a monitor (resize(0))")
        if self._writer is not None:
            raise ValueError(f"{type(self).__name__} '{self.name}' streams into "
                             f"'{self._file_group[0]}': its recordings cannot be cleared")
        self._changed()
        self._forget_recorded()

    def _forget_recorded(self):
        raise NotImplementedError

    def attach(self, writer, group):
        self._changed()
        self._writer = writer
        self._file_group = (writer.filename, group.name)

    def _read_flushed(self, dataset_name):
        """The flushed rows of one of this monitor's datasets ('' if none)."""
        if self._file_group is None:
            return None
        filename, path = self._file_group
        if self._writer is not None and self._writer.is_open:
            return self._writer.file[path][dataset_name][...]
        import h5py
        with h5py.File(filename, "r") as f:
            return f[path][dataset_name][...]


def append_replicated(dataset, values):
    """Append rows that every rank holds identically: each rank writes its
    share. All ranks must call it (the resize is collective)."""
    comm = get_comm()
    old = dataset.shape[0]
    dataset.resize(old + len(values), axis=0)
    start, stop = block_range(len(values), comm.Get_rank(), comm.Get_size())
    if stop > start:
        dataset[old + start:old + stop] = values[start:stop]


ROWS_PER_CHUNK = 1 << 16


def appended_bytes(n_old, n_new, row_bytes, chunk_rows=ROWS_PER_CHUNK):
    """The bytes that appending ``n_new`` rows to a chunked dataset of
    ``n_old`` rows adds to a file: HDF5 allocates whole chunks."""
    new_chunks = -(-(n_old + n_new) // chunk_rows) - (-(-n_old // chunk_rows))
    return new_chunks * chunk_rows * row_bytes


def create_rows(group, name, dtype, tail=(), attrs=None, chunk_rows=ROWS_PER_CHUNK):
    """A resizable, chunked dataset of rows (created identically on all ranks)."""
    chunk = (chunk_rows,) + tuple(max(1, t) for t in tail)
    dataset = group.create_dataset(name, shape=(0,) + tuple(tail), maxshape=(None,) + tuple(tail),
                                   dtype=dtype, chunks=chunk)
    for key, value in (attrs or {}).items():
        dataset.attrs[key] = value
    return dataset
