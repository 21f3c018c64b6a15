"""What the tests share: tiny scenarios written inline (`tiny`, `air_scenarios`, `experiment_scenarios`),
hypothesis strategies for whole scenarios (`validation_strategies`), the watch used by the validation
cases (`validation_watch`), experiments returning their `Outcome` (`experiments`), and `ROOT`, the
repository's top folder."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
