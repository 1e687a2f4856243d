"""Build script: the Cython kernels in ext/ become distsim._ext.* modules."""
import subprocess

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

KERNELS = ["random123", "connect", "synapse_store", "delivery", "neuron_kernels", "buffers",
           "step_loop", "event_queue", "spike_exchange", "cable"]

# C headers of a module's loops (a change rebuilds it).
HEADERS = {"neuron_kernels": ["ext/exact_pass.h"],
           "random123": ["ext/philox.h", "ext/philox_lanes.h", "ext/binomial_lanes.h",
                         "ext/ziggurat_lanes.h"],
           "connect": ["ext/philox.h"]}

# Modules that call MPI from C (the spike exchange): compiled and linked as
# mpicc would (the MPI that mpi4py runs on: scripts/setup installs both).
USES_MPI = {"spike_exchange"}


def mpi_flags():
    """(include_dirs, library_dirs, libraries) from ``mpicc -showme``."""
    try:
        compile_flags = subprocess.check_output(["mpicc", "-showme:compile"], text=True).split()
        link_flags = subprocess.check_output(["mpicc", "-showme:link"], text=True).split()
    except (OSError, subprocess.CalledProcessError) as exc:
        raise SystemExit(f"building distsim needs MPI's compiler wrapper mpicc ({exc}); "
                         "install OpenMPI's development files (scripts/setup does)")
    return ([f[2:] for f in compile_flags if f.startswith("-I")],
            [f[2:] for f in link_flags if f.startswith("-L")],
            [f[2:] for f in link_flags if f.startswith("-l")])


def extension(name):
    include_dirs, library_dirs, libraries = [numpy.get_include(), "ext"], [], []
    if name in USES_MPI:
        mpi_include, library_dirs, libraries = mpi_flags()
        include_dirs += mpi_include
    return Extension(
        f"distsim._ext.{name}",
        [f"ext/{name}.pyx"],
        include_dirs=include_dirs,
        library_dirs=library_dirs,
        libraries=libraries,
        depends=HEADERS.get(name, []),
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3", "-funroll-loops"],
    )


extensions = [extension(name) for name in KERNELS]

setup(
    ext_modules=cythonize(
        extensions,
        language_level=3,
        include_path=["ext"],
        compiler_directives={"boundscheck": False, "wraparound": False,
                             "cdivision": True, "initializedcheck": False},
    ),
)
