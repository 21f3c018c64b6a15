"""The command line's value types (a headcount, a precision, troop levels), each refused with
argparse's usage line and exit status 2, and the options several commands share: `--set`, `--variant`
and the limits on a scenario's work."""

from __future__ import annotations

import argparse

from sim.experiment.design import Source, load_source
from sim.experiment.feasibility import MAX_EVENTS, MAX_MEMORY_GB
from sim.experiment.plan import MAX_REPLICATIONS, MAX_TROOPS, MIN_PRECISION, parse_troops

EXPERIMENTS = ("run", "sweep", "compare")  # the commands that run Monte Carlo replications into a folder


class BadOption(Exception):
    """A command-line option that cannot be honoured (exit status 2)."""


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


def add_limit_options(p: argparse.ArgumentParser) -> None:
    """--max-events and --max-memory: the limits on a scenario's estimated work (scenarios/README.md,
    "Limits"), for the rare event that is really that large."""
    p.add_argument(
        "--max-events",
        type=positive_float,
        default=MAX_EVENTS,
        metavar="N",
        help=f"refuse a scenario estimated above N SimPy events a replication (default {MAX_EVENTS:,})",
    )
    p.add_argument(
        "--max-memory",
        type=positive_float,
        default=MAX_MEMORY_GB,
        metavar="GB",
        help=f"refuse a run estimated above GB gigabytes of memory (default {MAX_MEMORY_GB:g})",
    )


def non_negative_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:  # NaN too; inf allows anything
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return value


def positive_int(text: str) -> int:
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, got {value}")
    return value


def _at_most(value: int, cap: int) -> int:
    if value > cap:
        raise argparse.ArgumentTypeError(f"must be at most {cap:,}, got {value:,}")
    return value


def replications_option(text: str) -> int:
    return _at_most(positive_int(text), MAX_REPLICATIONS)


def max_replications_option(text: str) -> int:
    value = non_negative_int(text)
    if value < 2:
        raise argparse.ArgumentTypeError(
            f"must be 2 or more (an interval needs two replications), got {value}"
        )
    return _at_most(value, MAX_REPLICATIONS)


def troops_option(text: str) -> int:
    """A headcount for the swept force: at most the largest a scenario accepts."""
    return _at_most(non_negative_int(text), MAX_TROOPS)


def precision_option(text: str) -> float:
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


def troop_levels(text: str) -> list[int]:
    try:
        return parse_troops(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
