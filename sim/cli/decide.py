"""`summit-sim size`, `allocate` and `sensitivity`: the planner's decision (registered by sim.cli.parser).

Each prints its answer in a few lines and writes a results folder with its tables, figures and
report.html (sim.results.sizing, sim.results.allocation, sim.results.sensitivity).
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

from sim.cli.options import (
    add_set_option,
    max_replications_option,
    non_negative_int,
    positive_float,
    positive_int,
    set_overrides,
)
from sim.experiment.design import BadExperiment
from sim.experiment.vary import TROOPS
from sim.numbers import fmt_value

if TYPE_CHECKING:
    from sim.experiment.search import SearchStep

__all__ = ["add_decide_commands"]


def _positive_number(text: str) -> float:
    value = positive_float(text)
    if value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _range(text: str) -> tuple[float, float]:
    parts = text.split(":")
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected LOW:HIGH, got {text!r}") from None
    if not 0 <= low <= high:
        raise argparse.ArgumentTypeError(f"expected 0 <= LOW <= HIGH, got {text!r}")
    return low, high


def _common(p: argparse.ArgumentParser, command: str) -> None:
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario file")
    p.add_argument(
        "-n",
        "--replications",
        type=max_replications_option,
        help="replications of a level's first round (default: the scenario's `replications`)",
    )
    p.add_argument(
        "--max-replications",
        type=max_replications_option,
        metavar="N",
        help="replications a close level may grow to (default 4x the first round)",
    )
    p.add_argument(
        "--budget", type=positive_int, metavar="N", help="cap on replications over the whole search"
    )
    p.add_argument("--seed", type=non_negative_int, help="root seed (default: the scenario's)")
    add_set_option(p)
    p.add_argument("--workers", type=positive_int, help="local worker processes (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster")
    p.add_argument("--out", help=f"output folder (default results/<scenario>/{command}-<timestamp>)")
    p.add_argument("--resume", metavar="DIR", help="finish an interrupted run kept in DIR")
    p.add_argument("--quiet", action="store_true", help="print nothing but the answer line and errors")


def add_decide_commands(sub: Any) -> None:
    """Add `size`, `allocate` and `sensitivity` to the `summit-sim` subcommands."""
    p = sub.add_parser(
        "size",
        help="the smallest level (troops, or --vary PATH) meeting every target, each with 95%% confidence",
        description="Search on common random numbers (bracket, bisection, replications added where the "
        "decision is close) for the smallest level meeting every target, each with 95% confidence.",
    )
    _common(p, "size")
    p.add_argument(
        "--vary",
        metavar="PATH",
        default=TROOPS,
        help="the input to size (default: troops, the swept force's headcount)",
    )
    p.add_argument("--resolution", type=_positive_number, default=5.0, help="step of the answer (default 5)")
    p.add_argument(
        "--range",
        type=_range,
        metavar="LOW:HIGH",
        help="search only levels from LOW to HIGH (default 0 up to 10,000,000 troops)",
    )
    p.set_defaults(func=_cmd_size)

    p = sub.add_parser(
        "allocate",
        help="the swept force's split over its pools (city x role): the smallest total meeting every "
        "target, or with --total N the split most likely to meet them",
        description="The swept force's pools (city x role) as decision variables: every pool sized at "
        "once (a probe fails only where a missed target points at its pool), the minima judged together "
        "and repaired by paired differences; with --total N, the split maximising P(every target met). "
        "Writes the split as an overlay scenario.",
    )
    _common(p, "allocate")
    p.add_argument(
        "--total",
        type=positive_int,
        metavar="N",
        help="split exactly N people (default: the smallest total meeting every target)",
    )
    p.add_argument(
        "--step", type=positive_int, default=1, help="people moved or added to a pool at a time (default 1)"
    )
    p.add_argument(
        "--resolution",
        type=_positive_number,
        default=5.0,
        help="resolution of the fixed shares' size (default 5)",
    )
    p.add_argument(
        "--rounds", type=positive_int, default=20, help="rounds of moves with --total (default 20)"
    )
    p.set_defaults(func=_cmd_allocate)

    p = sub.add_parser(
        "sensitivity",
        help="which uncertain inputs decide the answer: size at each end of each input's range (a "
        "tornado) and Morris elementary effects at a fixed level",
        description="Uncertain inputs given as --vary PATH=LOW:HIGH. One at a time: `size` with each input "
        "at its low and its high end (a tornado of troops needed). Globally, at a fixed troop level: Morris "
        "elementary effects on P(every target met) and each target's metric, on common random numbers.",
    )
    _common(p, "sensitivity")
    p.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="PATH=LOW:HIGH",
        help="an uncertain input and its range (repeatable)",
    )
    p.add_argument("--resolution", type=_positive_number, default=5.0, help="step of the answer (default 5)")
    p.add_argument(
        "--trajectories",
        type=non_negative_int,
        default=10,
        help="Morris trajectories (default 10; 0 skips Morris)",
    )
    p.add_argument(
        "--morris-replications",
        type=max_replications_option,
        metavar="N",
        help="replications per Morris point (default: the first round of size)",
    )
    p.add_argument(
        "--troops",
        type=non_negative_int,
        help="troop level of the Morris screening (default: the answer of size)",
    )
    p.add_argument(
        "--no-tornado",
        dest="tornado",
        action="store_false",
        help="Morris only (no size at each end of each range): the ranking is by mu*",
    )
    p.set_defaults(func=_cmd_sensitivity)


def _printer(quiet: bool) -> Any:
    if quiet:
        return None

    from sim.experiment.search import level_label  # (numpy) imported by the commands that search

    def show(step: SearchStep) -> None:
        ev = step.evidence
        verdict = "meets" if ev.meets else ("close" if ev.close else "fails")
        print(
            f"  {step.step:>3} {step.phase:<8} {level_label(ev.level):>8}: {verdict} on {ev.n} replications",
            file=sys.stderr,
        )

    return show


def _decision(args: argparse.Namespace, command: str, **settings: Any) -> Any:
    """Start `command` (size, allocate or sensitivity) on the scenario with the options every decision
    shares and its own `settings`, or, with --resume, finish the folder with the settings it kept."""
    from sim import api  # the experiment machinery: imported by the command that runs it

    runner: dict[str, Any] = {
        "workers": args.workers,
        "scheduler": args.scheduler,
        "progress": _printer(args.quiet),
    }
    if args.resume:
        if args.scenario:
            raise BadExperiment("--resume takes its settings from the folder: drop the scenario")
        return getattr(api, f"resume_{command}")(args.resume, **runner)
    if not args.scenario:
        raise BadExperiment(f"`{command}` needs a scenario file")
    return getattr(api, f"{command}_outcome")(
        args.scenario,
        replications=args.replications,
        max_replications=args.max_replications,
        seed=args.seed,
        sets=set_overrides(args),
        out=args.out,
        command_line=args.command_line,
        **runner,
        **settings,
    )


def _cmd_size(args: argparse.Namespace) -> int:
    from sim.experiment.search import describe_evidence, level_label

    outcome = _decision(args, "size", path=args.vary, resolution=args.resolution, budget=args.budget)
    r = outcome.result
    what = "troops" if r.path == TROOPS else r.path
    if r.answer is None:
        print(f"size: no level of {what} meets every target, each with 95% confidence ({r.status})")
    else:
        print(
            f"size: {level_label(r.answer)} {what} meet every target, each with 95% confidence ({r.status})"
        )
    if r.at_answer is not None:
        print(f"  at the answer  {describe_evidence(r.at_answer)}")
    if r.below is not None:
        where = "one step below" if r.answer is not None else "highest judged"
        print(f"  {where} {describe_evidence(r.below)}")
    for c in r.flat:
        if c.status == "undecided":
            print(
                f"  replications short: {c.target} cannot be shown on {c.n} replications at any level "
                f"(about {c.replications_needed} would): raise --max-replications"
            )
            continue
        print(
            f"  not moved by {what}: {c.target} ({c.describe()}; the same estimate "
            f"{fmt_value(c.metric, c.estimate)} at "
            f"{level_label(r.steps[0].evidence.level)} and at {level_label(r.steps[-1].evidence.level)})"
        )
    if r.reachable is not None:
        q = r.reachable
        left_out = ", ".join(c.target for c in r.flat if c.status == "not met")
        if q.answer is None:
            print(
                f"  without the targets {what} cannot move ({left_out}): no level meets the rest ({q.status})"
            )
        else:
            print(
                f"  without the targets {what} cannot move ({left_out}): {level_label(q.answer)} {what} meet "
                f"every other target, each with 95% confidence ({q.status})"
            )
        if q.at_answer is not None:
            print(f"    at that level  {describe_evidence(q.at_answer)}")
        if q.below is not None:
            print(f"    one step below {describe_evidence(q.below)}")
    for a, b in r.inversions:
        print(
            f"  warning: not monotone: {level_label(a)} meets but {level_label(b)} does not; "
            f"check with a sweep over {level_label(a)}:{level_label(b)}"
        )
    print(f"  replications spent: {r.replications_spent:,} over {r.levels_judged} levels")
    print(f"  results: {outcome.folder}")
    return 0


def _cmd_allocate(args: argparse.Namespace) -> int:
    outcome = _decision(
        args,
        "allocate",
        total=args.total,
        step=args.step,
        resolution=args.resolution,
        budget=args.budget,
        rounds=args.rounds,
    )
    a = outcome.answer
    r = outcome.result
    if a["total_given"] is None:
        verdict = (
            "meets every target, each with 95% confidence" if a["meets"] else "does NOT meet every target"
        )
        if a.get("out_of_reach"):
            verdict = verdict.replace("every target", "every target troops can move")
        print(
            f"allocate: {a['needed']} troops {verdict}; the fixed shares need {a['fixed_needed']} "
            f"({a['saved']} saved)"
        )
    else:
        print(
            f"allocate: the split of {a['total_given']} troops with the highest P(every target met): "
            f"{a['p_all_met']:.2f} against {a['fixed_p_all_met']:.2f} with the fixed shares"
        )
    label = "fixed shares" if a["total_given"] is not None else f"fixed shares at {a['fixed_needed']}"
    print(f"  {'pool':<28} {label:>22} {'split':>8}")
    for pool, n in a["split"].items():
        print(f"  {pool:<28} {a['fixed'][pool]:>22} {n:>8}")
    if r.verification is not None:
        ok = (
            "meets every target"
            if r.verification.meets
            else "misses " + (r.verification.failing.target if r.verification.failing else "?")
        )
        print(f"  fresh replications (seed {r.verified_seed}): {ok}")
    for note in a["notes"]:
        print(f"  note: {note}")
    print(f"  replications spent: {a['replications_spent']:,}")
    print(f"  split as an overlay: {outcome.overlay} (whole scenario: {outcome.scenario_file})")
    return 0


def _cmd_sensitivity(args: argparse.Namespace) -> int:
    if args.resume and args.vary:
        raise BadExperiment("--resume takes its settings from the folder: drop the scenario and --vary")
    if not args.resume and args.scenario and not args.vary:
        raise BadExperiment("`sensitivity` needs at least one --vary PATH=LOW:HIGH")
    outcome = _decision(
        args,
        "sensitivity",
        vary=tuple(args.vary),
        resolution=args.resolution,
        trajectories=args.trajectories,
        morris_replications=args.morris_replications,
        troops=args.troops,
        tornado=args.tornado,
    )
    a = outcome.answer
    if outcome.result.base is None:
        print("sensitivity (Morris only, no size run); what it depends on, most first:")
    else:
        needed = "no level meets every target" if a["needed"] is None else f"{a['needed']} troops"
        if a["needed"] is None and (a.get("reachable") or {}).get("answer") is not None:
            needed += f"; {a['reachable']['answer']} troops meet every target troops can move"
        print(f"sensitivity: at the scenario's values {needed} (95%); what it depends on, most first:")
    for t in a["tornado"]:
        lo = "none" if t["needed_low"] is None else t["needed_low"]
        hi = "none" if t["needed_high"] is None else t["needed_high"]
        print(f"  {t['input']:<44} {t['low']:>8} -> {lo:>7}   {t['high']:>8} -> {hi:>7}")
    m = outcome.result.morris
    if m is not None:
        ranking = m.ranking("p_all_met")
        at = "the scenario's headcount" if m.troops is None else f"{m.troops} troops"
        print(f"  Morris on P(every target met) at {at} ({a['morris_text']}):")
        if not ranking:
            print(
                "    no input moves it (a target is missed at every point); the inputs are ranked by "
                "their effects on each target's own P(met in one replication) (morris.csv)"
            )
        for name in ranking:
            e = m.effects["p_all_met"][name]
            print(
                f"    {name:<44} mu* {e['mu_star']:.3f} (+/- {e['mu_star_conf']:.3f})  sigma {e['sigma']:.3f}"
            )
    print(f"  top inputs: {', '.join(a['top'])}")
    print(f"  replications spent: {a['replications_spent']:,}")
    print(f"  results: {outcome.folder}")
    return 0
