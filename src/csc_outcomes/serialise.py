"""Strict JSON: the one conversion every ``--json`` output and every ``to_dict`` goes through.

JSON has no NaN or Infinity: a missing or undefined number is ``null``. Dates become ISO
text, numpy and pandas scalars Python numbers, frames lists of records, sets sorted lists,
paths text. :func:`dumps` refuses anything it cannot represent, so a non-strict output can
never be printed.

Examples
--------
>>> import math
>>> dumps({"r": math.nan, "n": 3, "when": __import__("datetime").date(2016, 3, 11)},
...       indent=None)
'{"r": null, "n": 3, "when": "2016-03-11"}'
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path


def plain(value):
    """``value`` as plain Python that strict JSON can hold (recursively)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (set, frozenset)):
        return [plain(v) for v in sorted(value, key=str)]
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    return _library_value(value)


def _library_value(value):
    """numpy, pandas and dataclass values (their libraries are imported only if used)."""
    if hasattr(value, "to_dict") and hasattr(value, "columns"):  # a DataFrame
        return [plain(r) for r in value.to_dict(orient="records")]
    if hasattr(value, "as_dict"):
        return plain(value.as_dict())
    if hasattr(value, "tolist"):  # numpy arrays and scalars, pandas Series
        return plain(value.tolist())
    if hasattr(value, "isoformat"):  # pandas Timestamp
        return None if str(value) == "NaT" else value.isoformat()
    if str(value) in ("<NA>", "NaT", "nan"):  # pandas.NA and friends
        return None
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as JSON")


def dumps(value, indent: int | None = 2) -> str:
    """Strict JSON text of ``value`` (see :func:`plain`)."""
    return json.dumps(plain(value), indent=indent, allow_nan=False, ensure_ascii=False)


def loads(text: str):
    """Parse JSON, refusing NaN and Infinity (as strict parsers do)."""
    def refuse(name):
        raise ValueError(f"not strict JSON: {name}")

    return json.loads(text, parse_constant=refuse)
