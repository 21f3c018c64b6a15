"""A package's public names imported on first use (PEP 562), so that importing one light module of the
package (or the command line's `validate`) does not pay for its heavy siblings: SimPy, matplotlib,
pandas, Jinja2, the model. Each package lists its names again under `TYPE_CHECKING`, for the type
checker and the reader; `tests/architecture/test_lazy_imports.py` checks the two lists agree.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, homes: Mapping[str, Sequence[str]]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """`__getattr__` and `__dir__` for `package`: each name of `homes[module]` is read from `module` on
    first use, then kept in the package. Any other name is an AttributeError, so that `from package
    import submodule` still finds its submodules."""
    home_of = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = home_of.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted({*vars(sys.modules[package]), *home_of})

    return __getattr__, __dir__
