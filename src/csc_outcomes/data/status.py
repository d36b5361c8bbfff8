"""What the store holds: per file, per source and year, and the problem list."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .store import Store


def status(store_path: Path) -> dict:
    """Summarise a store.

    Returns
    -------
    dict with ``store``, ``loaded_at``, ``data_dir``, ``totals`` (observations, values,
    authorities, measures, inspections, problems), ``files`` (one record per file, as
    the last load left it) and ``by_source`` (observations per source folder and year).
    """
    with Store(store_path, read_only=True) as store:
        totals = store.totals()
        files = store.file_records().drop(columns=["loader_key"])
        by_source = store.status_by_source()
        return {
            "store": str(store_path),
            "loaded_at": store.meta("loaded_at"),
            "data_dir": store.meta("data_dir"),
            "totals": totals,
            "files": _records(files),
            "by_source": _records(by_source),
        }


def problems(store_path: Path, source_file: str | None = None,
             code: str | None = None) -> pd.DataFrame:
    """Every stored problem (file, row, column, code, message, value, cells)."""
    with Store(store_path, read_only=True) as store:
        return store.problems(source_file, code)


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
