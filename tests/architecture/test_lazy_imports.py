"""Start-up (issue 14): the command line imports only what a command needs, and the packages whose names
are imported on first use (sim.lazy) give the same objects as the modules they come from."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
REFERENCE = REPO / "scenarios" / "apec2024_peru.yaml"

# Libraries `validate` has no use for: numpy (it draws nothing and computes no array), the model's
# SimPy, the figures, the report, the progress bar, the cluster, the tables read back, scipy's special
# functions; and the parts of summit-sim built on them.
HEAVY = [
    "numpy", "simpy", "matplotlib", "pandas", "jinja2", "rich", "dask", "distributed", "scipy",
    "sim.model.summit", "sim.model.board", "sim.results.experiment", "sim.plots.files", "sim.report.html",
    "sim.metrics.scoped", "sim.experiment.execute", "sim.experiment.search", "multiprocessing",
    "concurrent.futures",
]  # fmt: skip

LAZY_PACKAGES = ["sim.model", "sim.experiment", "sim.metrics", "sim.results", "sim.plots", "sim.validation"]


def _imported_after(code: str) -> set[str]:
    """The modules of HEAVY present in a fresh interpreter after it runs `code`."""
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True, timeout=120
    )
    last = done.stdout.splitlines()[-1:]
    return set(last[0].split()) if last else set()


def test_importing_the_command_line_loads_no_heavy_library() -> None:
    assert _imported_after("import sim.cli") == set()


def test_validate_loads_no_heavy_library() -> None:
    code = (
        "import contextlib, io\nfrom sim.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['validate', {str(REFERENCE)!r}]) == 0"
    )
    assert _imported_after(code) == set()


def test_validate_of_an_overlay_with_overrides_loads_no_heavy_library() -> None:
    overlay = REPO / "scenarios" / "examples" / "one_mh60_down.yaml"
    code = (
        "import contextlib, io\nfrom sim.cli import main\nwith contextlib.redirect_stdout(io.StringIO()):\n"
        f"    assert main(['validate', {str(overlay)!r}, '--set', 'replications=50']) == 0"
    )
    assert _imported_after(code) == set()


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above could fail: a command that does draw, or runs the model, is seen loading them."""
    assert {"simpy", "sim.model.summit"} <= _imported_after("from sim.model import run_replication")
    assert {"numpy", "sim.metrics.scoped"} <= _imported_after("from sim.metrics import scoped_metrics")


def _init_body(package: str) -> list[ast.stmt]:
    return ast.parse((REPO / Path(*package.split(".")) / "__init__.py").read_text()).body


def _type_checking_imports(package: str) -> dict[str, str]:
    """name -> module of the imports under `if TYPE_CHECKING:` in a package's `__init__.py`."""
    found = {}
    for node in _init_body(package):
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                assert imp.module is not None
                found.update({a.name: imp.module for a in imp.names})
    return found


def _defined_in_init(package: str) -> set[str]:
    """The functions and classes a package's `__init__.py` defines itself (sim.metrics.metric_columns)."""
    return {n.name for n in _init_body(package) if isinstance(n, ast.FunctionDef | ast.ClassDef)}


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_names_are_those_the_type_checker_sees(package: str) -> None:
    """Every public name is the package's own or imported on first use from the module the type checker
    is told (any other name under TYPE_CHECKING is for the package's own annotations)."""
    module = importlib.import_module(package)
    typed = _type_checking_imports(package)
    own = _defined_in_init(package)
    assert sorted(set(typed) & set(module.__all__)) == sorted(set(module.__all__) - own)
    for name in set(module.__all__) - own:
        assert getattr(module, name) is getattr(importlib.import_module(typed[name]), name), name
    assert set(module.__all__) <= set(dir(module))


def test_a_lazy_package_still_has_its_submodules_and_refuses_unknown_names() -> None:
    from sim.validation import theory

    assert theory.__name__ == "sim.validation.theory"
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        importlib.import_module("sim.model").no_such_name  # noqa: B018
