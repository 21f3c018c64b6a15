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

# Libraries `validate` has no use for: the model's SimPy, the figures, the report, the progress bar, the
# cluster, the tables read back, scipy's special functions; and the parts of summit-sim built on them.
HEAVY = [
    "simpy", "matplotlib", "pandas", "jinja2", "rich", "dask", "distributed", "scipy",
    "sim.model.summit", "sim.model.board", "sim.results.experiment", "sim.plots.files", "sim.report.html",
    "multiprocessing", "concurrent.futures",
]  # fmt: skip

LAZY_PACKAGES = ["sim.model", "sim.experiment", "sim.results", "sim.plots", "sim.validation"]


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


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above could fail: a command that does draw, or runs the model, is seen loading them."""
    assert {"simpy", "sim.model.summit"} <= _imported_after("from sim.model import run_replication")


def _type_checking_imports(package: str) -> dict[str, str]:
    """name -> module of the imports under `if TYPE_CHECKING:` in a package's `__init__.py`."""
    init = REPO / Path(*package.split(".")) / "__init__.py"
    found = {}
    for node in ast.parse(init.read_text()).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                assert isinstance(imp, ast.ImportFrom)
                assert imp.module is not None
                found.update({a.name: imp.module for a in imp.names})
    return found


@pytest.mark.parametrize("package", LAZY_PACKAGES)
def test_lazy_names_are_those_the_type_checker_sees(package: str) -> None:
    module = importlib.import_module(package)
    typed = _type_checking_imports(package)
    assert sorted(typed) == sorted(module.__all__)
    for name, home in typed.items():
        assert getattr(module, name) is getattr(importlib.import_module(home), name), name
    assert set(module.__all__) <= set(dir(module))


def test_a_lazy_package_still_has_its_submodules_and_refuses_unknown_names() -> None:
    from sim.validation import theory

    assert theory.__name__ == "sim.validation.theory"
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        importlib.import_module("sim.model").no_such_name  # noqa: B018
