"""The package's layers point one way (README, "How the code is laid out"): a module imports only from
its own layer or the layers before it, at the top of the file and inside functions alike."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[2] / "sim"

# From the bottom up. `sim` itself (the package's public face) is the top.
LAYERS = [
    ("sim.version", "sim.lazy", "sim.stats", "sim.numbers"),
    ("sim.scenario",),
    ("sim.model",),
    ("sim.metrics",),
    ("sim.experiment",),
    ("sim.results",),
    ("sim.plots",),
    ("sim.report",),
    ("sim.validation",),
    ("sim.api",),
    ("sim.cli", "sim.__main__", "sim"),
]


def layer_of(module: str) -> int:
    """The layer of a module: that of the longest prefix listed in `LAYERS`."""
    best, depth = None, -1
    for i, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and name.count(".") > depth:
                best, depth = i, name.count(".")
    if best is None:
        raise KeyError(f"{module} is in no layer: add it to LAYERS")
    return best


def module_name(path: Path) -> str:
    parts = path.relative_to(SIM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every `sim` import in a file, wherever it stands (relative ones resolved)."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    return imports_in(path.read_text(), package)


def imports_in(source: str, package: str) -> list[tuple[int, str]]:
    """(line, module) of every `sim` import in `source`, a module of `package`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join([*parts[: len(parts) - node.level + 1], base]).strip(".")
            found += [(node.lineno, base)]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.append((node.lineno, arg.value))
    return [(line, name) for line, name in found if name == "sim" or name.startswith("sim.")]


MODULES = sorted(SIM.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SIM.parent)))
def test_no_import_points_up(path: Path) -> None:
    here = module_name(path)
    upward = [
        f"{path.relative_to(SIM.parent)}:{line}: {here} (layer {layer_of(here)}) imports {name} "
        f"(layer {layer_of(name)})"
        for line, name in imports_of(path)
        if layer_of(name) > layer_of(here)
    ]
    assert not upward, "\n".join(upward)


def test_the_check_sees_imports_inside_functions_and_relative_ones() -> None:
    source = (
        "def f():\n    from sim.report.html import render_folder\n    import sim.cli\n"
        "    from ..api import run\n"
    )
    found = [name for _, name in imports_in(source, "sim.model")]
    assert found == ["sim.report.html", "sim.cli", "sim.api"]
    assert all(layer_of(name) > layer_of("sim.model.air") for name in found)


def test_every_module_has_a_layer() -> None:
    for path in MODULES:
        layer_of(module_name(path))
