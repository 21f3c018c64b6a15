"""The real-event scenarios say where every number comes from, and nothing in the project states an
answer before the model computes it (issue 17).

A number in a scenario's forces, posts, tiers, incidents or air and fuel sections carries, in the
comment on its line, one of: a source key `[key]` listed in docs/sources.md (whose entry names the
scenario), `rule NAME` for a rule written down in docs/reference-scenario.md, or the word
`assumption`. The test reads the scenario file's own lines, so a number moved to a line without its
comment fails too.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from sim.model import run_replication
from sim.scenario import load_scenario
from sim.scenario.yaml_lines import load_with_lines
from tests.helpers import ROOT

SOURCES = ROOT / "docs" / "sources.md"
RULES = ROOT / "docs" / "reference-scenario.md"
EVENTS = ("apec2024_peru.yaml", "g20_rio2024.yaml")
SECTIONS = (
    "forces",
    "posts",
    "tiers",
    "incidents",
    "aircraft_types",
    "aircraft",
    "air_coverage",
    "delegation_overwatch",
    "fuel_points",
    "fuel_trucks",
)
KEY = re.compile(r"\[([a-z0-9]+(?:-[a-z0-9]+)+)\]")  # keys have a hyphen: `[us]` is a YAML list
RULE = re.compile(r"\brule ([a-z][a-z0-9-]*)")

# Phrases that announce a result before the model computes it (the earlier reference's header did).
ANNOUNCED = re.compile(
    r"expected answer|should run out|runs? out between|close to the 600|targets met from ~|"
    r"chosen (?:so as )?to keep|so that post \+ aircrews|ground arithmetic|(?:will|would) find \d+",
    re.IGNORECASE,
)
TEXT_SUFFIXES = {".md", ".py", ".yaml", ".yml", ".toml", ".ipynb", ".cfg", ".txt", ".html", ".j2"}
SKIP_DIRS = {".git", ".venv", "results", "__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


def _keys() -> dict[str, str]:
    """docs/sources.md: key -> its entry's text (up to the next heading)."""
    text = SOURCES.read_text(encoding="utf-8")
    parts = re.split(r"^### \[([a-z0-9-]+)\]\n", text, flags=re.M)
    return {parts[i]: parts[i + 1].split("\n## ")[0] for i in range(1, len(parts), 2)}


def _rules() -> set[str]:
    return set(re.findall(r"^### Rule `([a-z0-9-]+)`", RULES.read_text(encoding="utf-8"), flags=re.M))


def _comment(line: str) -> str:
    """The comment of a YAML line: from the first `#` that starts a token outside quotes."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[i + 1 :]
    return ""


def _numbers(node: Any, path: tuple[Any, ...]) -> list[tuple[tuple[Any, ...], Any]]:
    if isinstance(node, dict):
        return [n for k, v in node.items() for n in _numbers(v, (*path, k))]
    if isinstance(node, list):
        return [n for i, v in enumerate(node) for n in _numbers(v, (*path, i))]
    if isinstance(node, (int, float)) and not isinstance(node, bool):
        return [(path, node)]
    return []


def _project_text_files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        rel = path.relative_to(ROOT)
        if any(part in SKIP_DIRS or part.endswith(".egg-info") for part in rel.parts):
            continue
        if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name == "Makefile"):
            found.append(path)
    return found


@pytest.mark.parametrize("name", EVENTS)
def test_every_number_cites_a_source_a_rule_or_an_assumption(name: str) -> None:
    path = ROOT / "scenarios" / name
    lines = path.read_text(encoding="utf-8").splitlines()
    data, marks = load_with_lines("\n".join(lines))
    keys, rules = _keys(), _rules()
    problems = []
    checked = 0
    for section in SECTIONS:
        for field, value in _numbers(data.get(section, {}), (section,)):
            line = marks[field]
            comment = _comment(lines[line - 1])
            cited_keys, cited_rules = KEY.findall(comment), RULE.findall(comment)
            where = f"{name}:{line}: {'.'.join(map(str, field))} = {value}"
            if not (cited_keys or cited_rules or "assumption" in comment):
                problems.append(f"{where}: no [key], rule or assumption in {comment.strip()!r}")
            problems += [f"{where}: unknown source [{k}]" for k in cited_keys if k not in keys]
            problems += [f"{where}: unknown rule {r}" for r in cited_rules if r not in rules]
            checked += 1
    assert checked > 40, checked  # the walk reached the sections (a renamed section would read nothing)
    assert problems == []


@pytest.mark.parametrize("name", EVENTS)
def test_every_key_cited_anywhere_in_a_scenario_is_listed_and_names_the_scenario(name: str) -> None:
    keys = _keys()
    cited = set()
    for line in (ROOT / "scenarios" / name).read_text(encoding="utf-8").splitlines():
        cited |= set(KEY.findall(_comment(line)))
    assert cited, name
    assert sorted(cited - set(keys)) == []
    assert sorted(k for k in cited if name not in keys[k]) == []


def test_every_source_and_every_rule_is_used() -> None:
    """No dead entries: a key or a rule nobody cites is either stale or a number that lost its citation."""
    texts = [(ROOT / "scenarios" / n).read_text(encoding="utf-8") for n in EVENTS]
    texts += [p.read_text(encoding="utf-8") for p in (ROOT / "docs").glob("*.md") if p != SOURCES]
    cited_keys = {k for t in texts for k in KEY.findall(t)}
    cited_rules = {r for t in texts[: len(EVENTS)] for r in RULE.findall(t)}
    assert sorted(set(_keys()) - cited_keys) == []
    assert sorted(_rules() - cited_rules) == []


def test_each_source_gives_an_address_or_says_it_has_none() -> None:
    for key, entry in _keys().items():
        assert (
            "https://" in entry
            or "http://" in entry
            or "no address recorded" in entry
            or key.startswith("gk-")
        ), key
        assert "Used by" in entry, key


# The research notes' folder, spelt in two parts so that this file does not name it itself (a
# repository-wide grep for it, as the project's pre-release check does, should find nothing).
OUTSIDE = ("/work/", "shared" + "/reference", "facts file")


def test_no_path_outside_the_repository() -> None:
    """A clone has only the repository: no absolute path of this machine, no research notes outside it,
    and every relative Markdown link resolves inside the repository."""
    bad = []
    for path in _project_text_files():
        if path == Path(__file__):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for needle in OUTSIDE:
            if needle in text:
                bad.append(f"{path.relative_to(ROOT)}: {needle!r}")
        if path.suffix == ".md":
            for target in re.findall(r"\]\(([^)#\s]+)", text):
                if "://" in target or target.startswith("mailto:"):
                    continue
                resolved = (path.parent / target).resolve()
                if ROOT.resolve() not in resolved.parents and resolved != ROOT.resolve():
                    bad.append(f"{path.relative_to(ROOT)}: link {target} leaves the repository")
    assert bad == []


def test_no_file_announces_an_answer_before_the_model_computes_it() -> None:
    found = []
    for path in _project_text_files():
        if path == Path(__file__):
            continue
        for i, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
            if ANNOUNCED.search(line):
                found.append(f"{path.relative_to(ROOT)}:{i}: {line.strip()}")
    assert found == []


def test_the_announcement_patterns_catch_the_old_header() -> None:
    """The patterns above are not vacuous: they match the lines the earlier reference shipped."""
    old = [
        "# Expected answer: targets met from ~540 troops (600 on a 0:1200:100 sweep)",
        "# the shortfall closes as troops rise; so every U.S.-only post ... should run out",
        "# the post shrinks to 14 so that post + aircrews still total 46:",
        "# moving security people too; basing the E-3Gs at AG8 keeps the ground arithmetic unchanged.)",
    ]
    assert all(ANNOUNCED.search(line) for line in old)


def test_the_second_event_runs_and_its_army_targets_measure_army_demand() -> None:
    """g20_rio2024.yaml is a shipped scenario: it validates and runs, and with no Army at all every
    Army post is short (the scoped targets measure the Army, not the police beside it)."""
    s = load_scenario(ROOT / "scenarios" / "g20_rio2024.yaml")
    army_posts = {n for n, p in s.posts.items() if list(p.forces) == ["army"]}
    assert len(army_posts) == 9
    none = run_replication(s, 0, troops=0)
    assert all(none.posts[n].staffed_ph == 0 < none.posts[n].required_ph for n in army_posts)
    full = run_replication(s, 0)
    assert all(full.posts[n].staffed_ph > 0 for n in army_posts)
