"""The package layout: layers import downwards only, and no module grows
into several responsibilities (docs/architecture.md)."""
import ast
import pathlib

PACKAGE = pathlib.Path(__file__).resolve().parent.parent / "distsim"
MAX_MODULE_LINES = 600


def _unit(parts):
    """The layer a module belongs to: its first package below distsim (a
    top-level module is its own unit)."""
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def package_imports(root=PACKAGE):
    """{unit: set of units it imports}, counting imports inside functions too
    (a lazy import hides a cycle, it does not remove it)."""
    edges = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root).parts
        if parts == ("__init__.py",):
            continue  # the public API imports everything
        unit = _unit(parts)
        package = list(parts[:-1])  # the module's package, below distsim
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.ImportFrom) or not node.level:
                continue
            base = package[:len(package) - (node.level - 1)]
            target = base + (node.module.split(".") if node.module else [])
            names = [target[0]] if target else [a.name for a in node.names]
            for name in names:
                if name != unit and name != "__version__":
                    edges.setdefault(unit, set()).add(name)
    return edges


def find_cycle(edges):
    """One import cycle as a list of units, or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                found = visit(nxt, path + [nxt])
                if found:
                    return found
        state[node] = "done"
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node, [node])
            if found:
                return found
    return None


def test_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}}) is None


def test_no_import_cycle_between_packages():
    edges = package_imports()
    assert "network" in edges and "units" in edges["network"]  # the walk sees imports
    cycle = find_cycle(edges)
    assert cycle is None, f"import cycle: {' -> '.join(cycle)}"


def test_lower_layers_know_nothing_of_higher_ones():
    edges = package_imports()
    for low in ("units", "model", "core", "parallel", "io", "codegen"):
        assert not edges.get(low, set()) & {"groups", "synapses", "inputs", "monitors",
                                            "network"}, low


def test_no_module_is_over_600_lines():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES}
    assert not long, f"modules over {MAX_MODULE_LINES} lines: {long}"
