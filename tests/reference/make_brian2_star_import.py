"""Which names `from brian2 import *` gives, and where each comes from.

Run with Brian2 2.9 and matplotlib installed (Brian2 then star-imports pylab):

    python tests/reference/make_brian2_star_import.py > tests/reference/brian2_star_import.json

For each public name: the module of the object it is bound to, in classes
'brian2' (Brian2's own, e.g. its unit-aware functions), 'pylab' (numpy's or
matplotlib's object, the same one pylab gives) or 'other'.
"""
import json
import sys

namespace = {}
exec("from brian2 import *", namespace)
import pylab  # noqa: E402

origins = {}
for name, value in sorted(namespace.items()):
    if name.startswith("_"):
        continue
    if hasattr(pylab, name) and getattr(pylab, name) is value:
        origins[name] = "pylab"
    elif getattr(value, "__module__", None) and str(value.__module__).startswith("brian2") \
            or type(value).__module__.startswith("brian2") \
            or getattr(value, "__name__", "").startswith("brian2"):
        origins[name] = "brian2"
    else:
        origins[name] = "other"
json.dump({"brian2": "2.9.0", "names": origins}, sys.stdout, indent=0, sort_keys=True)
sys.stdout.write("\n")
