"""The survey: the candidate items a Delphi panel rates, built from indicator definitions,
the study's evidence map (framework.yaml) and free-text candidate outcomes.

An item is either an ``indicator`` (a defined national indicator, which may have data in
the store) or an ``outcome`` (a candidate outcome with no national indicator: a gap in the
evidence map, or one the study team writes in). A survey is written to a folder as
``items.csv`` (the items, read back by every later step) and ``survey.json`` (its round
and title); see :mod:`csc_outcomes.consensus.forms` for the response template and the form.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import DataError, DefinitionError
from ..indicators.registry import Registry, framework

ITEM_COLUMNS = ["item_id", "kind", "title", "description", "dimension", "features",
                "evidence", "national_data", "indicator"]
OUTCOME_COLUMNS = ["id", "title", "description", "features", "dimension"]
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Item:
    """One thing the panel rates."""

    id: str
    kind: str  # "indicator" or "outcome"
    title: str
    description: str
    dimension: str = ""
    features: tuple[str, ...] = ()
    evidence: str = ""
    national_data: str = ""
    indicator: str = ""  # the indicator id, for indicator items

    def row(self) -> dict:
        d = asdict(self)
        d["item_id"] = d.pop("id")
        d["features"] = " ".join(self.features)
        return {k: d[k] for k in ITEM_COLUMNS}


@dataclass
class Survey:
    """The items of one round, with the round number and a title."""

    items: list[Item]
    round: int = 1
    title: str = "Agreeing an outcomes framework for children's social care"
    notes: list[str] = field(default_factory=list)

    def ids(self) -> list[str]:
        return [i.id for i in self.items]

    def get(self, item_id: str) -> Item:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(item_id)


def _features() -> dict[str, dict]:
    return {f["id"]: f | {"dimension": d["id"]} for d in framework()["dimensions"]
            for f in d["features"]}


def _evidence(feature_ids, references=()) -> str:
    feats = _features()
    parts = [f"{f} {feats[f]['title']} ({feats[f]['type']})" for f in feature_ids if f in feats]
    refs = list(dict.fromkeys(list(references) + [s for f in feature_ids if f in feats
                                                  for s in feats[f].get("sources", [])]))
    text = "Evidence map: " + "; ".join(parts) + "." if parts else "Not in the evidence map."
    return text + (f" References: {'; '.join(refs)}." if refs else "")


def _data_text(cov: dict | None) -> str:
    if cov is None:
        return "national indicator defined (data not checked)"
    if not cov["n_years"]:
        return "national indicator defined, but no values in the store"
    return (f"yes: {cov['first_year']}-{cov['last_year']} ({cov['n_years']} years), "
            f"{cov['min_las']}-{cov['max_las']} authorities with a value")


def indicator_items(registry: Registry, ids: list[str], store=None) -> list[Item]:
    """An item for each indicator, with its evidence and whether national data exist
    (from the store, when one is given)."""
    cov = _coverage(registry, ids, store) if store is not None else {}
    items = []
    for ind in registry.resolve(ids):
        text = ind.definition.strip()
        if ind.polarity == "contested":
            text += f" Which direction is better is contested: {ind.polarity_reason.strip()}"
        items.append(Item(ind.id, "indicator", ind.title, text, ind.framework.dimension,
                          tuple(ind.framework.features),
                          _evidence(ind.framework.features, ind.evidence),
                          _data_text(cov.get(ind.id) if store is not None else None), ind.id))
    return items


def _coverage(registry: Registry, ids: list[str], store) -> dict[str, dict]:
    from ..indicators.coverage import indicator_coverage

    sub = Registry({i: registry.get(i) for i in ids}, {}, {})
    frame = indicator_coverage(sub, store)
    return {r["indicator"]: r for r in frame.to_dict(orient="records")}


def gap_items(registry: Registry, dimensions: list[str]) -> list[Item]:
    """A candidate ``outcome`` item for each evidence-map feature of these dimensions that
    no indicator in the registry measures (``"all"`` for every dimension)."""
    measured = {f for i in registry.indicators.values() for f in i.framework.features}
    known = [d["id"] for d in framework()["dimensions"]]
    unknown = [d for d in dimensions if d != "all" and d not in known]
    if unknown:
        raise ValueError(f"unknown dimension(s) {unknown}; use one of {known} or 'all'")
    items = []
    for fid, f in _features().items():
        if fid in measured or ("all" not in dimensions and f["dimension"] not in dimensions):
            continue
        items.append(Item(f"outcome-{fid}", "outcome", f["title"],
                          f"Candidate outcome with no national indicator. What the literature "
                          f"measures: {f.get('measures', 'not stated')}.", f["dimension"],
                          (fid,), _evidence([fid]), "no national indicator"))
    return items


def read_outcomes(path: Path) -> list[Item]:
    """Free-text candidate outcomes from a CSV with columns id, title, description and,
    optionally, features (evidence-map ids separated by spaces) and dimension.

    Raises DataError listing every problem with its row and column.
    """
    rows, problems = _read_csv(path, required=["id", "title", "description"],
                               allowed=OUTCOME_COLUMNS)
    feats = _features()
    items = []
    for n, row in rows:
        where = f"{path.name}, row {n}"
        fids = tuple(row.get("features", "").split())
        bad = [f for f in fids if f not in feats]
        if not _ID.match(row["id"]):
            problems.append(f"{where}, column 'id': {row['id']!r} is not a lower-case "
                            "hyphenated id (like 'views-on-education')")
        if not row["title"] or not row["description"]:
            problems.append(f"{where}: give both a title and a description")
        if bad:
            problems.append(f"{where}, column 'features': {bad} are not evidence-map features "
                            "(a1-a18, b1-b11, c1-c4, d1-d6)")
        dimension = row.get("dimension") or (feats[fids[0]]["dimension"] if fids and not bad
                                             else "")
        items.append(Item(row["id"], "outcome", row["title"], row["description"], dimension,
                          fids, _evidence([f for f in fids if f in feats]),
                          "no national indicator"))
    _raise(problems, path)
    return items


def build_survey(registry: Registry, ids: list[str] | None = None, *,
                 set_name: str | None = None, outcomes: list[Item] = (),
                 gaps: list[str] = (), store=None, title: str | None = None) -> Survey:
    """Round 1: the indicators named (or those of a set), the evidence-map gaps of the
    given dimensions and the free-text outcomes, in that order.

    Parameters
    ----------
    registry : the indicator definitions.
    ids, set_name : the indicators to rate (give at least one, or gaps or outcomes).
    outcomes : free-text candidate outcomes (:func:`read_outcomes`).
    gaps : dimensions whose unmeasured features become candidate outcomes, or ``["all"]``.
    store : the store, to say for each indicator whether national data exist.

    Raises DefinitionError on a duplicate item id or an empty survey.
    """
    chosen = [i.id for i in registry.resolve(ids, set_name)] if (ids or set_name) else []
    items = indicator_items(registry, chosen, store) + gap_items(registry, list(gaps)) + \
        list(outcomes)
    if not items:
        raise DefinitionError("the survey has no items: give indicator ids, --set, --gaps "
                              "or --outcomes")
    seen: dict[str, int] = {}
    for item in items:
        seen[item.id] = seen.get(item.id, 0) + 1
    dupes = sorted(k for k, v in seen.items() if v > 1)
    if dupes:
        raise DefinitionError(f"item ids used twice: {dupes}; rename the free-text outcomes")
    return Survey(items, 1, title or Survey.title)


def write_items(survey: Survey, folder: Path) -> list[Path]:
    """Write items.csv and survey.json into the folder (created if needed)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "items.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, ITEM_COLUMNS)
        writer.writeheader()
        writer.writerows(i.row() for i in survey.items)
    (folder / "survey.json").write_text(json.dumps(
        {"title": survey.title, "round": survey.round, "items": len(survey.items),
         "notes": survey.notes}, indent=2) + "\n")
    return [folder / "items.csv", folder / "survey.json"]


def read_survey(path: Path) -> Survey:
    """Read a survey back from its items.csv (or the folder holding it)."""
    path = Path(path)
    path = path / "items.csv" if path.is_dir() else path
    rows, problems = _read_csv(path, required=ITEM_COLUMNS, allowed=ITEM_COLUMNS)
    items = []
    for n, row in rows:
        if row["kind"] not in ("indicator", "outcome") or not row["item_id"]:
            problems.append(f"{path.name}, row {n}: needs an item_id and a kind of "
                            "'indicator' or 'outcome'")
            continue
        items.append(Item(row["item_id"], row["kind"], row["title"], row["description"],
                          row["dimension"], tuple(row["features"].split()), row["evidence"],
                          row["national_data"], row["indicator"]))
    ids = [i.id for i in items]
    problems += [f"{path.name}: item {i!r} is listed twice" for i in sorted(set(ids))
                 if ids.count(i) > 1]
    _raise(problems, path)
    if not items:
        raise DataError(f"{path}: the survey has no items")
    meta = path.parent / "survey.json"
    info = json.loads(meta.read_text()) if meta.is_file() else {}
    return Survey(items, int(info.get("round", 1)), info.get("title", Survey.title),
                  list(info.get("notes", [])))


def _read_csv(path: Path, required: list[str], allowed: list[str]):
    """(row number counting the header as row 1, row dict) pairs, and a list of problems."""
    text = read_text(path)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in required if c not in header]
    extra = [c for c in header if c not in allowed]
    problems = []
    if missing:
        problems.append(f"{path.name}, row 1: missing column(s) {missing}")
    if extra:
        problems.append(f"{path.name}, row 1: unknown column(s) {extra}; allowed: {allowed}")
    _raise(problems, path)
    rows = [(n, {k.strip(): (v or "").strip() for k, v in r.items() if k})
            for n, r in enumerate(reader, start=2)]
    return rows, []


def read_text(path: Path) -> str:
    """A CSV file's text (UTF-8, with or without a byte-order mark), or a DataError."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); save it as CSV UTF-8") \
            from None


def _raise(problems: list[str], path: Path) -> None:
    if problems:
        raise DataError(f"{len(problems)} problem(s) in {path}:\n  " + "\n  ".join(problems))
