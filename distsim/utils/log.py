"""distsim's messages: Python's ``logging`` under the logger ``'distsim'``.

Every line names its rank (``[distsim rank 3] INFO distsim.construction:
...``). Ranks other than 0 are quiet below warnings, so that a job on 512
ranks prints progress once; ``DISTSIM_LOG_ALL_RANKS=1`` lets every rank
speak. ``DISTSIM_LOG_LEVEL`` (``DEBUG``, ``INFO``, ``WARNING``, ...) sets the
level, default ``INFO``. A script can configure the ``'distsim'`` logger
itself as any Python logger; distsim then adds no handler of its own.

The rank is read from the launcher's environment (OpenMPI, PMIx, SLURM),
never asked of MPI: logging never communicates.
"""
import logging
import os
import sys

ROOT_NAME = "distsim"
_RANK_VARIABLES = ("OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID")


def launcher_rank() -> int:
    """This process's rank as the launcher set it (0 without a launcher)."""
    for name in _RANK_VARIABLES:
        if os.environ.get(name, "").isdigit():
            return int(os.environ[name])
    return 0


class _RankFilter(logging.Filter):
    """Stamps the rank on each record; drops what a quiet rank should not say."""

    def __init__(self, rank, quiet):
        super().__init__()
        self.rank, self.quiet = rank, quiet

    def filter(self, record):
        record.rank = self.rank
        return not self.quiet or record.levelno >= logging.WARNING


def get_logger(name: str = "") -> logging.Logger:
    """The logger ``'distsim.<name>'``, set up on first use."""
    root = logging.getLogger(ROOT_NAME)
    if not getattr(root, "_distsim_configured", False):
        _configure(root)
    return root.getChild(name) if name else root


def _configure(root):
    root._distsim_configured = True
    if root.handlers:  # the script configured it: leave it alone
        return
    rank = launcher_rank()
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(_RankFilter(rank, quiet=rank != 0 and
                                  os.environ.get("DISTSIM_LOG_ALL_RANKS") != "1"))
    handler.setFormatter(logging.Formatter("[distsim rank %(rank)d] %(levelname)s %(name)s: "
                                           "%(message)s"))
    root.addHandler(handler)
    root.setLevel(os.environ.get("DISTSIM_LOG_LEVEL", "INFO").upper())
    root.propagate = False


class BrianLogger:
    """Brian2's ``BrianLogger`` calls that set how much is logged, applied to
    distsim's logger (``BrianLogger.log_level_debug()``...). Brian2's file
    logs do not exist; the calls that configure them are accepted."""

    @staticmethod
    def _level(level):
        get_logger().setLevel(level)

    @staticmethod
    def log_level_debug():
        BrianLogger._level(logging.DEBUG)

    @staticmethod
    def log_level_info():
        BrianLogger._level(logging.INFO)

    @staticmethod
    def log_level_warn():
        BrianLogger._level(logging.WARNING)

    @staticmethod
    def log_level_error():
        BrianLogger._level(logging.ERROR)

    @staticmethod
    def suppress_hierarchy(name, filter_log_file_too=True):
        """Accepted (distsim's messages are not arranged in Brian2's hierarchy)."""

    @staticmethod
    def suppress_name(name, filter_log_file_too=True):
        """Accepted (see `suppress_hierarchy`)."""
