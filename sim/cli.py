"""`summit-sim`: thin glue from the command line to the scenario loader, model and results writers.

Exit status: 0 success, 2 bad input (scenario or options), 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from sim.metrics import compute_metrics
from sim.model import Clock, run_replication
from sim.report_text import print_trace_summary
from sim.results import atomic_folder, default_out, write_events_csv, write_gaps_csv, write_table
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.summary import describe_scenario

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # argparse's own exits with 2 too; keep its wording
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"summit-sim: error: {message}\n")


def _cmd_validate(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    print(f"{args.scenario}: valid")
    print(describe_scenario(scenario))
    return EXIT_OK


def _cmd_trace(args: argparse.Namespace) -> int:
    scenario = load_scenario(args.scenario)
    if args.troops is not None and scenario.swept_force is None:
        raise _BadOption("--troops needs a force marked `swept: true` in the scenario")
    record = run_replication(scenario, seed=args.seed, troops=args.troops, trace=True)
    clock = Clock.of(scenario)
    out = Path(args.out) if args.out else default_out("results", scenario.name, "trace")
    metrics = compute_metrics(record)
    with atomic_folder(out) as tmp:
        write_events_csv(tmp / "events.csv", record.events, clock)
        write_gaps_csv(tmp / "gaps.csv", record.gaps, clock)
        write_table(tmp / "metrics.csv", ["metric", "value"], [[k, v] for k, v in metrics.items()])
    if not args.quiet:
        print_trace_summary(scenario, record, metrics, out)
    return EXIT_OK


class _BadOption(Exception):
    """A command-line option that cannot be honoured (exit status 2)."""


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar (DESIGN §2)."""
    parser = _Parser(prog="summit-sim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check a scenario file and print what it contains")
    p.add_argument("scenario")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("trace", help="one replication's event log (CSV) and metrics")
    p.add_argument("scenario")
    p.add_argument("--seed", type=_non_negative_int, help="root seed (default: the scenario's)")
    p.add_argument("--troops", type=_non_negative_int, help="headcount of the swept force")
    p.add_argument("--out", help="output folder (default results/<scenario>/trace-<timestamp>)")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    p.set_defaults(func=_cmd_trace)
    return parser


def _non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; print problems (never a traceback) for bad input."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ScenarioError as e:
        for problem in e.problems:
            print(problem, file=sys.stderr)
        n = len(e.problems)
        print(f"summit-sim: {n} problem{'s' * (n != 1)} in the scenario", file=sys.stderr)
        return EXIT_BAD_INPUT
    except _BadOption as e:
        print(f"summit-sim: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FileExistsError as e:
        print(f"summit-sim: error: {e}; choose another --out", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("summit-sim: interrupted", file=sys.stderr)
        return 130
