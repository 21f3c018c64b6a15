"""`summit-sim`: thin glue from the command line to the scenario loader, model and results writers.

Exit status (README, "Exit status"): 0 success; 2 bad input (scenario, options, a path that cannot be
used); 1 a failure of the machine or the cluster (one line saying what), or anything unexpected (one line
and the path of a log holding the traceback; `--debug` shows the traceback instead); 130 interrupted;
141 when the output is closed early (`| head`), quietly. Never a traceback without `--debug`.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import errno
import json
import os
import platform
import shlex
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

# Only what every command needs is imported here (`validate` is the lightest: the scenario and the
# work estimate). numpy, SimPy and the model, rich, matplotlib, Jinja2, pandas, Dask and the experiment's
# writers are imported by the commands that use them; tests/architecture/test_lazy_imports.py checks.
from sim.experiment import BadExperiment, RunOptions, design_compare, design_run, design_sweep
from sim.experiment.design import Source, design_vary, design_warnings, load_source, replication_warnings
from sim.experiment.executors import BadScheduler, ClusterError
from sim.experiment.feasibility import MAX_EVENTS, MAX_MEMORY_GB, check_limits, demand_warnings, work_estimate
from sim.experiment.plan import MAX_REPLICATIONS, MAX_TROOPS, MIN_PRECISION, parse_troops
from sim.results.files import IncompleteResults, atomic_folder, default_out, kept_folder, unused_out
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.summary import describe_scenario
from sim.version import __version__

if TYPE_CHECKING:
    from sim import api

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INTERRUPTED, EXIT_PIPE = 0, 1, 2, 130, 141
_METRICS_HELP = (
    "Every metric and how a target is checked: docs/metrics.md; the scenario format: scenarios/README.md "
    "(both in the summit-sim repository)."
)


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exits with 2 too; keep its wording
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"summit-sim: error: {message}\n")


def _cmd_validate(args: argparse.Namespace) -> int:
    src = source_with_sets(args, args.scenario)
    scenario = src.scenario
    limits = {"max_events": args.max_events, "max_memory_gb": args.max_memory}
    workers = os.cpu_count() or 1
    problems = check_limits(scenario, workers=workers, file=args.scenario, **limits)
    if problems:
        raise ScenarioError(problems)
    print(f"{args.scenario}: valid")
    base = src.files[1] if len(src.files) > 1 else None  # the base an overlay names
    if base is not None:
        _print_differences(f"an overlay on {os.path.normpath(base)}; what it changes", load_scenario(base),
                           load_scenario(args.scenario))  # fmt: skip
    if src.overrides:
        _print_differences("--set changes, from the file", load_scenario(args.scenario), scenario)
    print(describe_scenario(scenario))
    print(f"work: {work_estimate(scenario, workers=workers).describe()}")
    _warn(demand_warnings(scenario) + replication_warnings(scenario))
    return EXIT_OK


def _print_differences(title: str, a: Scenario, b: Scenario) -> None:
    """Each field whose resolved value differs from `a` to `b`, one line each."""
    from sim.scenario.overrides import differences

    found = differences(a, b)
    print(f"{title} ({len(found)} field{'s' * (len(found) != 1)}):")
    for d in found:
        print(f"  {d.path}: {_value(d.a)} -> {_value(d.b)}")


def _value(x: object) -> str:
    return "(not set)" if x is None else _one_line(json.dumps(x, default=str), 120)


def _warn(warnings: list[str]) -> None:
    for text in warnings:
        print(f"summit-sim: warning: {text}", file=sys.stderr)


def _cmd_trace(args: argparse.Namespace) -> int:
    scenario = source_with_sets(args, args.scenario).scenario
    if args.troops is not None and scenario.swept_force is None:
        raise _BadOption("--troops needs a force marked `swept: true` in the scenario")
    problems = check_limits(
        scenario, 1, troops=args.troops, trace=True, max_events=args.max_events,
        max_memory_gb=args.max_memory, file=args.scenario,
    )  # fmt: skip
    if problems:
        raise ScenarioError(problems)
    _warn(demand_warnings(scenario, args.troops))
    out = Path(args.out) if args.out else unused_out(default_out("results", scenario.name, "trace"))
    from sim.metrics import compute_metrics
    from sim.model import run_replication
    from sim.plots.files import save_trace_figures  # matplotlib: imported only by the commands that draw
    from sim.report.text import print_trace_summary
    from sim.results.trace import write_trace_folder

    # The folder first, so that an --out that cannot be written is refused before the replication runs.
    with atomic_folder(out) as tmp:
        record = run_replication(scenario, seed=args.seed, troops=args.troops, trace=True)
        metrics = compute_metrics(record)
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
    try:
        if kind == "trace":
            written = list(save_trace_figures(folder).values())
        else:
            from sim.report.html import render_folder

            report = render_folder(folder)
            written = [*sorted((folder / "figures").glob("*.png")), report]
    except BaseException:  # a read-only folder, a full disk: leave no half-written temporary behind
        for stray in (folder / ".report.html.tmp", *folder.glob("figures/.*.png.tmp")):
            with contextlib.suppress(OSError):
                stray.unlink()
        raise
    if not args.quiet:
        for path in written:
            print(f"wrote {path}")
    return EXIT_OK


class _BadOption(Exception):
    """A command-line option that cannot be honoured (exit status 2)."""


_RESUME_FIXED = ("troops", "replications", "precision", "max_replications", "seed", "out", "set", "vary",
                 "vary_group", "variant")  # fmt: skip


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


def _quiet_dask() -> None:
    """Keep Dask's own log lines (a lost connection logged with its traceback) off the terminal: a
    cluster that fails is said in one line (exit status 1); `--debug` shows them."""
    import logging

    try:
        import distributed  # noqa: F401 - importing it sets up the handlers quieted here
    except ImportError:
        return
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.split(".")[0] == "distributed":
            for handler in logger.handlers:
                handler.setLevel(logging.CRITICAL + 1)


def _cmd_experiment(args: argparse.Namespace) -> int:
    """`run`, `sweep` and `compare`: Monte Carlo replications into a results folder, then a summary."""
    from sim import api

    if args.scheduler is not None and not getattr(args, "debug", False):
        _quiet_dask()
    if args.resume:
        given = [f"--{k.replace('_', '-')}" for k in _RESUME_FIXED if getattr(args, k, None)]
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
        _warn(design_warnings(design))
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
        troops=_fixed_troops(args),
        workers=args.workers,
        scheduler=args.scheduler,
        out=args.out,
        command_line=args.command_line,
        max_events=args.max_events,
        max_memory_gb=args.max_memory,
    )


def _fixed_troops(args: argparse.Namespace) -> int | None:
    """The one headcount of the swept force for every variant: `--troops N`, or in a sweep over other
    inputs (--vary) a single --troops level."""
    if args.command != "sweep":
        return args.troops
    varied = bool(args.vary or args.vary_group)
    return args.troops[0] if varied and args.troops is not None and len(args.troops) == 1 else None


def _design(args: argparse.Namespace, options: RunOptions) -> api.Design:
    if args.command == "compare":
        return design_compare(*_compared(args), options=options)
    if len(args.scenarios) != 1:
        raise _BadOption(f"`{args.command}` takes 1 scenario file, got {len(args.scenarios)}")
    source = source_with_sets(args, args.scenarios[0])
    if args.command == "sweep":
        from sim.experiment.vary import parse_vary, parse_vary_group

        inputs = [parse_vary(t) for t in args.vary or []] + [
            parse_vary_group(t) for t in args.vary_group or []
        ]
        if not inputs:
            if args.troops is None:
                raise _BadOption("`sweep` needs --troops START:STOP:STEP (or a list like 300,600,900) or "
                                 "--vary PATH=START:STOP:STEP")  # fmt: skip
            return design_sweep(source, args.troops, options)
        if args.troops is not None and options.troops is None:
            inputs.insert(0, parse_vary(f"troops={','.join(map(str, args.troops))}"))
        return design_vary(source, inputs, options)
    return design_run(source, options)


def _compared(args: argparse.Namespace) -> list[Source]:
    """The variants of `compare`: each scenario file or overlay given, then each `--variant NAME` (the first
    scenario with that variant's --set); a --set given before any --variant applies to every one."""
    named = args.variant or []
    if not args.scenarios:
        raise _BadOption("`compare` takes a scenario file (or several), then any --variant NAME --set ...")
    if len(args.scenarios) + len(named) < 2:
        raise _BadOption("`compare` needs at least two variants: two scenario files, or a scenario and "
                         "--variant NAME --set PATH=VALUE")  # fmt: skip
    common = set_overrides(args)
    sources = [load_source(path, common) for path in args.scenarios]
    for name, sets in named:
        if not sets:
            raise _BadOption(f"--variant {name} changes nothing: give --set PATH=VALUE after it")
        sources.append(load_source(args.scenarios[0], [*common, *sets], label=name))
    return sources


def set_overrides(args: argparse.Namespace) -> tuple[str, ...]:
    """The `--set PATH=VALUE` texts of a command (for every variant), in the order given: what
    `load_source(path, set_overrides(args))` applies. For the commands that take `add_set_option`."""
    return tuple(getattr(args, "set", None) or ())


def source_with_sets(args: argparse.Namespace, path: str) -> Source:
    """The scenario file (or overlay) at `path` with the command's `--set` overrides applied and
    validated whole (ScenarioError naming a bad override): the one call a command needs to honour
    `add_set_option`. `.scenario` is the changed scenario; `.overrides` what was applied."""
    return load_source(path, set_overrides(args))


class _SetAction(argparse.Action):
    """`--set PATH=VALUE`: for every variant, or after a `--variant NAME` for that variant only."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:  # fmt: skip
        groups = getattr(namespace, "variant", None)
        if groups:
            groups[-1][1].append(str(values))
        else:
            namespace.set = [*(getattr(namespace, "set", None) or []), str(values)]


class _VariantAction(argparse.Action):
    """`--variant NAME`: a new variant of the first scenario, changed by the --set options after it."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace, values: object,
                 option_string: str | None = None) -> None:  # fmt: skip
        name = str(values)
        if any(name == n for n, _sets in getattr(namespace, "variant", None) or []):
            raise argparse.ArgumentError(self, f"variant {name!r} is named twice")
        namespace.variant = [*(getattr(namespace, "variant", None) or []), (name, [])]


def add_set_option(p: argparse.ArgumentParser, variants: bool = False) -> None:
    """`--set PATH=VALUE` (repeatable) on a command; with `variants`, `--variant NAME` groups too. The
    command applies them with `source_with_sets(args, path)` (the texts: `set_overrides(args)`; the
    groups: `args.variant`)."""
    p.add_argument(
        "--set", action=_SetAction, metavar="PATH=VALUE", default=None,
        help="change one scenario value without editing the file, e.g. --set forces.us.absence_prob=0.04 or "
        "--set aircraft.mh60_ag8.count=2 (repeatable; scenarios/README.md, 'Overrides')"
        + ("; after --variant NAME, for that variant only" if variants else ""),
    )  # fmt: skip
    if variants:
        p.add_argument(
            "--variant", action=_VariantAction, metavar="NAME", default=None,
            help="one more variant: the first scenario changed by the --set options that follow, e.g. "
            "--variant mh60_down --set aircraft.mh60_ag8.count=2 (repeatable)",
        )  # fmt: skip


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
    parser.add_argument("--debug", action="store_true", help=_DEBUG_HELP)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser(
        "validate", help="check a scenario file and print what it contains", epilog=_METRICS_HELP
    )
    p.add_argument("scenario")
    add_set_option(p)
    _add_limit_options(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("trace", help="one replication's event log (CSV) and metrics", epilog=_METRICS_HELP)
    p.add_argument("scenario")
    p.add_argument("--seed", type=_non_negative_int, help="root seed (default: the scenario's)")
    p.add_argument("--troops", type=_troops, help="headcount of the swept force")
    p.add_argument("--out", help="output folder (default results/<scenario>/trace-<timestamp>)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    add_set_option(p)
    _add_limit_options(p)
    p.set_defaults(func=_cmd_trace)

    p = sub.add_parser("plot", help="redraw the figures (and report.html) of a results or trace folder")
    p.add_argument("folder", metavar="RESULTS_DIR")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=_cmd_plot)

    for command, text in _EXPERIMENT_HELP.items():
        p = sub.add_parser(command, help=text.replace("%", "%%"), description=text, epilog=_METRICS_HELP)
        _add_experiment_options(p, command)

    from sim.cli_decide import add_decide_commands

    add_decide_commands(sub)
    p = sub.add_parser("selfcheck", help="run the analytic validation cases: theory vs simulation with CIs")
    p.add_argument("--quick", action="store_true", help="fewer replications (under a minute)")
    p.set_defaults(func=_cmd_selfcheck)
    for p in sub.choices.values():  # `--debug` is accepted after the command too
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=_DEBUG_HELP)
    return parser


_DEBUG_HELP = "on an unexpected error, show the Python traceback (instead of a log file's path)"


_EXPERIMENT_HELP = {
    "run": "Monte Carlo replications at one staffing level, with 95% confidence intervals",
    "sweep": "the same over several troop levels on common random numbers; the smallest level meeting "
    "the targets",
    "compare": "paired comparison of two or more scenario variants (files, overlays, --variant groups) "
    "on common random numbers, each against the first",
}


def _add_experiment_options(p: argparse.ArgumentParser, command: str) -> None:
    """The options of `run`, `sweep` and `compare` (the fields of `RunOptions`, and --resume)."""
    what = "scenario files or overlays; the first is the base" if command == "compare" else "scenario file"
    p.add_argument("scenarios", nargs="*", metavar="SCENARIO", help=what)
    how_many = p.add_mutually_exclusive_group()
    how_many.add_argument(
        "--replications",
        "-n",
        type=_replications,
        help=f"replications per level, at most {MAX_REPLICATIONS:,} (default: the scenario's `replications`)",
    )
    how_many.add_argument(
        "--precision",
        type=_precision,
        metavar="H",
        help="add replications until every target metric's 95%% CI half-width is at "
        f"most H, from {MIN_PRECISION:g} to 1 (see docs/statistics.md)",
    )
    p.add_argument(
        "--max-replications",
        type=_max_replications,
        metavar="N",
        help=f"cap on replications per level with --precision (default 1000, at most {MAX_REPLICATIONS:,})",
    )
    p.add_argument("--seed", type=_non_negative_int, help="root seed (default: the scenario's)")
    if command == "sweep":
        p.add_argument(
            "--troops",
            type=_troop_levels,
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
        p.add_argument("--troops", type=_troops, help="headcount of the swept force")
    p.add_argument("--workers", type=_positive_int, help="local worker processes (default: all cores)")
    p.add_argument(
        "--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster (needs summit-sim[dask])"
    )
    p.add_argument("--out", help=f"output folder (default results/<scenario>/{command}-<timestamp>)")
    p.add_argument("--resume", metavar="DIR", help="finish an interrupted run kept in DIR")
    p.add_argument("--quiet", action="store_true", help="no progress bar and no summary")
    add_set_option(p, variants=command == "compare")
    _add_limit_options(p)
    p.set_defaults(func=_cmd_experiment)  # fmt: skip


def _add_limit_options(p: argparse.ArgumentParser) -> None:
    """--max-events and --max-memory: the limits on a scenario's estimated work (scenarios/README.md,
    "Limits"), for the rare event that is really that large."""
    p.add_argument(
        "--max-events",
        type=_positive_float,
        default=MAX_EVENTS,
        metavar="N",
        help=f"refuse a scenario estimated above N SimPy events a replication (default {MAX_EVENTS:,})",
    )
    p.add_argument(
        "--max-memory",
        type=_positive_float,
        default=MAX_MEMORY_GB,
        metavar="GB",
        help=f"refuse a run estimated above GB gigabytes of memory (default {MAX_MEMORY_GB:g})",
    )


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:  # NaN too; inf allows anything
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def _positive_int(text: str) -> int:
    value = _non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _at_most(value: int, cap: int) -> int:
    if value > cap:
        raise argparse.ArgumentTypeError(f"must be at most {cap:,}, got {value:,}")
    return value


def _replications(text: str) -> int:
    return _at_most(_positive_int(text), MAX_REPLICATIONS)


def _max_replications(text: str) -> int:
    value = _non_negative_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"must be 2 or more (an interval needs two replications), got {value}"
        )
    return _at_most(value, MAX_REPLICATIONS)


def _troops(text: str) -> int:
    """A headcount for the swept force: at most the largest a scenario accepts."""
    return _at_most(_non_negative_int(text), MAX_TROOPS)


def _precision(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number such as 0.02, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (a CI half-width like 0.02), got {text}")
    if value < MIN_PRECISION:
        raise argparse.ArgumentTypeError(
            f"must be at least {MIN_PRECISION:g}: the replications needed grow as 1/H², got {text}"
        )
    return value


def _troop_levels(text: str) -> list[int]:
    try:
        return parse_troops(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command and return its exit status; never a traceback unless `--debug` is given."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv  # until the options are parsed
    try:
        args = build_parser().parse_args(argv)
        debug = bool(getattr(args, "debug", False))
        args.command_line = shlex.join(["summit-sim", *argv])  # recorded in manifests, as typed
        code = _run_command(args)
        sys.stdout.flush()  # a closed pipe shows here rather than at exit
        return code
    except BrokenPipeError:  # `summit-sim validate ... | head -1`: the reader has gone, so stop quietly
        _quiet_stdout()
        return EXIT_PIPE
    except KeyboardInterrupt:
        _say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as e:
        if debug:
            raise
        return _unexpected(e, argv)


def _say(text: str, kind: str = "") -> None:
    """One line on stderr: `summit-sim: [kind: ]text`, on one line whatever `text` holds."""
    with contextlib.suppress(OSError, ValueError):
        print(f"summit-sim: {kind + ': ' if kind else ''}{_one_line(text)}", file=sys.stderr)


def _one_line(text: str, limit: int = 400) -> str:
    """`text` on one line: runs of white space as one space, other unprintable characters (NUL,
    right-to-left marks) escaped, and cut to `limit` characters."""
    text = " ".join(str(text).split())
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _run_command(args: argparse.Namespace) -> int:
    """Run the command; the failures it can explain become a message and an exit status, anything else
    (or, with --debug, everything) is raised."""
    debug = bool(getattr(args, "debug", False))
    try:
        return int(args.func(args))
    except ScenarioError as e:
        if debug:
            raise
        for problem in e.problems:
            print(problem, file=sys.stderr)
        n = len(e.problems)
        print(f"summit-sim: {n} problem{'s' * (n != 1)} in the scenario", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (_BadOption, BadExperiment, BadScheduler) as e:
        if debug:
            raise
        _say(str(e), "error")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as e:
        from sim.experiment import Interrupted  # (numpy) loaded already if an experiment was interrupted

        if not isinstance(e, Interrupted):
            raise
        _say(f"interrupted: {e.done:,} of {e.planned:,} replications kept in {e.folder}")
        _say(f"continue with: summit-sim {args.command} --resume {e.folder}")
        return EXIT_INTERRUPTED
    except (ClusterError, IncompleteResults) as e:
        if debug:
            raise
        _say(str(e), "error")
        _resume_hint(args, e)
        return EXIT_FAIL
    except OSError as e:
        code = None if debug else _file_error(args, e)
        if code is None:
            raise
        _resume_hint(args, e)
        return code


def _resume_hint(args: argparse.Namespace, e: BaseException) -> None:
    """After a failed experiment, where its finished replications are and how to go on."""
    folder = kept_folder(e)
    if folder is not None:
        _say(f"the finished replications are kept in {folder}; continue with: "
             f"summit-sim {args.command} --resume {folder}")  # fmt: skip


# Errors of a path the user chose (a folder that cannot be written, a name too long): bad input, exit 2.
_PATH_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS, errno.ENAMETOOLONG, errno.ENOTDIR, errno.EISDIR,
                errno.EEXIST, errno.ENOTEMPTY, errno.ENOENT, errno.ELOOP, errno.EXDEV}  # fmt: skip
# Errors of the machine (a full disk, a quota, a failing device): exit 1, with what happened.
_MACHINE_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EFBIG, errno.EMFILE, errno.ENFILE,
                   errno.ENOMEM}  # fmt: skip


def _file_error(args: argparse.Namespace, e: OSError) -> int | None:
    """Say what went wrong with a file or folder and return the exit status; None if `e` is not such an
    error (then it is unexpected)."""
    if isinstance(e, FileExistsError) and e.errno is None:  # our own "already exists" messages
        _say(f"{e}; {_where_hint(args)}", "error")
        return EXIT_BAD_INPUT
    if e.filename is None or e.errno not in _PATH_ERRNOS | _MACHINE_ERRNOS:
        return None
    path = Path(os.fsdecode(e.filename))
    if path.name.startswith(".") or path.name.endswith((".tmp", ".partial", ".lock")):
        path = path.parent  # a temporary or a lock: the folder it was in says more
    shown = str(path) if len(str(path)) <= 120 else f"{str(path)[:60]}…{str(path)[-40:]}"
    what = e.strerror or type(e).__name__
    if e.errno in _MACHINE_ERRNOS:
        _say(f"{shown}: {what}", "error")
        return EXIT_FAIL
    _say(f"{shown}: {what} ({_where_hint(args)})", "error")
    return EXIT_BAD_INPUT


def _where_hint(args: argparse.Namespace) -> str:
    if args.command == "plot":
        return "RESULTS_DIR must be a folder this user can write, to redraw it"
    if getattr(args, "resume", None):
        return "the folder to resume must be one this user can write"
    if args.command in ("trace", *_EXPERIMENT_HELP):
        return "choose another --out"
    return "check the path"


def _unexpected(e: BaseException, argv: list[str]) -> int:
    """An error nobody foresaw: one line saying what, the traceback in a log file (its path said)."""
    what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    log = _write_log(e, argv)
    where = f"the traceback is in {log}" if log else "no log could be written"
    _say(f"unexpected {what} ({where}; rerun with --debug to see it here)", "error")
    folder = kept_folder(e)
    if folder is not None:
        _say(f"the finished replications are kept in {folder}; once the cause is fixed, continue with "
             f"--resume {folder}")  # fmt: skip
    return EXIT_FAIL


def _write_log(e: BaseException, argv: list[str]) -> Path | None:
    """Write the traceback of `e` to a new file in the system's temporary folder (`$TMPDIR`, usually
    /tmp): `summit-sim-<date>-<time>-<random>.log`; None if it cannot be written."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        fd, name = tempfile.mkstemp(prefix=f"summit-sim-{stamp}-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as f:
            f.write(
                f"summit-sim {__version__}, Python {platform.python_version()} on {platform.platform()}\n"
            )
            f.write(f"command: {shlex.join(['summit-sim', *argv])}\n")
            f.write(f"directory: {os.getcwd()}\n\n")
            f.write("".join(traceback.format_exception(e)))
    except OSError:
        return None
    return Path(name)


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that the interpreter's last flush does not fail on the closed pipe."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
