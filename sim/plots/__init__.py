"""Figures from results tables. Each figure function takes tables (DataFrames) and returns a matplotlib
`Figure`, titled with the scenario and the number of replications, with units on its axes and local
times on its time axes.

Figures are built without pyplot (no global state, no display needed), so they render the same in a
terminal, a notebook or a worker. Only `sim.plots.files` reads and writes files: `save_figures(folder)`
draws a results folder's figures into its `figures/`, `save_trace_figures(folder)` a trace's.

| module | figures |
| --- | --- |
| `sweep` | coverage and P(critical gap) against troops, the marginal value of each step; two variants |
| `targets` | each target against troops, the most binding first |
| `gaps` | heatmap of shortfall person-hours by site (and city) and local hour |
| `demands` | the critical posts and air requirements that fall short at a level, worst first |
| `distributions` | escort delay and incident response time, empirical CDF per level |
| `trace` | air coverage over time, fuel stock over time, posts' shortfalls over time (one replication) |

Shared by the figures: `common` (a figure, its title, time and percentage axes), `labels` (a metric's
name, axis label and better direction) and `levels` (a metric drawn against the level); numbers and
metric columns are read and printed by sim.numbers. These names are imported on first use
(sim.lazy), so that matplotlib and pandas are loaded only once a figure is drawn.
"""

from typing import TYPE_CHECKING

from sim.lazy import lazy_exports

if TYPE_CHECKING:
    from sim.plots.demands import demands_at_level, failing_air, failing_posts
    from sim.plots.distributions import ecdf, escort_delay_ecdf, response_time_ecdf
    from sim.plots.files import (
        NotAResultsFolder,
        folder_kind,
        read_results,
        read_trace,
        results_figures,
        save_figures,
        save_trace_figures,
        trace_figures,
    )
    from sim.plots.gaps import ShortfallGrid, shortfall_by_hour, shortfall_heatmap, top_hours, top_places
    from sim.plots.labels import metric_label
    from sim.plots.sweep import compare_variants, coverage_vs_troops, marginal_value
    from sim.plots.targets import targets_vs_troops
    from sim.plots.trace import air_coverage_timeline, fuel_levels, post_shortfall_timeline

__all__ = [
    "NotAResultsFolder",
    "ShortfallGrid",
    "air_coverage_timeline",
    "compare_variants",
    "coverage_vs_troops",
    "demands_at_level",
    "ecdf",
    "escort_delay_ecdf",
    "failing_air",
    "failing_posts",
    "folder_kind",
    "fuel_levels",
    "marginal_value",
    "metric_label",
    "post_shortfall_timeline",
    "read_results",
    "read_trace",
    "response_time_ecdf",
    "results_figures",
    "save_figures",
    "save_trace_figures",
    "shortfall_by_hour",
    "shortfall_heatmap",
    "targets_vs_troops",
    "top_hours",
    "top_places",
    "trace_figures",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "sim.plots.demands": ["demands_at_level", "failing_air", "failing_posts"],
        "sim.plots.distributions": ["ecdf", "escort_delay_ecdf", "response_time_ecdf"],
        "sim.plots.files": [
            "NotAResultsFolder",
            "folder_kind",
            "read_results",
            "read_trace",
            "results_figures",
            "save_figures",
            "save_trace_figures",
            "trace_figures",
        ],
        "sim.plots.gaps": [
            "ShortfallGrid",
            "shortfall_by_hour",
            "shortfall_heatmap",
            "top_hours",
            "top_places",
        ],
        "sim.plots.labels": ["metric_label"],
        "sim.plots.sweep": ["compare_variants", "coverage_vs_troops", "marginal_value"],
        "sim.plots.targets": ["targets_vs_troops"],
        "sim.plots.trace": ["air_coverage_timeline", "fuel_levels", "post_shortfall_timeline"],
    },
)
