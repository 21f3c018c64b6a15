"""A results folder's figures saved by two processes (sim.plots.files.draw_figures, the report's serial
tail halved) are those `save_figures` saves alone, in its order; an error in either is raised here."""

from __future__ import annotations

import errno
import multiprocessing
from pathlib import Path

import pytest
from matplotlib.figure import Figure

from sim.plots import files
from sim.plots.files import draw_figures, read_results, results_figures
from tests.helpers.experiment_scenarios import SMALL, write
from tests.helpers.experiments import sweep


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("figures")
    return sweep(write(tmp, SMALL), [12, 24], replications=2, workers=1, out=tmp / "sweep").folder


def _drawn(folder: Path) -> tuple[list[str], dict[str, Path]]:
    """The stems `results_figures` makes, and what `draw_figures` saved, from an emptied figures/."""
    for png in (folder / "figures").glob("*.png"):
        png.unlink()
    (folder / "figures" / "dropped.png").write_bytes(b"a figure this drawing no longer makes")
    tables = read_results(folder)
    with draw_figures(folder, tables) as drawing:
        forked = drawing._process is not None
        paths = dict(drawing)
    assert forked == (files._can_fork() and len(paths) > 1)
    return list(results_figures(tables)), paths


def test_two_processes_save_every_figure_once_in_drawing_order(folder: Path) -> None:
    stems, paths = _drawn(folder)
    assert len(stems) > 2
    assert list(paths) == stems
    assert sorted(p.name for p in (folder / "figures").iterdir()) == sorted(f"{s}.png" for s in stems)
    assert all(paths[s] == folder / "figures" / f"{s}.png" and paths[s].stat().st_size > 0 for s in stems)


def test_without_fork_the_same_figures_are_saved_here(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(files, "_can_fork", lambda: False)
    stems, paths = _drawn(folder)
    assert list(paths) == stems
    assert sorted(p.name for p in (folder / "figures").iterdir()) == sorted(f"{s}.png" for s in stems)


def test_an_error_in_the_forked_process_is_raised_here_and_it_is_gone(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tables = read_results(folder)
    first = next(iter(results_figures(tables)))  # the forked process starts with it
    real = files._save_one

    def no_room(fig: Figure, out: Path, stem: str) -> Path:
        if stem == first:
            raise OSError(errno.ENOSPC, "No space left on device", str(out / f"{stem}.png"))
        return real(fig, out, stem)

    monkeypatch.setattr(files, "_save_one", no_room)
    with pytest.raises(OSError, match="No space left") as raised, draw_figures(folder, tables) as drawing:
        dict(drawing)
    assert raised.value.errno == errno.ENOSPC
    assert multiprocessing.active_children() == []
    assert list((folder / "figures").glob(".*.tmp")) == []
