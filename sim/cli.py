"""`summit-sim`: thin glue from the command line to the scenario loader, model and results writers.

Exit status: 0 success, 2 bad input (scenario or options), 1 anything else.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

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


def build_parser() -> argparse.ArgumentParser:
    """The command-line grammar (DESIGN §2)."""
    parser = _Parser(prog="summit-sim", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("validate", help="check a scenario file and print what it contains")
    p.add_argument("scenario")
    p.set_defaults(func=_cmd_validate)
    return parser


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
    except KeyboardInterrupt:
        print("summit-sim: interrupted", file=sys.stderr)
        return 130
