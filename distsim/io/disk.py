"""Room on the disk of a file about to be written: checked before writing,
so that a full disk is a clear error and never a half-written file."""
import errno
import os
import shutil


def free_bytes(filename: str) -> int:
    """Free bytes on the file system that holds (or will hold) ``filename``."""
    return shutil.disk_usage(os.path.dirname(os.path.abspath(filename))).free


def no_room_error(kind: str, filename: str, free: int, needed: int, what: str,
                  kept: str) -> OSError:
    """The ENOSPC error: which file (``kind``: 'results file', ...), how much
    is free and needed for ``what``, and what is kept."""
    return OSError(errno.ENOSPC, f"the disk holding the {kind} '{filename}' has "
                                 f"{free / 2**20:.2f} MiB free; {what} needs "
                                 f"{needed / 2**20:.2f} MiB. {kept}")
