"""`report.html` of a results folder: one self-contained page (figures embedded as PNG) that answers the
folder's question target by target (each by its name in `targets.csv`, with its estimate, the checked 95%
bound and the verdict, saying when replications rather than troops are missing and how many would show
it), with the tables per level, what falls short worst first (critical posts, air requirements, forces,
delegations, incident streams: the folder's demand tables), the figures, where and when the worst gaps
are, and how it was computed, in the spirit of the STRESS-DES reporting guideline for discrete-event
simulation studies. Numbers are printed for people by sim.numbers; the metrics are defined in
docs/metrics.md.

This module draws the figures, gathers the page's parts and writes it; the parts are built by
`answer` (the question and the answer, target by target), `per_level` (the tables per level),
`demands` (what falls short, and where and when) and `provenance` (the scenario and how to reproduce
the run), their cells by `cells`. The page is rendered from `templates/report.html.j2` (Jinja2,
autoescaped) and depends only on the folder's files, so `summit-sim plot` redraws it byte for byte.
"""

from __future__ import annotations

import base64
import functools
import os
import re
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from sim.plots.files import ResultsTables, draw_figures, read_results
from sim.report.answer import headline, question, target_names
from sim.report.cells import level_name, ph
from sim.report.demands import demands, worst
from sim.report.per_level import per_level, target_grid
from sim.report.provenance import facts, reproducibility, scenario_summary
from sim.scenario.errors import printable

__all__ = ["FIGURE_CAPTIONS", "METRICS_DOC", "prepare", "render_folder", "write_report"]

METRICS_DOC = "docs/metrics.md"  # where the project defines every metric, its unit, scope and interval
FIGURE_CAPTIONS = {
    "coverage_vs_troops": "Post coverage, P(critical gap) and air coverage against troop level: mean over "
    "replications with its 95% confidence band (Wilson for P(critical gap)), the whole-event targets "
    "dashed, and the smallest level meeting every target dotted. When the scenario has a coverage or "
    "critical-gap target on the swept force, that force's own posts are drawn too (dash-dot, orange), "
    "with their target: the pooled line can pass while the force's posts fall short.",
    "targets_vs_troops": "Each target against troop level, the most binding first (those still missed at "
    "the highest level, then those met only late): the checked metric's mean and 95% band, the target, "
    "and the interval bound that is checked (green: met, red: missed, orange: undecided, that is the "
    "estimate meets the target but the replications cannot show it yet). A percentile target is drawn "
    "as the share it is checked on (escort delay p95 ≤ 15 min: at least 95% of movements within 15 min).",
    "marginal_value": "What each step of troops buys: the paired difference with the level below on common "
    "random numbers, with its 95% CI (filled: the interval excludes 0); each axis says which direction is "
    "better, shares in percentage points.",
    "compare_variants": "The variants side by side: each variant's mean and 95% CI per metric; the "
    "paired difference of each from the first is in each panel's title (∞: a failure counted as infinite, "
    "not drawn).",
    "escort_delay_ecdf": "Escort delay, counted from the time each movement was due: the share of "
    "delegation movements that waited at most x minutes for their escort, pooled over replications, per "
    "level; never escorted counts as later than any x. Lines: the targets on escort delay, each at its "
    "bound and share (a target on one delegation or tier is drawn against the curve of every movement).",
    "response_time_ecdf": "Incident response time (wait for a team plus travel): the share of incidents "
    "answered within x minutes, pooled over replications, per level; never answered counts as late. "
    "Lines: the targets on response time at their bound and share, and each incident stream's target.",
}
_SHORTFALL_CAPTION = ("Where and when posts were short at {level}: person-hours short per site (top) and "
                      "city (bottom) in each local hour, mean per replication; blank where nobody was "
                      "short.")  # fmt: skip
_DEMANDS_CAPTION = ("What falls short at {level}, worst first: each critical post short beyond the "
                    "critical-gap tolerance in some replication, by P(short beyond the tolerance) with its "
                    "Wilson interval; each air requirement below full coverage, by coverage with its 95% "
                    "interval, coloured by its target's verdict (black tick: the target).")  # fmt: skip


def _visible(value: object) -> object:
    """A text from the files shown as it is: control characters (NUL) and invisible format characters
    (right-to-left overrides, which reorder what the reader sees) written as their escapes; line breaks
    and tabs kept. HTML the report made itself (`Markup`) is left alone."""
    if not isinstance(value, str) or isinstance(value, Markup):
        return value
    if value.isascii() and not _ASCII_CONTROL.search(value):  # the common case (an embedded PNG) at once
        return value
    if all(c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf") for c in value):
        return value
    return "".join(
        c if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf") else printable(c) for c in value
    )


_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # ASCII's Cc characters but line breaks, tabs


@functools.cache
def _env() -> jinja2.Environment:
    """The template's environment: autoescaped, strict about missing names, with the `ph` filter; made
    once, so that its templates are compiled once."""
    loader = jinja2.FileSystemLoader(Path(__file__).parent / "templates")
    env = jinja2.Environment(loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                             finalize=_visible)  # fmt: skip
    env.filters["ph"] = ph
    return env


def _figures(paths: Mapping[str, Path], t: ResultsTables) -> list[dict[str, str]]:
    """Each figure's file name, caption and PNG (base64) for embedding, in drawing order."""
    out = []
    for stem, path in paths.items():
        if stem.startswith(("shortfall_at_", "demands_at_")):
            prefix, template = (("shortfall_at_", _SHORTFALL_CAPTION) if stem.startswith("shortfall_at_")
                                else ("demands_at_", _DEMANDS_CAPTION))  # fmt: skip
            label = next((lab for lab in t.focus if stem.endswith(lab)), stem[len(prefix) :])
            caption = template.format(level=level_name(t, label))
        else:
            caption = FIGURE_CAPTIONS.get(stem, stem)
        data = base64.b64encode(path.read_bytes()).decode("ascii")
        out.append({"name": f"figures/{path.name}", "caption": caption, "data": data})
    return out


def write_report(tables: ResultsTables, figures: Mapping[str, Path]) -> Path:
    """Write `report.html` into the tables' folder (by way of a temporary file); return its path."""
    t = tables
    resolved = t.resolved()
    targets = target_names(t)
    context = {
        "scenario": t.scenario_name,
        "description": resolved.get("description"),
        "command": t.command,
        "key": t.key,
        "question": question(t, targets),
        "targets": targets,
        "headline": headline(t),
        "target_grid": target_grid(t),
        "per_level": per_level(t),
        "demands": demands(t),
        "labels": t.labels,
        "level_names": {label: level_name(t, label) for label in t.labels},
        "summary_text": scenario_summary(t.manifest["scenarios"][0]),
        "facts": facts(resolved),
        "figures": _figures(figures, t),
        "worst": worst(t),
        "repro": reproducibility(t),
        "replications": t.replications,
        "metrics_doc": METRICS_DOC,
        "differs": t.manifest.get("differs") or [],
        "inputs": t.manifest.get("inputs") or [],
    }
    html = _env().get_template("report.html.j2").render(**context)
    path = t.folder / "report.html"
    tmp = t.folder / ".report.html.tmp"
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path


def prepare() -> None:
    """Compile the report's template (this module's import has loaded matplotlib, pandas and jinja2):
    done while an experiment's workers run, it is off the tail that follows their last batch."""
    _env().get_template("report.html.j2")


def render_folder(folder: str | os.PathLike[str], manifest: dict[str, Any] | None = None) -> Path:
    """Draw a results folder's figures into `figures/` and write its `report.html`; return the report.

    `manifest` (default: the folder's manifest.json) lets the runner render a folder it is finishing.
    """
    tables = read_results(folder, manifest)
    with draw_figures(folder, tables) as figures:  # drawn in another process while the report is built
        return write_report(tables, figures)
