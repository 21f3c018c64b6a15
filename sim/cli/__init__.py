"""`summit-sim`: thin glue from the command line to the scenario loader, model and results writers.

Exit status (README, "Exit status"): 0 success; 2 bad input (scenario, options, a path that cannot be
used); 1 a failure of the machine or the cluster (one line saying what), or anything unexpected (one line
and the path of a log holding the traceback; `--debug` shows the traceback instead); 130 interrupted;
141 when the output is closed early (`| head`), quietly. Never a traceback without `--debug`.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Sequence

from sim.cli.failures import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_PIPE,
    file_error,
    quiet_stdout,
    resume_hint,
    say,
    unexpected,
)
from sim.cli.options import BadOption
from sim.cli.parser import build_parser
from sim.experiment import BadExperiment
from sim.experiment.executors import BadScheduler, ClusterError
from sim.results.files import IncompleteResults
from sim.scenario import ScenarioError

__all__ = ["EXIT_BAD_INPUT", "EXIT_FAIL", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PIPE", "build_parser", "main"]


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
        quiet_stdout()
        return EXIT_PIPE
    except KeyboardInterrupt:
        say("interrupted")
        return EXIT_INTERRUPTED
    except Exception as e:
        if debug:
            raise
        return unexpected(e, argv)


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
    except (BadOption, BadExperiment, BadScheduler) as e:
        if debug:
            raise
        say(str(e), "error")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as e:
        from sim.experiment import Interrupted  # (numpy) loaded already if an experiment was interrupted

        if not isinstance(e, Interrupted):
            raise
        say(f"interrupted: {e.done:,} of {e.planned:,} replications kept in {e.folder}")
        say(f"continue with: summit-sim {args.command} --resume {e.folder}")
        return EXIT_INTERRUPTED
    except (ClusterError, IncompleteResults) as e:
        if debug:
            raise
        say(str(e), "error")
        resume_hint(args, e)
        return EXIT_FAIL
    except OSError as e:
        code = None if debug else file_error(args, e)
        if code is None:
            raise
        resume_hint(args, e)
        return code
