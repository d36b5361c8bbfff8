"""From agreement to data: the items a round agreed "in" become an indicator set (the same
YAML schema as the built-in ``study-2016``), and the agreed outcomes that no national
indicator measures are recorded beside it as proposed additions to the national data.

A set is written into a definitions folder (the layout ``--indicators DIR`` reads):
``DIR/sets/NAME.yaml`` and the record ``DIR/consensus/NAME.yaml``. Pass ``--indicators
DIR`` to any command, or name the folder in ``CSC_OUTCOMES_INDICATORS``, to use it.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import yaml

from ..errors import AnalysisError, DefinitionError
from ..indicators.coverage import coverage
from ..indicators.model import IndicatorSet
from ..indicators.registry import Registry, load_registry
from .items import Item, Survey
from .scoring import IN, Scores, panel_summary

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


def agreed(scores: Scores, survey: Survey) -> tuple[list[Item], list[Item]]:
    """The items classified "in": (indicator items, outcome items without an indicator)."""
    verdict = scores.classification()
    chosen = [i for i in survey.items if verdict.get(i.id) == IN]
    return [i for i in chosen if i.kind == "indicator"], [i for i in chosen if i.kind != "indicator"]


def _check(name: str, folder: Path, registry: Registry, indicators: list[Item], force: bool):
    if not _ID.match(name):
        raise ValueError(f"set name {name!r} must be a lower-case hyphenated id, like "
                         "'agreed-2026'")
    builtin = load_registry(use_env=False).sets
    if name in builtin:
        raise DefinitionError(f"{name!r} is a built-in set; choose another --name")
    target = folder / "sets" / f"{name}.yaml"
    if target.exists() and not force:
        raise DefinitionError(f"{target} exists; choose another --name or pass --force")
    if not indicators:
        raise AnalysisError("no indicator reached consensus in, so there is no indicator set "
                            "to write (agreed outcomes without an indicator are listed by "
                            "`consensus score`)")
    unknown = [i.id for i in indicators if i.indicator not in registry.indicators]
    if unknown:
        raise DefinitionError(f"agreed indicator(s) {unknown} are not defined here; pass the "
                              "--indicators folder the survey was built from")


def write_set(scores: Scores, survey: Survey, name: str, folder: Path, *, registry: Registry,
              title: str | None = None, force: bool = False) -> dict:
    """Write the agreed indicators as set ``name`` and the agreed outcomes as its record.

    Parameters
    ----------
    scores, survey : the scored final round and its survey.
    name : the set id (lower-case, hyphenated; not a built-in set's).
    folder : the definitions folder to write into (``sets/`` and ``consensus/`` inside).
    registry : the definitions the survey's indicators come from.
    force : overwrite a set of the same name in this folder.

    Returns
    -------
    dict with set_file, record_file, indicators (ids) and outcomes (ids).
    """
    indicators, outcomes = agreed(scores, survey)
    folder = Path(folder)
    _check(name, folder, registry, indicators, force)
    panel = panel_summary(scores.panellists)
    stats = scores.items.set_index("item_id")
    the_set = IndicatorSet(
        id=name, title=title or f"Indicator set agreed by a Delphi panel ({name})",
        description=(f"The {len(indicators)} indicators rated critical under the rule "
                     f"({scores.rule.describe()}) in round {scores.round} by "
                     f"{panel['included']} scored panellists in {len(panel['groups'])} "
                     f"stakeholder groups; written by csc-outcomes consensus set on "
                     f"{date.today().isoformat()} from {Path(scores.file).name}."),
        indicators=[i.indicator for i in indicators])
    record = {"set": name, "written": date.today().isoformat(), "round_file": scores.file,
              "round": scores.round, "rule": scores.rule.describe(), "panel": panel,
              "indicators": [_entry(i, stats) for i in indicators],
              "outcomes_without_indicator": [_entry(i, stats) | {
                  "description": i.description, "features": list(i.features),
                  "dimension": i.dimension} for i in outcomes]}
    (folder / "sets").mkdir(parents=True, exist_ok=True)
    (folder / "consensus").mkdir(parents=True, exist_ok=True)
    set_file, record_file = folder / "sets" / f"{name}.yaml", folder / "consensus" / f"{name}.yaml"
    set_file.write_text(yaml.safe_dump(the_set.model_dump(), sort_keys=False, width=100))
    record_file.write_text(yaml.safe_dump(record, sort_keys=False, width=100))
    return {"set_file": str(set_file), "record_file": str(record_file),
            "indicators": the_set.indicators, "outcomes": [i.id for i in outcomes]}


def _entry(item: Item, stats) -> dict:
    s = stats.loc[item.id]
    return {"id": item.id, "title": item.title, "n": int(s.n), "median": float(s["median"]),
            "share_7_9": round(float(s.share_7_9), 4)}


def read_record(name: str, registry: Registry) -> dict | None:
    """The consensus record beside set ``name`` (``../consensus/NAME.yaml`` from its set
    file), or None when the set was not written by ``consensus set``."""
    origin = registry.origin.get(f"set:{name}")
    if not origin:
        return None
    path = Path(origin).parent.parent / "consensus" / f"{name}.yaml"
    if not path.is_file():
        return None
    try:
        return yaml.safe_load(path.read_text()) | {"file": str(path)}
    except (yaml.YAMLError, TypeError) as exc:
        raise DefinitionError(f"{path}: not a readable consensus record ({exc})") from None


def set_coverage(name: str, store=None, registry: Registry | None = None) -> dict:
    """The framework coverage of set ``name`` (see
    :func:`csc_outcomes.indicators.coverage.coverage`), plus ``proposed_additions``: the
    agreed outcomes with no national indicator, each marked on its evidence-map features
    as ``agreed_outcomes``, and ``consensus`` (the record, or None)."""
    registry = registry or load_registry()
    cov = coverage(store, registry, set_name=name)
    record = read_record(name, registry)
    additions = (record or {}).get("outcomes_without_indicator", [])
    for dim in cov["dimensions"]:
        for f in dim["features"]:
            f["agreed_outcomes"] = [a["id"] for a in additions if f["id"] in a.get("features", [])]
    cov["proposed_additions"] = additions
    cov["consensus"] = None if record is None else {k: record.get(k) for k in
                                                    ("file", "written", "round_file", "round",
                                                     "rule", "panel")}
    return cov
