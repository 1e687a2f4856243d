# Shared by scripts/setup, scripts/test and scripts/demo: where things live and
# the MPI environment every run needs. Source it; do not run it.
DISTSIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# h5py is built against MPI from source; its version is part of the cache key.
H5PY_VERSION=3.16.0
APT_PACKAGES="openmpi-bin libopenmpi-dev libhdf5-openmpi-dev pkg-config"
HDF5_MPI_DIR=/usr/lib/x86_64-linux-gnu/hdf5/openmpi

_cache_key() {
    { cat "$DISTSIM_ROOT/scripts/requirements.txt"; echo "h5py=$H5PY_VERSION";
      python3 --version; echo "$APT_PACKAGES"; } | sha256sum | cut -c1-16
}
DISTSIM_CACHE="${DISTSIM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/distsim}"
DISTSIM_VENV="$DISTSIM_CACHE/venv-$(_cache_key)"

# OpenMPI refuses root without these; 3 ranks on 2 cores needs oversubscription.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_rmaps_base_oversubscribe=1
# Ranks on one machine must not spin on each other's cores.
export OMPI_MCA_mpi_yield_when_idle=1
# numpy's BLAS threads would fight the MPI ranks for the 2 cores.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# PMIx skips munge authentication where no munge daemon answers (2.5 s saved
# at every MPI start; distsim/parallel/startup.py says why).
eval "$(python3 "$DISTSIM_ROOT/distsim/parallel/startup.py")"
