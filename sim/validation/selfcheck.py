"""`summit-sim selfcheck`: run every analytic case and show theory against simulation.

`run_selfcheck(quick)` returns the table's rows; `print_selfcheck(rows, console)` prints them with
rich; the command exits 0 only if `all_agree(rows)`. A quick run uses fewer replications (well under a
minute on two cores); a full run uses each scenario file's `replications` (a few minutes). The peer
check against Ciw runs when Ciw is installed (it is a test dependency).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from rich import box
from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table

from sim.validation import peer
from sim.validation.cases import CASES
from sim.validation.checks import Check, Row, rows_of

__all__ = ["FAMILY_CONFIDENCE", "all_agree", "print_selfcheck", "run_checks", "run_selfcheck"]

SHOWN_CONFIDENCE = 0.95
FAMILY_CONFIDENCE = 0.99


def run_checks(quick: bool = False, progress: Callable[[str], None] | None = None) -> list[Check]:
    """Every analytic case's checks (and the peer check when Ciw is installed)."""
    checks: list[Check] = []
    cases: dict[str, Callable[[bool], list[Check]]] = dict(CASES)
    if peer.available():
        cases["peer"] = peer.peer_checks
    for name, case in cases.items():
        if progress is not None:
            progress(name)
        checks.extend(case(quick))
    return checks


def run_selfcheck(quick: bool = False, progress: Callable[[str], None] | None = None) -> list[Row]:
    """The self-check table: each case's theory, simulated mean and 95% interval, and agreement.

    Agreement of a statistical row is judged so that a correct model passes all of them at once with
    probability 0.99 (Bonferroni); a deterministic row must equal its closed form to rounding.
    """
    return rows_of(run_checks(quick, progress), SHOWN_CONFIDENCE, FAMILY_CONFIDENCE)


def all_agree(rows: list[Row]) -> bool:
    """Exit status 0 of `selfcheck` means this."""
    return all(r.agrees for r in rows)


def _num(x: float) -> str:
    if math.isnan(x):
        return "-"
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.2e}"
    return f"{x:.4g}"


def print_selfcheck(rows: list[Row], console: Console, seconds: float | None = None) -> None:
    """Print the table, then how agreement was judged and the verdict."""
    table = Table(
        title="summit-sim selfcheck: theory vs simulation", title_justify="left", box=box.SIMPLE_HEAD
    )
    columns: tuple[tuple[str, JustifyMethod], ...] = (
        ("case", "left"), ("quantity", "left"), ("theory", "right"), ("simulated", "right"),
        ("95% CI", "right"), ("n", "right"), ("agrees", "center"),
    )  # fmt: skip
    for name, justify in columns:
        table.add_column(name, justify=justify)
    last = None
    for r in rows:
        if r.kind == "p_value":
            theory, ci = f">={1 - r.level:.1g}", ""
        else:
            theory = _num(r.theory)
            ci = "" if math.isnan(r.ci_low) else f"[{_num(r.ci_low)}, {_num(r.ci_high)}]"
        if r.kind == "exact":
            ci = "exact"
        verdict = "[green]yes[/green]" if r.agrees else "[bold red]NO[/bold red]"
        table.add_row(
            escape(r.case) if r.case != last else "",
            escape(r.quantity),
            theory,
            _num(r.mean),
            escape(ci),
            str(r.n),
            verdict,
        )
        last = r.case
    console.print(table)
    statistical = [r for r in rows if r.kind != "exact"]
    each = min((r.level for r in statistical), default=1.0)
    console.print(
        f"Agreement: a statistical row agrees when the theory lies inside its interval at "
        f"{each:.4%} confidence ({len(statistical)} rows, Bonferroni: all agree together with "
        f"probability {FAMILY_CONFIDENCE:.0%} if the model is right); an exact row, when it equals its "
        f"closed form to 1e-9 (relative). n: replications, or independent trials/samples."
    )
    failed = [r for r in rows if not r.agrees]
    took = "" if seconds is None else f" in {seconds:.0f} s"
    if failed:
        console.print(f"[bold red]{len(failed)} of {len(rows)} rows disagree{took}.[/bold red]")
    else:
        console.print(f"[green]All {len(rows)} rows agree{took}.[/green]")


def main(quick: bool = False) -> int:  # pragma: no cover - a convenience for `python -m`
    console = Console()
    t0 = time.perf_counter()
    rows = run_selfcheck(quick)
    print_selfcheck(rows, console, time.perf_counter() - t0)
    return 0 if all_agree(rows) else 1
