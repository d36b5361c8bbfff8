"""One row per inspection from the records every Ofsted source gives.

The same inspection appears in several sources (the 2025 ILACS history, the 2023
workbook's sheets, the scrape), and they do not always agree on the publication date:
six first-SIF reports differ by 1 to 7 days between the 2023 workbook and the scrape,
and the 2023 workbook gives Nottingham's 2022 ILACS as published two months late. So
records are linked when they are for the same authority, published within
``LINK_DAYS`` of each other, and compatible (same framework, or one unknown; for SLAC
the same kind, because safeguarding and looked-after re-inspections were published on
the same day in Cornwall and Warrington; a visit never links with an inspection). Graded
records that agree on every judgement link within ``LINK_DAYS_SAME_GRADES``.

The best-ranked record of each group gives the row; its empty fields are filled from the
others in rank order; ``sources`` lists every record and ``note`` says where they disagree.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd

LINK_DAYS = 14
#: Graded records that agree on every judgement link over a longer gap: two real
#: inspections of one authority are years apart, so this only catches a mistyped month.
LINK_DAYS_SAME_GRADES = 92
GRADE_FIELDS = ["overall", "help_and_protection", "children_in_care", "care_leavers",
                "adoption", "leadership", "lscb"]
FILL_FIELDS = ["inspection_type", "start_date", "end_date", *GRADE_FIELDS]
VISITS = {"focused visit", "monitoring visit"}
COLUMNS = ["la_code", "framework", "inspection_type", "start_date", "end_date", "published",
           *GRADE_FIELDS, "source_file", "source_row", "sources", "note"]


def _compatible(a: dict, b: dict) -> bool:
    if a["framework"] != b["framework"] and "unknown" not in (a["framework"], b["framework"]):
        return False
    if (a["inspection_type"] in VISITS) != (b["inspection_type"] in VISITS):
        return False
    if a["framework"] == "SLAC" == b["framework"] and a["inspection_type"] != b["inspection_type"]:
        return False
    gap = abs(a["published"] - b["published"])
    if gap <= timedelta(days=LINK_DAYS):
        return True
    return gap <= timedelta(days=LINK_DAYS_SAME_GRADES) and _same_grades(a, b)


def _same_grades(a: dict, b: dict) -> bool:
    if a["overall"] is None or b["overall"] is None:
        return False
    return all(a[f] is None or b[f] is None or a[f] == b[f] for f in GRADE_FIELDS)


def _groups(records: list[dict]) -> list[list[dict]]:
    """Greedy linking within each authority, in order of publication then rank."""
    groups: list[list[dict]] = []
    by_la: dict[str, list[list[dict]]] = {}
    key = ("la_code", "published", "source_rank", "source_file", "source_row")
    for rec in sorted(records, key=lambda r: tuple(r[k] for k in key)):
        open_groups = by_la.setdefault(rec["la_code"], [])
        home = next((g for g in open_groups if all(_compatible(m, rec) for m in g)), None)
        if home is None:
            home = []
            open_groups.append(home)
            groups.append(home)
        home.append(rec)
    return groups


def consolidate(records: pd.DataFrame) -> pd.DataFrame:
    """The ``inspection`` table: one row per inspection (see the module docstring)."""
    dated = records[records["published"].notna()]
    if dated.empty:
        return pd.DataFrame(columns=COLUMNS)
    dicts = [{k: (None if _missing(v) else v) for k, v in rec.items()}
             for rec in dated.to_dict(orient="records")]
    for rec in dicts:
        rec["published"] = pd.Timestamp(rec["published"]).date()
    rows = []
    for group in _groups(dicts):
        members = sorted(group, key=lambda r: (r["source_rank"], r["source_file"], r["source_row"]))
        best = dict(members[0])
        for field in FILL_FIELDS:
            if best[field] is None:
                best[field] = next((m[field] for m in members if m[field] is not None), None)
        if best["framework"] == "unknown":
            best["framework"] = next((m["framework"] for m in members
                                      if m["framework"] != "unknown"), "unknown")
        best["sources"] = [f"{m['source_file']}:{m['source_row']}" for m in members]
        best["note"] = _disagreements(members)
        rows.append(best)
    out = pd.DataFrame(rows)[COLUMNS]
    for col in ("published", "start_date", "end_date"):
        out[col] = pd.to_datetime(out[col]).dt.date
    return out.sort_values(["la_code", "published"]).reset_index(drop=True)


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _disagreements(members: list[dict]) -> str | None:
    notes = []
    dates = list(dict.fromkeys(m["published"] for m in members))
    if len(dates) > 1:
        notes.append("sources give publication dates " + ", ".join(str(d) for d in dates))
    for field in GRADE_FIELDS + ["inspection_type"]:
        values = list(dict.fromkeys(m[field] for m in members if m[field] is not None))
        if len(values) > 1:
            notes.append(f"{field}: sources say " + " / ".join(map(str, values)))
    return "; ".join(notes) or None
