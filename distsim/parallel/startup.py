"""What the environment must say before MPI starts.

OpenMPI's PMIx authenticates with munge when munge is installed (a SLURM
machine; our SLURM test stage installs it). Where no munge daemon answers,
every MPI start (a singleton ``python model.py`` as well as ``mpirun``)
retries for about 2.5 s before it falls back to PMIx's own security. This
module tells PMIx to skip munge then, and only then: where munged runs,
nothing changes.

It imports nothing of distsim, so that scripts can run it before distsim is
installed: ``eval "$(python3 distsim/parallel/startup.py)"`` prints the
``export`` lines for a shell.
"""
import os
import socket

MUNGE_SOCKETS = ("/run/munge/munge.socket.2", "/var/run/munge/munge.socket.2")
SKIP_MUNGE = {"PMIX_MCA_psec": "^munge"}


def munge_answers() -> bool:
    """Whether a munge daemon accepts connections on its usual socket."""
    for path in MUNGE_SOCKETS:
        if not os.path.exists(path):
            continue
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        probe.settimeout(0.2)
        try:
            probe.connect(path)
            return True
        except OSError:
            continue
        finally:
            probe.close()
    return False


def quick_start_environment() -> dict:
    """The variables an MPI start needs to skip a munge nobody answers on
    ({} where munge answers)."""
    return {} if munge_answers() else dict(SKIP_MUNGE)


def prepare_environment() -> None:
    """Set `quick_start_environment` in this process (before MPI starts;
    what the user set wins), for MPI here and for the ``mpirun`` it starts."""
    for name, value in quick_start_environment().items():
        os.environ.setdefault(name, value)


if __name__ == "__main__":
    for name, value in quick_start_environment().items():
        print(f"export {name}='{value}'")
