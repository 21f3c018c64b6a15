"""The figure of a two-input sweep (a grid, `sweep --vary A=... --vary B=...`): how many targets each point
meets with 95% confidence, as a heatmap, with the meeting frontier: at each level of the first input, the
smallest level of the second at which every target is met."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.experiment.vary import frontier
from sim.plots.common import new_figure, title

__all__ = ["grid_table", "grid_targets"]


def grid_table(checks: pd.DataFrame, manifest: dict[str, Any]) -> pd.DataFrame:
    """One row per grid point: the two inputs' levels, targets met and targets in all (targets.csv)."""
    a, b = manifest["inputs"][:2]
    key = manifest["key"]
    rows = []
    for v in manifest["variants"]:
        mine = checks[checks[key] == v["label"]] if not checks.empty else checks
        met = int(mine["met"].astype(int).sum()) if not mine.empty else 0
        rows.append({a: v["values"][a], b: v["values"][b], "met": met, "targets": len(mine)})
    return pd.DataFrame(rows, columns=[a, b, "met", "targets"])


def grid_targets(
    checks: pd.DataFrame, manifest: dict[str, Any], *, scenario: str = "", replications: int | None = None
) -> Figure:
    """Heatmap of the share of targets met at each grid point (annotated `met/all`), the first input
    across, the second up; the frontier (the smallest level of the second input meeting every target at
    each level of the first) as a black step line; a column with no meeting level is marked ×."""
    a, b = manifest["inputs"][:2]
    table = grid_table(checks, manifest)
    xs = sorted(set(table[a]))
    ys = sorted(set(table[b]))
    share = np.full((len(ys), len(xs)), np.nan)
    fig = new_figure(max(8.0, 1.1 * len(xs) + 3.2), 0.6 * len(ys) + 2.6)
    ax = fig.subplots()
    for _, r in table.iterrows():
        i, j = ys.index(r[b]), xs.index(r[a])
        share[i, j] = r["met"] / r["targets"] if r["targets"] else np.nan
        ax.text(j, i, f"{r['met']}/{r['targets']}", ha="center", va="center", fontsize=8)
    image = ax.imshow(share, origin="lower", cmap="RdYlGn", vmin=0, vmax=1, aspect="auto")
    fig.colorbar(image, ax=ax, label="share of targets met (95% confidence)")
    front = frontier((r[a], r[b], r["met"] == r["targets"] > 0) for _, r in table.iterrows())
    steps = [(xs.index(x), ys.index(y)) for x, y in front.items() if y is not None]
    if steps:
        px = [p for j, _ in steps for p in (j - 0.5, j + 0.5)]
        py = [p for _, i in steps for p in (i - 0.5, i - 0.5)]
        ax.plot(px, py, color="black", linewidth=2.5, label=f"frontier: smallest {b} meeting every target")
        ax.legend(loc="upper left", fontsize=8, bbox_to_anchor=(0, -0.12))
    for x, y in front.items():
        if y is None:
            ax.text(xs.index(x), len(ys) - 0.5, "×", ha="center", va="bottom", fontsize=12, color="black")
    ax.set_xticks(range(len(xs)), [f"{x:g}" for x in xs])
    ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    title(fig, f"targets met over {a} × {b}", scenario, replications,
          note="×: no level meets every target")  # fmt: skip
    return fig
