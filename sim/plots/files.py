"""The figures of a results folder or a trace folder: read its tables (the only I/O of `sim.plots`),
draw every figure that applies, and save them as PNG under `figures/`.

`gaps.csv` can be large: it is read in chunks and only the levels shown are kept, as hour grids
(`ShortfallGrid`), so memory stays bounded whatever the replications.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypedDict

import pandas as pd
from matplotlib.figure import Figure

from sim.numbers import scope_of, within_bound
from sim.plots.common import DPI
from sim.plots.demands import demands_at_level, failing_air, failing_posts
from sim.plots.distributions import ShareTarget, escort_delay_ecdf, response_time_ecdf
from sim.plots.gaps import ShortfallGrid, shortfall_heatmap
from sim.plots.grid import grid_targets
from sim.plots.sweep import compare_variants, coverage_vs_troops, marginal_value
from sim.plots.targets import targets_vs_troops
from sim.plots.trace import air_coverage_timeline, fuel_levels, post_shortfall_timeline
from sim.results.files import INCOMPLETE, read_json

__all__ = [
    "FigureDrawing",
    "NotAResultsFolder",
    "ResultsTables",
    "TraceTables",
    "draw_figures",
    "folder_kind",
    "read_results",
    "read_trace",
    "results_figures",
    "save_figures",
    "save_trace_figures",
    "share_targets",
    "trace_figures",
]

GAPS_CHUNK_ROWS = 250_000
DEMAND_TABLES = ("posts", "air", "forces", "delegations", "incidents")  # sim.results.demands


class NotAResultsFolder(ValueError):
    """A folder that holds no finished results (nor a trace) to draw from."""


def folder_kind(folder: str | os.PathLike[str]) -> str:
    """ "results" (a finished run, sweep or compare), "trace", or raise `NotAResultsFolder` saying why."""
    folder = Path(folder)
    if not folder.is_dir():
        raise NotAResultsFolder(f"{folder} is not a folder")
    if (folder / "trace.json").is_file() and (folder / "gaps.csv").is_file():
        return "trace"
    manifest = folder / "manifest.json"
    if folder.name.endswith(INCOMPLETE) or (folder / "parts").is_dir():
        raise NotAResultsFolder(f"{folder} is an unfinished run: finish it first with "
                                f"`summit-sim run|sweep|compare --resume {folder}`")  # fmt: skip
    if not manifest.is_file() or not (folder / "summary.csv").is_file():
        what = "manifest.json" if not manifest.is_file() else "summary.csv"
        raise NotAResultsFolder(f"{folder} is not a results folder (no {what}; expected a folder written "
                                "by `summit-sim run`, `sweep`, `compare` or `trace`)")  # fmt: skip
    try:
        data = read_json(manifest)
        complete = data.get("status") == "complete" and "key" in data and "variants" in data
    except ValueError as e:
        raise NotAResultsFolder(f"{manifest} cannot be read: {e}") from None
    if not complete:
        raise NotAResultsFolder(f"{folder} is not a complete results folder (its manifest says "
                                f"status {data.get('status')!r})")  # fmt: skip
    return "results"


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(str(text))


@dataclass
class ResultsTables:
    """A results folder's tables, the hour grids of shortfall at the levels worth showing, and the
    tables per demand (`demands`: posts, air, forces, delegations, incidents; an empty frame for a
    folder written before they existed)."""

    folder: Path
    manifest: dict[str, Any]
    summary: pd.DataFrame
    checks: pd.DataFrame
    differences: pd.DataFrame
    distributions: pd.DataFrame
    focus: list[str]
    shortfall: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = field(default_factory=dict)
    demands: dict[str, pd.DataFrame] = field(default_factory=dict)

    def demand(self, name: str) -> pd.DataFrame:
        """One table per demand (`posts`, `air`, ...), empty when the folder has none."""
        return self.demands.get(name, pd.DataFrame())

    @property
    def key(self) -> str:
        return str(self.manifest["key"])

    @property
    def command(self) -> str:
        return str(self.manifest["command"])

    @property
    def labels(self) -> list[str]:
        return [str(v["label"]) for v in self.manifest["variants"]]

    @property
    def scenario_name(self) -> str:
        return str(self.manifest["scenarios"][0]["name"])

    @property
    def replications(self) -> int:
        return int(self.manifest["replications"])

    def resolved(self, label: str | None = None) -> dict[str, Any]:
        """The resolved scenario (of the variant `label`, default the first)."""
        index = 0
        for v in self.manifest["variants"]:
            if label is not None and str(v["label"]) == label:
                index = int(v["scenario"])
        return dict(self.manifest["scenarios"][index]["resolved"])

    @property
    def smallest(self) -> Any:
        return self.manifest.get("answer", {}).get("smallest_meeting_level")


def focus_levels(manifest: dict[str, Any], summary: pd.DataFrame | None = None) -> list[str]:
    """The levels whose shortfall is drawn: in a sweep, the smallest level meeting the targets and the
    level below it (what fails, and what risk is left), or if none meets, the highest level where posts
    were still short on average (`summary`'s gap_person_hours); every variant of a comparison; the
    level of a run."""
    labels = [str(v["label"]) for v in manifest["variants"]]
    if manifest["command"] != "sweep":
        return labels
    smallest = manifest.get("answer", {}).get("smallest_meeting_level")
    if smallest is not None:
        i = labels.index(str(smallest))
        return labels[max(0, i - 1) : i + 1]
    if summary is not None and not summary.empty:
        key = manifest["key"]
        short = summary[(summary["metric"] == "gap_person_hours") & (summary["mean"] > 0)]
        still = [label for label in labels if label in set(short[key].astype(str))]
        if still:
            return still[-1:]
    return labels[-1:]


def _read_csv(path: Path, key: str) -> pd.DataFrame:
    if not path.is_file():
        return pd.DataFrame()
    labels = [key, f"{key}_from", f"{key}_to"]
    table = pd.read_csv(path, dtype=dict.fromkeys(labels, str))
    for col in labels:  # a run with no swept force has the empty label "", which CSV reads back as NaN
        if col in table:
            table[col] = table[col].fillna("")
    return table


def read_results(folder: str | os.PathLike[str], manifest: dict[str, Any] | None = None) -> ResultsTables:
    """Read a results folder's tables (`manifest` overrides the folder's manifest.json)."""
    folder = Path(folder)
    if manifest is None:
        folder_kind(folder)
        manifest = read_json(folder / "manifest.json")
    key = str(manifest["key"])
    summary = _read_csv(folder / "summary.csv", key)
    tables = ResultsTables(
        folder, manifest, summary, _read_csv(folder / "targets.csv", key),
        _read_csv(folder / "differences.csv", key), _read_csv(folder / "distributions.csv", key),
        focus_levels(manifest, summary),
    )  # fmt: skip
    tables.shortfall = _shortfall(folder / "gaps.csv", tables)
    tables.demands = {name: _read_csv(folder / f"{name}.csv", key) for name in DEMAND_TABLES}
    return tables


def _shortfall(path: Path, t: ResultsTables) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    grids: dict[str, tuple[ShortfallGrid, ShortfallGrid]] = {}
    for label in t.focus:
        r = t.resolved(label)
        start, end = _when(r["start"]), _when(r["end"])
        grids[label] = (ShortfallGrid(start, end, "site"), ShortfallGrid(start, end, "city"))
    if path.is_file() and grids:
        columns = [t.key, "demand", "city", "site", "start", "end", "short"]
        reader = pd.read_csv(path, usecols=columns, dtype={t.key: str}, chunksize=GAPS_CHUNK_ROWS)
        for chunk in reader:
            levels = chunk[t.key].fillna("")  # the empty label "" (no swept force) reads back as NaN
            for label, (by_site, by_city) in grids.items():
                rows = chunk[levels == label]
                by_site.add(rows)
                by_city.add(rows)
    return {label: (a.table(t.replications), b.table(t.replications)) for label, (a, b) in grids.items()}


class _Titles(TypedDict):
    """The keyword arguments every results figure takes for its title."""

    scenario: str
    replications: int


def _safe(label: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", label)


def share_targets(checks: pd.DataFrame, family: str) -> list[ShareTarget]:
    """The share-within targets of `family` ("escort" or "response") in targets.csv, as (label, minutes,
    share), one per bound and share (the scopes that share them named together), whole-event ones
    first: a percentile target (escort delay p95 ≤ 15 min) is checked as such a share (at least 95%
    within 15 min)."""
    if checks.empty:
        return []
    scopes: dict[tuple[float, float], list[str]] = {}
    for metric, limit in zip(checks["metric"].astype(str), checks["limit"].astype(float), strict=True):
        within = within_bound(metric)
        if within is not None and within[0] == family:
            seen = scopes.setdefault((within[1], limit), [])
            if (scope_of(metric) or "whole event") not in seen:
                seen.append(scope_of(metric) or "whole event")
    order = sorted(scopes.items(), key=lambda kv: "whole event" not in kv[1])
    return [(f"target: ≥ {100 * share:.3g}% within {minutes:g} min ({'; '.join(where)})", minutes, share)
            for (minutes, share), where in order]  # fmt: skip


def _swept_force(r: dict[str, Any]) -> str | None:
    return next((k for k, f in (r.get("forces") or {}).items() if f.get("swept")), None)


def results_figures(tables: ResultsTables) -> dict[str, Figure]:
    """Every figure that applies to a results folder, by file stem, in the order a reader wants them."""
    return {stem: make() for stem, make in figure_makers(tables).items()}


def figure_makers(tables: ResultsTables) -> dict[str, Callable[[], Figure]]:
    """`results_figures` not drawn yet: each figure that applies, by stem in order, as the call that
    draws it (so that two processes saving them each draw only their share)."""
    t = tables
    common: _Titles = {"scenario": t.scenario_name, "replications": t.replications}
    r = t.resolved()
    targets = r.get("targets") or {}
    figs: dict[str, Callable[[], Figure]] = {}
    levels = len(t.labels)
    inputs = t.manifest.get("inputs") or []
    if t.command == "sweep" and len(inputs) > 1:
        figs["grid_targets"] = lambda: grid_targets(t.checks, t.manifest, **common)
    elif t.command == "sweep" and levels > 1:
        smallest = t.smallest if t.key == "troops" else None
        figs["coverage_vs_troops"] = functools.partial(
            coverage_vs_troops,
            t.summary,
            targets,
            smallest=smallest,
            key=t.key,
            force=_swept_force(r),
            **common,
        )
        if not t.checks.empty:
            figs["targets_vs_troops"] = functools.partial(
                targets_vs_troops, t.summary, t.checks, smallest=smallest, key=t.key, **common
            )
        if not t.differences.empty:
            figs["marginal_value"] = lambda: marginal_value(t.differences, key=t.key, **common)
    if t.command == "compare":
        figs["compare_variants"] = lambda: compare_variants(t.summary, t.differences, **common)
    posts, air = t.demand("posts"), t.demand("air")
    for label in t.focus:
        if not failing_posts(posts, label, t.key).empty or not failing_air(air, label, t.key).empty:
            figs[f"demands_at_{_safe(label)}"] = functools.partial(
                demands_at_level, posts, air, t.checks, level=label, key=t.key, **common
            )
    for label in t.focus:
        by_site, by_city = t.shortfall[label]
        figs[f"shortfall_at_{_safe(label)}"] = functools.partial(
            shortfall_heatmap, by_site, by_city, level=label, timezone=r.get("timezone", "local"), **common
        )
    dist = t.distributions
    if not dist.empty and (dist["quantity"] == "escort_wait_min").any():
        figs["escort_delay_ecdf"] = lambda: escort_delay_ecdf(
            dist, share_targets=share_targets(t.checks, "escort"), key=t.key, **common
        )
    if not dist.empty and (dist["quantity"] == "response_min").any():
        incident_targets = [float(i["target_min"]) for i in (r.get("incidents") or {}).values()]
        figs["response_time_ecdf"] = lambda: response_time_ecdf(
            dist, target_min=incident_targets, share_targets=share_targets(t.checks, "response"),
            key=t.key, **common,
        )  # fmt: skip
    return figs


def _save(figs: dict[str, Figure], folder: Path) -> dict[str, Path]:
    """Save each figure as `folder/figures/<stem>.png`, each by way of a temporary file; PNGs of an
    earlier drawing that this one no longer makes are removed, so `figures/` matches the tables."""
    out = _figures_dir(folder)
    paths = {stem: _save_one(fig, out, stem) for stem, fig in figs.items()}
    _remove_others(out, paths)
    return paths


def _figures_dir(folder: Path) -> Path:
    out = folder / "figures"
    out.mkdir(exist_ok=True)
    return out


def _save_one(fig: Figure, out: Path, stem: str) -> Path:
    """Save `fig` as `out/<stem>.png` by way of a temporary file."""
    path = out / f"{stem}.png"
    tmp = out / f".{stem}.png.tmp"
    try:
        fig.savefig(tmp, dpi=DPI, format="png")
        os.replace(tmp, path)
    except BaseException:  # a read-only folder, a full disk: no temporary left behind
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def _remove_others(out: Path, paths: Mapping[str, Path]) -> None:
    for old in out.glob("*.png"):
        if old.stem not in paths:
            old.unlink()


def save_figures(
    folder: str | os.PathLike[str],
    manifest: dict[str, Any] | None = None,
    tables: ResultsTables | None = None,
) -> dict[str, Path]:
    """Draw a results folder's figures into its `figures/`; returns their paths by stem."""
    tables = tables if tables is not None else read_results(folder, manifest)
    return _save(results_figures(tables), Path(folder))


class FigureDrawing(Mapping[str, Path]):
    """A results folder's figures being saved (as `save_figures` saves them) by this process and a
    forked one together, as a mapping of their paths by stem that finishes the drawing on first use
    (and raises what either process raised).

    Saving the figures is half of `report.html`'s work, and the serial tail of an experiment, which
    limits its speed-up on more workers. So the forked process starts on the figures at once, from the
    first, while this one builds the report's tables; then this one takes figures from the last, until
    the two meet. Used as a context manager, so that the forked process never outlives the caller: on
    leaving, the drawing is finished, or stopped if the caller failed.
    """

    def __init__(self, folder: str | os.PathLike[str], tables: ResultsTables) -> None:
        self._out = _figures_dir(Path(folder))
        self._figs = list(figure_makers(tables).items())  # each drawn by the process that saves it
        self._paths: dict[str, Path] | None = None
        self._process: Any = None
        if not _can_fork() or len(self._figs) < 2:
            self._finish({stem: _save_one(make(), self._out, stem) for stem, make in self._figs})
            return
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        self._lock = ctx.Lock()
        self._taken = ctx.RawArray("b", len(self._figs))  # 1 once a process has taken that figure
        self._conn, child_end = ctx.Pipe(duplex=False)
        self._process = ctx.Process(target=self._child, args=(child_end,), daemon=True)
        self._process.start()
        child_end.close()

    def _take(self, order: Iterable[int]) -> Iterator[int]:
        """The figures of `order` that no process has taken yet, each taken as it is handed out."""
        for i in order:
            with self._lock:
                if self._taken[i]:
                    return
                self._taken[i] = 1
            yield i

    def _draw(self, order: Iterable[int]) -> dict[str, Path]:
        return {
            self._figs[i][0]: _save_one(self._figs[i][1](), self._out, self._figs[i][0])
            for i in self._take(order)
        }

    def _child(self, conn: Any) -> None:
        """In the forked process: save figures from the first, send back ("ok", paths) or ("error", e)."""
        try:
            conn.send(("ok", self._draw(range(len(self._figs)))))
        except BaseException as e:  # sent to the parent, which raises it
            try:
                conn.send(("error", e))
            except Exception:  # an exception that cannot be pickled: its text at least
                conn.send(("error", RuntimeError(f"drawing the figures failed: {type(e).__name__}: {e}")))
        finally:
            conn.close()

    def _finish(self, paths: dict[str, Path]) -> None:
        self._paths = {stem: paths[stem] for stem, _ in self._figs}  # in drawing order
        _remove_others(self._out, self._paths)

    def result(self) -> dict[str, Path]:
        """The saved figures' paths by stem, in drawing order, once they are all saved."""
        if self._paths is not None:
            return self._paths
        try:
            mine = self._draw(reversed(range(len(self._figs))))
            kind, value = self._conn.recv()
        except EOFError:
            self._process.join()
            why = f"the process drawing the figures ended without saying why (exit {self._process.exitcode})"
            raise RuntimeError(why) from None
        except BaseException:
            self.stop()
            raise
        finally:
            self._conn.close()
        self._process.join()
        if kind == "error":
            raise value
        self._finish({**value, **mine})
        assert self._paths is not None
        return self._paths

    def stop(self) -> None:
        """Stop the forked process if it still draws (its temporary files are the caller's to remove)."""
        if self._process is not None and self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def __enter__(self) -> FigureDrawing:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        if kind is None:
            self.result()
        else:
            self.stop()

    def __getitem__(self, stem: str) -> Path:
        return self.result()[stem]

    def __iter__(self) -> Iterator[str]:
        return iter(self.result())

    def __len__(self) -> int:
        return len(self.result())


def draw_figures(folder: str | os.PathLike[str], tables: ResultsTables) -> FigureDrawing:
    """Start saving a results folder's figures (`save_figures`) beside the caller's own work: by a forked
    process and this one where that is safe and there is a second core, else here and now."""
    return FigureDrawing(folder, tables)


def _can_fork() -> bool:
    """Fork only where it is safe and quiet, as the workers do (sim.experiment.executors): a `fork` start
    method, Python < 3.12, one thread in this process; and only with a second core to draw on."""
    import multiprocessing
    import sys
    import threading

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return (
        cores > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and sys.version_info < (3, 12)
        and threading.active_count() == 1
    )


# -- trace folders ---------------------------------------------------------------------------------


@dataclass
class TraceTables:
    """A trace folder's tables and what it traced (`trace.json`)."""

    folder: Path
    info: dict[str, Any]
    gaps: pd.DataFrame
    air: pd.DataFrame
    fuel: pd.DataFrame

    @property
    def note(self) -> str:
        i = self.info
        troops = f", {i['troops']} troops" if i.get("troops") is not None else ""
        return f"replication {i['replication']}, seed {i['seed']}{troops}"


def read_trace(folder: str | os.PathLike[str]) -> TraceTables:
    folder = Path(folder)
    info = read_json(folder / "trace.json")

    def table(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / name) if (folder / name).is_file() else pd.DataFrame()

    return TraceTables(folder, info, table("gaps.csv"), table("air.csv"), table("fuel.csv"))


def trace_figures(t: TraceTables) -> dict[str, Figure]:
    """The timeline figures of one traced replication."""
    start, end = _when(t.info["start"]), _when(t.info["end"])
    common = {"scenario": t.info["scenario"], "note": t.note, "timezone": t.info["timezone"]}
    figs = {"post_shortfalls": post_shortfall_timeline(t.gaps, start=start, end=end, **common)}
    if not t.air.empty:
        figs["air_coverage"] = air_coverage_timeline(t.air, **common)
    if not t.fuel.empty:
        figs["fuel_levels"] = fuel_levels(t.fuel, start=start, end=end, **common)
    return figs


def save_trace_figures(folder: str | os.PathLike[str]) -> dict[str, Path]:
    """Draw a trace folder's timeline figures into its `figures/`."""
    return _save(trace_figures(read_trace(folder)), Path(folder))
