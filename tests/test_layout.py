"""The package reads like a table of contents: lower packages never import higher ones, and no
module imports itself back through others (imports inside functions included)."""

import ast
from pathlib import Path

import deepgrad

ROOT = Path(deepgrad.__file__).parent

#: From the bottom up: a module may import from its own level or a lower one, never a higher one.
LEVELS = [
    {"common"},
    {"native"},
    {"ops"},
    {"autograd"},
    {"compile"},
    {"initializers", "regularizers", "schedules", "functional", "activations"},
    {"layers", "losses", "metrics", "optimizers"},
    {"data", "datasets"},
    {"saving"},
    {"callbacks", "distributed"},
    {"training", "models"},
    {"classic", "sklearn", "explain", "utils", "diagnostics", "plot", "tuner", "onnx"},
    {"cli", "__main__", "__init__"},
]
LEVEL = {name: rank for rank, names in enumerate(LEVELS) for name in names}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module_name(p): p for p in ROOT.rglob("*.py")}


def _imports(name: str, path: Path) -> set:
    """The deepgrad modules ``name`` imports, wherever the import statement is."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("deepgrad"))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            elif node.module and node.module.startswith("deepgrad"):
                source = node.module
            else:
                continue
            for alias in node.names:  # `from package import module` imports the module
                candidate = f"{source}.{alias.name}"
                found.add(candidate if candidate in MODULES else source)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name, path) for name, path in MODULES.items()}


def _top(name: str) -> str:
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def test_every_top_level_entry_has_a_level():
    assert {_top(m) for m in MODULES} <= set(LEVEL), "add new packages to LEVELS"


def test_no_package_imports_a_higher_one():
    upward = sorted(
        f"{name} imports {target}"
        for name, targets in GRAPH.items() for target in targets
        if LEVEL[_top(target)] > LEVEL[_top(name)]
    )
    assert upward == []


def test_no_import_cycles():
    state, cycles = {}, []

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(GRAPH[node]):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(trail[trail.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_module_paths_earlier_versions_documented_still_import():
    import importlib

    for name in ("deepgrad.kernels", "deepgrad.backend", "deepgrad.models", "deepgrad.data",
                 "deepgrad.layers", "deepgrad.losses", "deepgrad.callbacks", "deepgrad.optimizers",
                 "deepgrad.activations", "deepgrad.functional", "deepgrad.datasets",
                 "deepgrad.initializers", "deepgrad.regularizers", "deepgrad.schedules",
                 "deepgrad.metrics", "deepgrad.explain", "deepgrad.classic"):
        assert importlib.import_module(name) is not None
    from deepgrad.kernels import using  # noqa: F401
    from deepgrad.models import Sequential, load_model  # noqa: F401
