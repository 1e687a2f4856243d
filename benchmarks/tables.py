"""Writing benchmark results: the machine's description and markdown tables."""
import os


def machine():
    """'N cores, M GiB' of this machine."""
    with open("/proc/meminfo") as f:
        total_kib = int(f.readline().split()[1])
    return f"{os.cpu_count()} cores, {total_kib / 2**20:.0f} GiB"


def append_row(path, header, row):
    """Add ``row`` at the end of the first markdown table in ``path`` (the
    current one; older tables and notes may follow it), creating the file
    with ``header`` (title, notes, column lines) if it does not exist."""
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(header)
    with open(path) as f:
        lines = f.read().splitlines()
    in_table = [k for k, line in enumerate(lines) if line.startswith("|")]
    end = in_table[0] if in_table else len(lines)
    while end < len(lines) and lines[end].startswith("|"):
        end += 1
    lines.insert(end, row)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(row)


def run_for_result(command, timeout):
    """Run a benchmark command; return the JSON of its 'RESULT {...}' line
    (None, with the command's error output printed, if it failed)."""
    import json
    import subprocess
    out = subprocess.run(["timeout", str(timeout)] + list(command), capture_output=True,
                         text=True)
    found = [line for line in out.stdout.splitlines() if line.startswith("RESULT ")]
    if out.returncode or not found:
        print(f"FAILED ({out.returncode}): {' '.join(command)}\n{out.stdout[-2000:]}"
              f"\n{out.stderr[-2000:]}", flush=True)
        return None
    return json.loads(found[0][len("RESULT "):])
