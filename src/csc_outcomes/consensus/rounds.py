"""A round's responses: one CSV row per panellist, read and checked before anything is
scored.

Layout (the template :func:`csc_outcomes.consensus.forms.template` writes): columns
``panellist_id``, ``group``, one column per item id holding a rating, optionally
``comment:<item id>`` per item and one ``comment`` column. A rating is a whole number
1-9, ``U`` (or ``unable``, ``unable to score``) for unable to score, or blank for not
answered. Any problem (a rating outside 1-9, a duplicate panellist id, a panellist without
a group, a column that is not an item of the survey, an empty round) stops the read with
every problem listed by row and column: nothing is scored from a broken file.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import DataError
from .items import Survey, read_text

UNABLE = ("u", "unable", "unable to score")
ID_COLUMNS = ("panellist_id", "group")
MAX_LISTED = 40


@dataclass
class Round:
    """The checked responses of one round.

    ``ratings`` has one row per panellist and item: panellist_id, group, item_id, rating
    (1-9, NaN unless rated), response ("rated", "unable" or "blank") and comment.
    ``panellists`` has panellist_id, group and row (the file row, header = row 1).
    """

    file: str
    survey: Survey
    ratings: pd.DataFrame
    panellists: pd.DataFrame
    comments: dict[str, str]

    @property
    def groups(self) -> list[str]:
        return sorted(self.panellists.group.unique())

    def matrix(self) -> pd.DataFrame:
        """Ratings as panellists x items (NaN unless rated 1-9)."""
        return self.ratings.pivot(index="panellist_id", columns="item_id", values="rating")


def _parse(value: str) -> tuple[str, float] | None:
    text = value.strip()
    if not text:
        return "blank", np.nan
    if text.lower() in UNABLE:
        return "unable", np.nan
    try:
        number = float(text)
    except ValueError:
        return None
    if number != int(number) or not 1 <= number <= 9:
        return None
    return "rated", number


def _columns(header: list[str], survey: Survey, name: str) -> list[str]:
    items = set(survey.ids())
    problems = [f"{name}, row 1: missing column {c!r}" for c in ID_COLUMNS if c not in header]
    for col in header:
        target = col.removeprefix("comment:")
        if col in ID_COLUMNS or col == "comment" or target in items:
            continue
        problems.append(f"{name}, row 1, column {col!r}: not an item of the survey; remove the "
                        "column or add the item to the survey's items.csv")
    problems += [f"{name}, row 1: no column for survey item {i!r}; add it (blank ratings are "
                 "allowed)" for i in survey.ids() if i not in header]
    dupes = sorted({c for c in header if header.count(c) > 1})
    problems += [f"{name}, row 1: column {c!r} appears twice" for c in dupes]
    return problems


def read_round(path: Path, survey: Survey) -> Round:
    """Read and check one round's responses against the survey it answers.

    Raises
    ------
    DataError
        listing every problem by file, row and column.
    """
    path = Path(path)
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    problems = _columns(header, survey, path.name)
    _stop(problems, path)
    records, rows, seen, comments = [], [], {}, {}
    for n, raw in enumerate(reader, start=2):
        if None in raw:
            problems.append(f"{path.name}, row {n}: more cells than columns")
            continue
        row = {k: (v or "").strip() for k, v in raw.items()}
        pid, group = row["panellist_id"], row["group"]
        keep = _check_row(row, n, seen, problems, path.name)
        if keep:
            rows.append({"panellist_id": pid, "group": group, "row": n})
            if row.get("comment"):
                comments[pid] = row["comment"]
        for item in survey.ids():
            parsed = _parse(row[item])
            if parsed is None:
                problems.append(f"{path.name}, row {n}, column {item!r}: {row[item]!r} is not a "
                                "rating; use a whole number 1-9, U for unable to score, or "
                                "leave it blank")
            elif keep:
                records.append({"panellist_id": pid, "group": group, "item_id": item,
                                "rating": parsed[1], "response": parsed[0],
                                "comment": row.get(f"comment:{item}", "")})
    if not rows and not problems:
        problems.append(f"{path.name}: the round is empty (no panellist rows)")
    ratings = pd.DataFrame(records, columns=["panellist_id", "group", "item_id", "rating",
                                             "response", "comment"])
    if rows and not problems and not (ratings.response != "blank").any():
        problems.append(f"{path.name}: the round is empty (no panellist gave any rating)")
    _stop(problems, path)
    ratings["rating"] = ratings.rating.astype(float)
    return Round(str(path), survey, ratings, pd.DataFrame(rows), comments)


def _check_row(row: dict, n: int, seen: dict, problems: list[str], name: str) -> bool:
    """Check a row's panellist id and group; True when its ratings can be kept."""
    pid, group = row["panellist_id"], row["group"]
    if not pid:
        problems.append(f"{name}, row {n}, column 'panellist_id': blank; every row needs a "
                        "panellist id (delete empty rows)")
        return False
    if pid in seen:
        problems.append(f"{name}, row {n}: panellist {pid!r} already appears in row "
                        f"{seen[pid]}; each panellist answers once")
        return False
    seen[pid] = n
    if not group:
        problems.append(f"{name}, row {n}, column 'group': panellist {pid!r} has no "
                        "stakeholder group; fill it in")
    return True


def _stop(problems: list[str], path: Path) -> None:
    if not problems:
        return
    shown = problems[:MAX_LISTED]
    more = len(problems) - len(shown)
    raise DataError(f"{len(problems)} problem(s) in {path}; nothing was scored:\n  "
                    + "\n  ".join(shown) + (f"\n  ... and {more} more" if more else ""))
