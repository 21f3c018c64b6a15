"""`manifest.json`: what a results folder holds and how it was made (DESIGN §6), as a typed record.

The record is built when an experiment starts, changed only by its methods (a run begins, a run ends,
the experiment completes) and written by `save`; `from_json` reads it back for `--resume`.
"""

from __future__ import annotations

import datetime as dt
import platform
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sim.experiment.design import Design
from sim.experiment.options import RunOptions
from sim.experiment.plan import Plan
from sim.results.files import write_json
from sim.scenario.overrides import differences
from sim.scenario.summary import describe_scenario
from sim.version import __version__

__all__ = ["FORMAT", "Manifest", "RunEntry", "ScenarioEntry", "VariantEntry", "now"]

FORMAT = 1  # version of the results folder layout


def now() -> str:
    """The local time, to the second, as recorded in manifests."""
    return dt.datetime.now().astimezone().isoformat(timespec="seconds")


def environment() -> dict[str, str]:
    """Python, the platform and the versions of the libraries the model's numbers depend on."""
    env = {"python": platform.python_version(), "platform": platform.platform()}
    for name in ("simpy", "numpy", "scipy", "pandas", "pydantic"):
        try:
            env[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - depends on the installation
            env[name] = "unknown"
    return env


def variant_differences(design: Design) -> list[dict[str, Any]]:
    """What differs between the variants of a comparison, path by path (resolved values, defaults spelt
    out; sim.scenario.overrides.differences): `{"path": ..., "values": [one per variant]}`, in the order
    the fields first differ from the first variant."""
    scenarios = [v.scenario for v in design.variants]
    found = [{d.path: d for d in differences(scenarios[0], s)} for s in scenarios[1:]]
    paths = list(dict.fromkeys(path for diffs in found for path in diffs))
    values: dict[str, list[Any]] = {}
    for path in paths:
        first = next(diffs[path].a for diffs in found if path in diffs)
        values[path] = [first] + [diffs[path].b if path in diffs else first for diffs in found]
    return [{"path": path, "values": row} for path, row in values.items()]


@dataclass
class ScenarioEntry:
    """A scenario of the experiment: its file (None for an object), sha256, name, resolved form and the
    text `summit-sim validate` prints for it."""

    path: str | None
    sha256: str
    name: str
    resolved: dict[str, Any]
    summary: str
    overrides: list[str] = field(default_factory=list)  # `--set PATH=VALUE`, applied in order


@dataclass
class VariantEntry:
    """A variant: its label in the tables, the index of its scenario, the swept force's headcount, and
    for a sweep over other inputs (`--vary`) the level of each."""

    label: str
    scenario: int
    troops: int | None
    values: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunEntry:
    """One invocation that worked on the folder (the first run, then each `--resume`)."""

    command_line: str | None
    workers: int | None
    scheduler: str | None
    started: str
    ended: str | None = None
    status: str = "running"

    @classmethod
    def begin(cls, command_line: str | None, workers: int | None, scheduler: Any) -> RunEntry:
        where = None if scheduler is None else str(getattr(scheduler, "scheduler", scheduler))
        return cls(command_line, workers, where, now())


@dataclass
class Manifest:
    """The contents of `manifest.json`, in the order the file lists them. `answer` is set on completion."""

    format: int
    version: str
    environment: dict[str, str]
    status: str
    command: str
    command_line: str | None
    output: str
    scenarios: list[ScenarioEntry]
    seed: int
    key: str
    variants: list[VariantEntry]
    troop_levels: list[int | None] | None
    plan: dict[str, Any]
    metrics: list[str]
    replications: int
    workers: int | None
    started: str
    ended: str | None
    runs: list[RunEntry] = field(default_factory=list)
    answer: dict[str, Any] | None = None
    inputs: list[str] = field(default_factory=list)  # the inputs a sweep varies (`--troops`, `--vary`)
    differs: list[dict[str, Any]] = field(default_factory=list)  # compare: what differs between variants

    @classmethod
    def new(cls, design: Design, options: RunOptions, output: Path, workers: int | None) -> Manifest:
        """The manifest of an experiment about to start into `output`."""
        plan = design.plan
        return cls(
            format=FORMAT,
            version=__version__,
            environment=environment(),
            status="incomplete",
            command=design.command,
            command_line=options.command_line,
            output=str(output),
            scenarios=[
                ScenarioEntry(
                    s.path,
                    s.sha256,
                    s.scenario.name,
                    s.scenario.model_dump(mode="json", by_alias=True),
                    describe_scenario(s.scenario),
                    list(s.overrides),
                )
                for s in design.sources
            ],
            seed=design.seed,
            key=design.key,
            variants=[
                VariantEntry(
                    v.label, design.scenario_of[i], v.troops, design.levels[i] if design.levels else {}
                )
                for i, v in enumerate(design.variants)
            ],
            troop_levels=design.troop_levels,
            plan={
                "replications": plan.replications,
                "precision": plan.precision,
                "max_replications": plan.max_replications,
            },
            metrics=list(design.columns),
            replications=0,
            workers=None,
            started=now(),
            ended=None,
            runs=[RunEntry.begin(options.command_line, workers, options.scheduler)],
            inputs=list(design.inputs),
            differs=variant_differences(design) if design.command == "compare" else [],
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Manifest:
        """Read a manifest back; KeyError or TypeError if it is not one this version wrote."""
        fields = dict(data)
        fields["scenarios"] = [ScenarioEntry(**e) for e in data["scenarios"]]
        fields["variants"] = [VariantEntry(**e) for e in data["variants"]]
        fields["runs"] = [RunEntry(**e) for e in data["runs"]]
        return cls(**fields)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        if self.answer is None:
            del data["answer"]
        for name in ("inputs", "differs"):  # only where there is something: other folders as before
            if not data[name]:
                del data[name]
        for entry in data["variants"]:
            if not entry["values"]:
                del entry["values"]
        for entry in data["scenarios"]:
            if not entry["overrides"]:
                del entry["overrides"]
        return data

    @property
    def plan_record(self) -> Plan:
        return Plan(**self.plan)

    def begin_run(self, command_line: str | None, workers: int | None, scheduler: Any) -> None:
        """A `--resume` starts working on the folder."""
        self.runs.append(RunEntry.begin(command_line, workers, scheduler))

    def set_workers(self, workers: int) -> None:
        """The executor of the current run is up with this many workers."""
        self.runs[-1].workers = workers

    def end_run(self, status: str) -> None:
        """The current run stopped: "interrupted" or "failed: ..." (completion goes through `complete`).
        The experiment is incomplete again, even if it failed after `complete` (drawing, renaming)."""
        self.runs[-1].ended = now()
        self.runs[-1].status = status
        if self.status == "complete":
            self.status, self.answer, self.ended, self.replications, self.workers = (
                "incomplete",
                None,
                None,
                0,
                None,
            )

    def complete(self, replications: int, answer: dict[str, Any]) -> None:
        """The experiment is finished: every replication ran and the answer is known."""
        self.status = "complete"
        self.replications = replications
        self.workers = self.runs[-1].workers
        self.ended = now()
        self.runs[-1].ended = self.ended
        self.runs[-1].status = "complete"
        self.answer = answer

    def save(self, folder: Path) -> None:
        """Write `folder/manifest.json` (atomically)."""
        write_json(folder / "manifest.json", self.to_json())
