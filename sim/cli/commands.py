"""The commands that check, trace, redraw and run a scenario: `validate`, `trace`, `plot`, `run`,
`sweep`, `compare` and `selfcheck` (the decisions are in sim.cli.decide). Each takes the parsed options
and returns an exit status; what fails is raised, for sim.cli to say."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

# Only what every command needs is imported here (`validate` is the lightest: the scenario and the
# work estimate). numpy, SimPy and the model, rich, matplotlib, Jinja2, pandas, Dask and the experiment's
# writers are imported by the commands that use them; tests/architecture/test_lazy_imports.py checks.
from sim.cli.failures import EXIT_FAIL, EXIT_OK, one_line, warn
from sim.cli.options import BadOption, set_overrides, source_with_sets
from sim.experiment import RunOptions, design_compare, design_run, design_sweep
from sim.experiment.design import Source, design_vary, design_warnings, load_source, replication_warnings
from sim.experiment.feasibility import check_limits, demand_warnings, work_estimate
from sim.results.files import atomic_folder, default_out, unused_out
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.summary import describe_scenario

if TYPE_CHECKING:
    from sim import api


def cmd_validate(args: argparse.Namespace) -> int:
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
    warn(demand_warnings(scenario) + replication_warnings(scenario))
    return EXIT_OK


def _print_differences(title: str, a: Scenario, b: Scenario) -> None:
    """Each field whose resolved value differs from `a` to `b`, one line each."""
    from sim.scenario.overrides import differences

    found = differences(a, b)
    print(f"{title} ({len(found)} field{'s' * (len(found) != 1)}):")
    for d in found:
        print(f"  {d.path}: {_value(d.a)} -> {_value(d.b)}")


def _value(x: object) -> str:
    return "(not set)" if x is None else one_line(json.dumps(x, default=str), 120)


def cmd_trace(args: argparse.Namespace) -> int:
    scenario = source_with_sets(args, args.scenario).scenario
    if args.troops is not None and scenario.swept_force is None:
        raise BadOption("--troops needs a force marked `swept: true` in the scenario")
    problems = check_limits(
        scenario, 1, troops=args.troops, trace=True, max_events=args.max_events,
        max_memory_gb=args.max_memory, file=args.scenario,
    )  # fmt: skip
    if problems:
        raise ScenarioError(problems)
    warn(demand_warnings(scenario, args.troops))
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


def cmd_plot(args: argparse.Namespace) -> int:
    """Redraw the figures (and, for a results folder, report.html) from the folder's files."""
    from sim.plots.files import NotAResultsFolder, folder_kind, save_trace_figures

    folder = Path(args.folder)
    try:
        kind = folder_kind(folder)
    except NotAResultsFolder as e:
        raise BadOption(str(e)) from None
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


def cmd_experiment(args: argparse.Namespace) -> int:
    """`run`, `sweep` and `compare`: Monte Carlo replications into a results folder, then a summary."""
    from sim import api

    if args.scheduler is not None and not getattr(args, "debug", False):
        _quiet_dask()
    if args.resume:
        given = [f"--{k.replace('_', '-')}" for k in _RESUME_FIXED if getattr(args, k, None)]
        if given or args.scenarios:
            what = ", ".join(given + (["a scenario"] if args.scenarios else []))
            raise BadOption(f"--resume takes its settings from the folder's manifest; drop {what}")
        options = RunOptions(workers=args.workers, scheduler=args.scheduler, command_line=args.command_line)
        with _progress_bar(args.quiet) as progress:
            outcome = api.resume_experiment(args.resume, options, progress)
        if outcome.command != args.command:
            print(f"summit-sim: note: {args.resume} was a `{outcome.command}`", file=sys.stderr)
    else:
        options = _run_options(args)
        design = _design(args, options)
        warn(design_warnings(design))
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
        raise BadOption(f"`{args.command}` takes 1 scenario file, got {len(args.scenarios)}")
    source = source_with_sets(args, args.scenarios[0])
    if args.command == "sweep":
        from sim.experiment.vary import parse_vary, parse_vary_group

        inputs = [parse_vary(t) for t in args.vary or []] + [
            parse_vary_group(t) for t in args.vary_group or []
        ]
        if not inputs:
            if args.troops is None:
                raise BadOption("`sweep` needs --troops START:STOP:STEP (or a list like 300,600,900) or "
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
        raise BadOption("`compare` takes a scenario file (or several), then any --variant NAME --set ...")
    if len(args.scenarios) + len(named) < 2:
        raise BadOption("`compare` needs at least two variants: two scenario files, or a scenario and "
                         "--variant NAME --set PATH=VALUE")  # fmt: skip
    common = set_overrides(args)
    sources = [load_source(path, common) for path in args.scenarios]
    for name, sets in named:
        if not sets:
            raise BadOption(f"--variant {name} changes nothing: give --set PATH=VALUE after it")
        sources.append(load_source(args.scenarios[0], [*common, *sets], label=name))
    return sources


def cmd_selfcheck(args: argparse.Namespace) -> int:
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
