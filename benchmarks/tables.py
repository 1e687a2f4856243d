"""Writing benchmark results: the machine's description and markdown tables."""
import os


def machine():
    """'N cores, M GiB' of this machine."""
    with open("/proc/meminfo") as f:
        total_kib = int(f.readline().split()[1])
    return f"{os.cpu_count()} cores, {total_kib / 2**20:.0f} GiB"


def append_row(path, header, row):
    """Append ``row`` to the markdown table in ``path``, creating the file
    with ``header`` (title, notes, column lines) if it does not exist."""
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(header)
    with open(path, "a") as f:
        f.write(row + "\n")
    print(row)
