"""SONATA configuration files: circuit_config.json and simulation_config.json,
with their manifest's variables (``$BASE_DIR``, ``${configdir}``) resolved."""
import json
import os
import re


def load_config(path: str) -> dict:
    """The configuration in ``path`` with every ``$NAME`` and ``${configdir}``
    of its manifest replaced (paths relative to the file's directory)."""
    path = os.path.abspath(path)
    with open(path) as f:
        config = json.load(f)
    directory = os.path.dirname(path)
    variables = {"configdir": directory}
    for name, value in config.get("manifest", {}).items():
        variables[name.lstrip("$").strip("{}")] = _expand(value, variables)
    for name, value in list(variables.items()):
        if name != "configdir" and not os.path.isabs(value):
            variables[name] = os.path.normpath(os.path.join(directory, value))
    return _substitute(config, variables)


def _expand(text, variables):
    return re.sub(r"\$\{?(\w+)\}?", lambda m: variables.get(m.group(1), m.group(0)), text)


def _substitute(value, variables):
    if isinstance(value, str):
        return _expand(value, variables)
    if isinstance(value, list):
        return [_substitute(v, variables) for v in value]
    if isinstance(value, dict):
        return {k: _substitute(v, variables) for k, v in value.items()}
    return value


def read_types(path: str) -> dict:
    """A node or edge types CSV (space separated): type id -> {column: value},
    numbers converted."""
    with open(path) as f:
        rows = [line.split() for line in f if line.strip()]
    header, types = rows[0], {}
    for row in rows[1:]:
        entry = {name: _number(value) for name, value in zip(header, row)}
        types[int(entry[header[0]])] = entry
    return types


def _number(text):
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text
