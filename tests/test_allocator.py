"""The C allocator keeps freed memory in the process (parallel/allocator.py):
a freed large temporary is not handed back to the kernel, so the next one
reuses pages already touched; DISTSIM_MALLOC=system restores glibc's
behaviour, which gives it back."""
import os
import subprocess
import sys

import pytest

from distsim.parallel import allocator

# Resident memory (KiB) with a 256 MiB temporary in use, then after it is
# freed, in a fresh process that imported distsim.
PROBE = """
import numpy as np
import distsim

def resident_kib():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])

temporary = np.ones(2**25)  # 256 MiB, touched
in_use = resident_kib()
del temporary
print(in_use, resident_kib())
"""


def resident_before_and_after_free(setting):
    env = dict(os.environ)
    env.pop(allocator.OPT_OUT_VARIABLE, None)
    if setting is not None:
        env[allocator.OPT_OUT_VARIABLE] = setting
    result = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    in_use, after_free = map(int, result.stdout.split()[-2:])
    return in_use, after_free


pytestmark = pytest.mark.skipif(allocator._glibc() is None, reason="the C library is not glibc")


def test_freed_temporaries_stay_in_the_process():
    in_use, after_free = resident_before_and_after_free(None)
    assert after_free > in_use - 16 * 1024, (in_use, after_free)


def test_system_setting_gives_freed_memory_back():
    in_use, after_free = resident_before_and_after_free("system")
    assert after_free < in_use - 200 * 1024, (in_use, after_free)


def test_opting_out_changes_nothing(monkeypatch):
    monkeypatch.setenv(allocator.OPT_OUT_VARIABLE, "System")
    assert allocator.keep_freed_memory() is False
