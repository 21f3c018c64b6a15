"""The command-line grammar (DESIGN §2): every command, its options and their help."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn

from sim.cli.commands import cmd_experiment, cmd_plot, cmd_selfcheck, cmd_trace, cmd_validate
from sim.cli.failures import EXIT_BAD_INPUT
from sim.cli.options import (
    EXPERIMENTS,
    add_limit_options,
    add_set_option,
    max_replications_option,
    non_negative_int,
    positive_int,
    precision_option,
    replications_option,
    troop_levels,
    troops_option,
)
from sim.experiment.plan import MAX_REPLICATIONS, MIN_PRECISION

DESCRIPTION = (
    "summit-sim: discrete-event simulation of the staffing, air coverage and fuel of a multi-city summit's "
    "security; where and when it falls short, how likely that is, and how many people it needs."
)
METRICS_HELP = (
    "Every metric and how a target is checked: docs/metrics.md; the scenario format: scenarios/README.md "
    "(both in the summit-sim repository)."
)

DEBUG_HELP = "on an unexpected error, show the Python traceback (instead of a log file's path)"


_EXPERIMENT_HELP = {
    "run": "Monte Carlo replications at one staffing level, with 95% confidence intervals",
    "sweep": "the same over several troop levels on common random numbers; the smallest level meeting "
    "the targets",
    "compare": "paired comparison of two or more scenario variants (files, overlays, --variant groups) "
    "on common random numbers, each against the first",
}


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exits with 2 too; keep its wording
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"summit-sim: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar (DESIGN §2)."""
    parser = Parser(prog="summit-sim", description=DESCRIPTION, epilog=METRICS_HELP)
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    p = sub.add_parser(
        "validate", help="check a scenario file and print what it contains", epilog=METRICS_HELP
    )
    p.add_argument("scenario")
    add_set_option(p)
    add_limit_options(p)
    p.set_defaults(func=cmd_validate)

    p = sub.add_parser("trace", help="one replication's event log (CSV) and metrics", epilog=METRICS_HELP)
    p.add_argument("scenario")
    p.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    p.add_argument("--troops", type=troops_option, help="headcount of the swept force")
    p.add_argument("--out", help="output folder (default results/<scenario>/trace-<timestamp>)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_set_option(p)
    add_limit_options(p)
    p.set_defaults(func=cmd_trace)

    p = sub.add_parser("plot", help="redraw the figures (and report.html) of a results or trace folder")
    p.add_argument("folder", metavar="RESULTS_DIR")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=cmd_plot)

    for command in EXPERIMENTS:
        text = _EXPERIMENT_HELP[command]
        p = sub.add_parser(command, help=text.replace("%", "%%"), description=text, epilog=METRICS_HELP)
        _add_experiment_options(p, command)

    from sim.cli.decide import add_decide_commands

    add_decide_commands(sub)
    p = sub.add_parser("selfcheck", help="run the analytic validation cases: theory vs simulation with CIs")
    p.add_argument("--quick", action="store_true", help="fewer replications (under a minute)")
    p.set_defaults(func=cmd_selfcheck)
    for p in sub.choices.values():  # `--debug` is accepted after the command too
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return parser


def _add_experiment_options(p: argparse.ArgumentParser, command: str) -> None:
    """The options of `run`, `sweep` and `compare` (the fields of `RunOptions`, and --resume)."""
    what = "scenario files or overlays; the first is the base" if command == "compare" else "scenario file"
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=what)
    how_many = p.add_mutually_exclusive_group()
    how_many.add_argument(
        "--replications",
        "-n",
        type=replications_option,
        help=f"replications per level, at most {MAX_REPLICATIONS:,} (default: the scenario's `replications`)",
    )
    how_many.add_argument(
        "--precision",
        type=precision_option,
        metavar="H",
        help="add replications until every target metric's 95%% CI half-width is at "
        f"most H, from {MIN_PRECISION:g} to 1 (see docs/statistics.md)",
    )
    p.add_argument(
        "--max-replications",
        type=max_replications_option,
        metavar="N",
        help=f"cap on replications per level with --precision (default 1000, at most {MAX_REPLICATIONS:,})",
    )
    p.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    if command == "sweep":
        p.add_argument(
            "--troops",
            type=troop_levels,
            metavar="START:STOP:STEP|A,B,...",
            help="troop levels of the swept force, e.g. 0:1200:100 or 300,600,900 (short for --vary "
            "troops=...; with --vary, one level holds the headcount there)",
        )
        p.add_argument(
            "--vary", action="append", metavar="PATH=START:STOP:STEP|PATH=A,B,...",
            help="levels of any number in the scenario, e.g. --vary aircraft.mh60_ag8.count=1:4:1; one or "
            "two inputs in all (two make a grid)",
        )  # fmt: skip
        p.add_argument(
            "--vary-group", action="append", metavar="PATH+PATH=FACTORS",
            help="several values scaled together by one factor (fixed ratios), e.g. "
            "'forces.us.headcount+forces.host_military.headcount=0.5:1.5:0.25'; * for every key: "
            "'forces.*.headcount=0.8,1,1.2'",
        )  # fmt: skip
    else:
        p.add_argument("--troops", type=troops_option, help="headcount of the swept force")
    p.add_argument("--workers", type=positive_int, help="local worker processes (default: all cores)")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster (needs summit-sim[dask])"
    )
    p.add_argument("--out", help=f"output folder (default results/<scenario>/{command}-<timestamp>)")
    p.add_argument("--resume", metavar="DIR", help="finish an interrupted run kept in DIR")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    add_set_option(p, variants=command == "compare")
    add_limit_options(p)
    p.set_defaults(func=cmd_experiment)  # fmt: skip
