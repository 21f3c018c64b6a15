"""Model validation: analytic cases with closed forms, a peer check against Ciw, and the self-check.

`theory` has the closed forms, `cases` runs the scenarios of `scenarios/validation/` and compares,
`peer` runs the same M/M/c in Ciw, `checks` says when theory and simulation agree, and `selfcheck`
puts it all in one table (`summit-sim selfcheck`, or `python -m sim.validation [--quick]`). The names
below are imported on first use (sim.lazy).
"""

from typing import TYPE_CHECKING

from sim.lazy import lazy_exports

if TYPE_CHECKING:
    from sim.validation.checks import Check, Row
    from sim.validation.selfcheck import all_agree, print_selfcheck, run_checks, run_selfcheck

__all__ = ["Check", "Row", "all_agree", "print_selfcheck", "run_checks", "run_selfcheck"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "sim.validation.checks": ["Check", "Row"],
        "sim.validation.selfcheck": ["all_agree", "print_selfcheck", "run_checks", "run_selfcheck"],
    },
)
