"""`summit-sim`: thin glue from the command line to the scenario loader, model and results writers.

Exit status: 0 success, 2 bad input (scenario or options), 1 anything else.
"""

from __future__ import annotations

import argparse
import contextlib
import shlex
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NoReturn

from sim import api
from sim.experiment import BadExperiment, Interrupted, RunOptions, design_compare, design_run, design_sweep
from sim.experiment.design import replication_warnings
from sim.experiment.plan import parse_troops
from sim.metrics import compute_metrics
from sim.model import run_replication
from sim.report.text import print_trace_summary
from sim.results.files import atomic_folder, default_out
from sim.results.trace import write_trace_folder
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.summary import describe_scenario

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2
_METRICS_HELP = (
    "Every metric and how a target is checked: docs/metrics.md; the scenario format: scenarios/README.md "
    "(both in the summit-sim repository)."
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exits with 2 too; keep its wording
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"summit-sim: error: {message}\n")


def _cmd_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    print(f"{args.scenario}: valid")
    print(describe_scenario(scenario))
    _warn(replication_warnings(scenario))
    return EXIT_OK


def _warn(warnings: list[str]) -> None:
    for text in warnings:
        print(f"summit-sim: warning: {text}", file=sys.stderr)


def _cmd_trace(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if args.troops is not None and scenario.swept_force is None:
        raise _BadOption("--troops needs a force marked `swept: true` in the scenario")
    record = run_replication(scenario, seed=args.seed, troops=args.troops, trace=True)
    out = Path(args.out) if args.out else default_out("results", scenario.name, "trace")
    metrics = compute_metrics(record)
    from sim.plots.files import save_trace_figures  # matplotlib: imported only by the commands that draw

    with atomic_folder(out) as tmp:
        write_trace_folder(tmp, scenario, record, metrics, args.command_line)
        save_trace_figures(tmp)
    if not args.quiet:
        print_trace_summary(scenario, record, metrics, out)
    return EXIT_OK


def _cmd_plot(args: argparse.Namespace) -> int:
    """Redraw the figures (and, for a results folder, report.html) from the folder's files."""
    from sim.plots.files import NotAResultsFolder, folder_kind, save_trace_figures

    folder = Path(args.folder)
    try:
        kind = folder_kind(folder)
    except NotAResultsFolder as e:
        raise _BadOption(str(e)) from None
    if kind == "trace":
        written = list(save_trace_figures(folder).values())
    else:
        from sim.report.html import render_folder

        report = render_folder(folder)
        written = [*sorted((folder / "figures").glob("*.png")), report]
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
    return EXIT_OK


class _BadOption(Exception):
    """A command-line option that cannot be honoured (exit status 2)."""


_RESUME_FIXED = ("troops", "replications", "precision", "max_replications", "seed", "out")


@contextlib.contextmanager
def _progress_bar(quiet: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on the replications, unless --quiet or stdout is not a terminal."""
    from rich.console import Console

    console = Console()
    if quiet or not console.is_terminal:
        yield None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn, TimeRemainingColumn

    columns = ("replications", BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    # Redrawn on each finished batch rather than by a refresh thread, so that worker processes can be
    # forked from a single-threaded process (see sim.experiment.executors).
    with Progress(*columns, console=console, transient=True, auto_refresh=False) as bar:
        task = bar.add_task("replications", total=None)

        def update(done: int, planned: int) -> None:
            bar.update(task, completed=done, total=planned, refresh=True)

        yield update


def _cmd_experiment(args: argparse.Namespace) -> int:
    """`run`, `sweep` and `compare`: Monte Carlo replications into a results folder, then a summary."""
    if args.resume:
        given = [f"--{k.replace('_', '-')}" for k in _RESUME_FIXED if getattr(args, k) is not None]
        if given or args.scenarios:
            what = ", ".join(given + (["a scenario"] if args.scenarios else []))
            raise _BadOption(f"--resume takes its settings from the folder's manifest; drop {what}")
        options = RunOptions(workers=args.workers, scheduler=args.scheduler, command_line=args.command_line)
        with _progress_bar(args.quiet) as progress:
            outcome = api.resume_experiment(args.resume, options, progress)
        if outcome.command != args.command:
            print(f"summit-sim: note: {args.resume} was a `{outcome.command}`", file=sys.stderr)
    else:
        options = _run_options(args)
        design = _design(args, options)
        if design.plan.replications is not None:
            for source in design.sources:
                _warn(replication_warnings(source.scenario, design.plan.replications))
        with _progress_bar(args.quiet) as progress:
            outcome = api.start_experiment(design, options, progress)
    if not args.quiet:
        from sim.report.console import print_outcome

        print_outcome(outcome)
    return EXIT_OK


def _run_options(args: argparse.Namespace) -> RunOptions:
    return RunOptions(
        replications=args.replications,
        precision=args.precision,
        max_replications=args.max_replications or 1000,
        seed=args.seed,
        troops=None if args.command == "sweep" else args.troops,
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        command_line=args.command_line,
    )


def _design(args: argparse.Namespace, options: RunOptions) -> api.Design:
    wanted = 2 if args.command == "compare" else 1
    if len(args.scenarios) != wanted:
        raise _BadOption(f"`{args.command}` takes {wanted} scenario file{'s' * (wanted > 1)}, "
                         f"got {len(args.scenarios)}")  # fmt: skip
    if args.command == "sweep":
        if args.troops is None:
            raise _BadOption("`sweep` needs --troops START:STOP:STEP or a list like 300,600,900")
        return design_sweep(args.scenarios[0], args.troops, options)
    if args.command == "compare":
        return design_compare(args.scenarios[0], args.scenarios[1], options)
    return design_run(args.scenarios[0], options)


def _cmd_selfcheck(args: argparse.Namespace) -> int:
    """The model's analytic validation cases: theory against simulation, exit 0 only if all agree."""
    import time

    from sim.report.text import make_console
    from sim.validation.selfcheck import all_agree, print_selfcheck, run_selfcheck

    console = make_console()
    t0 = time.perf_counter()
    with console.status("running the validation cases", spinner="dots") as status:
        rows = run_selfcheck(args.quick, progress=lambda case: status.update(f"case: {case}"))
    print_selfcheck(rows, console, time.perf_counter() - t0)
    return EXIT_OK if all_agree(rows) else EXIT_FAIL


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar (DESIGN §2)."""
    parser = _Parser(prog="summit-sim", description=__doc__.splitlines()[0], epilog=_METRICS_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "validate", help="check a scenario file and print what it contains", epilog=_METRICS_HELP
    )
    p.add_argument("scenario")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("trace", help="one replication's event log (CSV) and metrics", epilog=_METRICS_HELP)
    p.add_argument("scenario")
    p.add_argument("--seed", type=_non_negative_int, help="root seed (default: the scenario's)")
    p.add_argument("--troops", type=_non_negative_int, help="headcount of the swept force")
    p.add_argument("--out", help="output folder (default results/<scenario>/trace-<timestamp>)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=_cmd_trace)

    p = sub.add_parser("plot", help="redraw the figures (and report.html) of a results or trace folder")
    p.add_argument("folder", metavar="RESULTS_DIR")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=_cmd_plot)

    for command, text in _EXPERIMENT_HELP.items():
        p = sub.add_parser(command, help=text.replace("%", "%%"), description=text, epilog=_METRICS_HELP)
        _add_experiment_options(p, command)

    p = sub.add_parser("selfcheck", help="run the analytic validation cases: theory vs simulation with CIs")
    p.add_argument("--quick", action="store_true", help="fewer replications (under a minute)")
    p.set_defaults(func=_cmd_selfcheck)
    return parser


_EXPERIMENT_HELP = {
    "run": "Monte Carlo replications at one staffing level, with 95% confidence intervals",
    "sweep": "the same over several troop levels on common random numbers; the smallest level meeting "
    "the targets",
    "compare": "paired comparison of two scenario variants on common random numbers",
}


def _add_experiment_options(p: argparse.ArgumentParser, command: str) -> None:
    """The options of `run`, `sweep` and `compare` (the fields of `RunOptions`, and --resume)."""
    what = "scenario A, then scenario B" if command == "compare" else "scenario file"
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=what)
    how_many = p.add_mutually_exclusive_group()
    how_many.add_argument(
        "--replications",
        "-n",
        type=_positive_int,
        help="replications per level (default: the scenario's `replications`)",
    )
    how_many.add_argument(
        "--precision",
        type=_precision,
        metavar="H",
        help="add replications until every target metric's 95%% CI half-width is at "
        "most H (see docs/statistics.md)",
    )
    p.add_argument(
        "--max-replications",
        type=_at_least_two,
        metavar="N",
        help="cap on replications per level with --precision (default 1000)",
    )
    p.add_argument("--seed", type=_non_negative_int, help="root seed (default: the scenario's)")
    if command == "sweep":
        p.add_argument(
            "--troops",
            type=_troop_levels,
            metavar="START:STOP:STEP|A,B,...",
            help="troop levels of the swept force, e.g. 0:1200:100 or 300,600,900",
        )
    else:
        p.add_argument("--troops", type=_non_negative_int, help="headcount of the swept force")
    p.add_argument("--workers", type=_positive_int, help="local worker processes (default: all cores)")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster (needs summit-sim[dask])"
    )
    p.add_argument("--out", help=f"output folder (default results/<scenario>/{command}-<timestamp>)")
    p.add_argument("--resume", metavar="DIR", help="finish an interrupted run kept in DIR")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    p.set_defaults(func=_cmd_experiment)  # fmt: skip


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _at_least_two(text: str) -> int:
    value = _non_negative_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"must be 2 or more (an interval needs two replications), got {value}"
        )
    return value


def _precision(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.02, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (a CI half-width like 0.02), got {text}")
    return value


def _troop_levels(text: str) -> list[int]:
    try:
        return parse_troops(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; print problems (never a traceback) for bad input."""
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    args.command_line = shlex.join(["summit-sim", *argv])  # recorded in manifests, as typed
    try:
        return args.func(args)
    except ScenarioError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        n = len(e.problems)
        print(f"summit-sim: {n} problem{'s' * (n != 1)} in the scenario", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (_BadOption, BadExperiment) as e:
        print(f"summit-sim: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except Interrupted as e:
        print(f"summit-sim: interrupted: {e.done:,} of {e.planned:,} replications kept in {e.folder}",
              file=sys.stderr)  # fmt: skip
        print(f"summit-sim: continue with: summit-sim {args.command} --resume {e.folder}", file=sys.stderr)
        return 130
    except FileExistsError as e:
        print(f"summit-sim: error: {e}; choose another --out", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("summit-sim: interrupted", file=sys.stderr)
        return 130
