"""Build script: the Cython kernels in ext/ become distsim._ext.* modules."""
import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

KERNELS = ["random123", "connect", "synapse_store", "delivery", "neuron_kernels", "buffers",
           "step_loop", "event_queue"]

extensions = [
    Extension(
        f"distsim._ext.{name}",
        [f"ext/{name}.pyx"],
        include_dirs=[numpy.get_include()],
        define_macros=[("NPY_NO_DEPRECATED_API", "NPY_1_7_API_VERSION")],
        extra_compile_args=["-O3", "-funroll-loops"],
    )
    for name in KERNELS
]

setup(
    ext_modules=cythonize(
        extensions,
        language_level=3,
        include_path=["ext"],
        compiler_directives={"boundscheck": False, "wraparound": False,
                             "cdivision": True, "initializedcheck": False},
    ),
)
