"""Compile generated Cython once per source text and cache the module.

The module is keyed by a hash of its source, Cython's and Python's versions
and the compiler flags, and stored under ``$DISTSIM_CACHE/kernels`` (default
``~/.cache/distsim/kernels``). When several ranks start at once, one compiles
(under an exclusive file lock) and the others wait and load its result; the
finished module is moved into place atomically, so no rank ever loads half a
file.
"""
import fcntl
import functools
import hashlib
import importlib.util
import os
import subprocess
import sys
import sysconfig
import tempfile

COMPILE_ARGS = ["-O3", "-funroll-loops"]
# The C interfaces kernels cimport (the compiled step loop's, the generator's).
INCLUDE_DIRECTORY = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), "ext")
_loaded = {}

_BUILD_SCRIPT = """
import sys
from Cython.Build import cythonize
from setuptools import Distribution, Extension
name, source, build_lib, build_temp, include = sys.argv[1:6]
extension = Extension(name, [source], include_dirs=[include], extra_compile_args=sys.argv[6:])
modules = cythonize([extension], quiet=True, language_level=3, include_path=[include],
                    compiler_directives={"boundscheck": False, "wraparound": False,
                                         "cdivision": True, "initializedcheck": False})
dist = Distribution({"ext_modules": modules, "script_args": [
    "build_ext", "--build-lib", build_lib, "--build-temp", build_temp]})
dist.parse_command_line()
dist.run_commands()
"""


class KernelBuildError(RuntimeError):
    """Generated code that does not compile (the compiler's output included)."""


def cache_directory():
    base = os.environ.get("DISTSIM_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "distsim")
    return os.path.join(base, "kernels")


INTERFACE_FILES = ("step_op.pxd", "philox.pxd", "philox.h")


@functools.lru_cache(maxsize=None)
def _interface():
    texts = []
    for name in INTERFACE_FILES:
        with open(os.path.join(INCLUDE_DIRECTORY, name)) as f:
            texts.append(f.read())
    return "\n".join(texts)


def _key(source):
    import Cython
    text = "\n".join([source, _interface(), Cython.__version__, sys.version,
                      " ".join(COMPILE_ARGS)])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def load_kernel(source):
    """The compiled module of Cython ``source`` (compiled on first use)."""
    key = _key(source)
    module = _loaded.get(key)
    if module is not None:
        return module
    name = f"distsim_kernel_{key}"
    directory = cache_directory()
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    path = os.path.join(directory, name + suffix)
    if not os.path.exists(path):
        try:
            os.makedirs(directory, exist_ok=True)
            lock = open(os.path.join(directory, name + ".lock"), "w")
        except OSError as exc:
            raise KernelBuildError(f"the kernel cache {directory} cannot be written ({exc}); "
                                   "set DISTSIM_CACHE to a writable directory") from None
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one compiler; the others wait here
            if not os.path.exists(path):
                _compile(name, source, directory, path)
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _loaded[key] = module
    return module


def _compile(name, source, directory, path):
    with tempfile.TemporaryDirectory(dir=directory) as work:
        pyx = os.path.join(work, name + ".pyx")
        with open(pyx, "w") as f:
            f.write(source)
        build_lib = os.path.join(work, "lib")
        result = subprocess.run(
            [sys.executable, "-c", _BUILD_SCRIPT, name, pyx, build_lib,
             os.path.join(work, "tmp"), INCLUDE_DIRECTORY] + COMPILE_ARGS,
            cwd=work, capture_output=True, text=True)
        built = os.path.join(build_lib, os.path.basename(path))
        if result.returncode != 0 or not os.path.exists(built):
            raise KernelBuildError(f"compiling a generated kernel failed:\n{result.stdout}\n"
                                   f"{result.stderr}\n--- source ---\n{source}")
        with open(os.path.join(directory, name + ".pyx"), "w") as f:
            f.write(source)  # kept beside the module, for reading
        os.replace(built, path)
