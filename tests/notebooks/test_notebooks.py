"""The notebooks in notebooks/ run top to bottom (nbclient, on a kernel of this environment's Python),
and are stored without outputs."""

from __future__ import annotations

import json
import sys
import time

import nbformat
import pytest
from nbclient import NotebookClient

from tests.helpers import ROOT

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
KERNEL = "summit-sim-test"


@pytest.fixture(scope="module")
def kernel(tmp_path_factory, monkeypatch_module):
    """A kernelspec named KERNEL that starts this Python (the project's venv), found through JUPYTER_PATH
    so nothing is installed into the user's Jupyter."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"})
    )
    monkeypatch_module.setenv("JUPYTER_PATH", str(root))
    monkeypatch_module.setenv("JUPYTER_PLATFORM_DIRS", "1")
    return KERNEL


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def test_there_are_four_notebooks():
    assert [p.name for p in NOTEBOOKS] == [
        "01_explore_results.ipynb",
        "02_compare_staffing.ipynb",
        "03_build_a_scenario.ipynb",
        "04_decide.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_stored_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a cell has outputs; clear them before committing"
            assert cell.execution_count is None


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path, kernel, tmp_path, monkeypatch_module):
    # Results go to a temporary folder; notebook 01 makes its own small results folder there.
    monkeypatch_module.setenv("SUMMIT_NOTEBOOK_OUT", str(tmp_path / "out"))
    monkeypatch_module.setenv("SUMMIT_RESULTS", str(tmp_path / "results"))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel, timeout=120,
                            resources={"metadata": {"path": str(path.parent)}})  # fmt: skip
    started = time.perf_counter()
    client.execute()
    seconds = time.perf_counter() - started
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})
    ]
    assert images, f"{path.name} showed no figure"
    print(f"{path.name}: {seconds:.1f} s")
