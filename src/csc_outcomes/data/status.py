"""What the store holds: per file, per source and year, and the problem list."""

from __future__ import annotations

import json

import pandas as pd

from ..errors import PROBLEM_CODES
from .store import opened


def status(store=None) -> dict:
    """Summarise a store.

    Returns
    -------
    dict with ``store``, ``loaded_at``, ``data_dir``, ``totals`` (observations, values,
    authorities, measures, inspections, problems), ``files`` (one record per file, as
    the last load left it) and ``by_source`` (observations per source folder and year).
    """
    with opened(store) as st:
        totals = st.totals()
        files = st.file_records().drop(columns=["loader_key"])
        files["special_by_status"] = [json.loads(v) if isinstance(v, str) else {}
                                      for v in files["special_by_status"]]
        files["notes"] = [v.split("; ") if isinstance(v, str) else [] for v in files["notes"]]
        by_source = st.status_by_source()
        return {
            "store": str(st.path),
            "loaded_at": st.meta("loaded_at"),
            "data_dir": st.meta("data_dir"),
            "totals": totals,
            "files": _records(files),
            "by_source": _records(by_source),
        }


def problems(store=None, source_file: str | None = None,
             code: str | None = None) -> pd.DataFrame:
    """Every stored problem (file, row, column, code, message, value, cells).

    Raises ValueError for a ``code`` that is not one of the documented problem codes."""
    if code is not None and code not in PROBLEM_CODES:
        raise ValueError(f"no problem code {code!r}; the codes are {', '.join(PROBLEM_CODES)}")
    with opened(store) as st:
        return st.problems(source_file, code)


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for rec in frame.to_dict(orient="records"):
        out.append({k: (None if _isna(v) else (v.isoformat() if hasattr(v, "isoformat") else
                                               (int(v) if hasattr(v, "is_integer") and
                                                float(v).is_integer() and not isinstance(v, bool)
                                                else v)))
                    for k, v in rec.items()})
    return out


def _isna(v) -> bool:
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False
