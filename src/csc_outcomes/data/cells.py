"""Turn the text of a data cell into a number or a documented special status.

Each publisher marks missing numbers with its own symbols. A *convention*
maps each symbol to one of :data:`STATUSES`; a symbol outside the convention
that is also not a number is a problem (``bad-value``), never a zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Every status a stored observation can have. Only ``value`` carries a number.
STATUSES: dict[str, str] = {
    "value": "a published number",
    "suppressed": "withheld to protect confidentiality (small numbers, secondary suppression)",
    "not_available": "not collected, not returned, or missing without a stated reason",
    "not_applicable": "the measure does not apply to this authority or period",
    "nil": "nil or negligible (published as '-', not a measured zero)",
    "low_reliability": "published but flagged as of low reliability",
    "rounds_to_zero": "a positive number that rounds to zero",
}

#: DfE statistical first release underlying data, 2010-2017, and the LA-table workbooks.
SFR = {
    "x": "suppressed",
    "..": "not_available",
    ".": "not_applicable",
    "-": "nil",
    ":": "not_available",
    "": "not_available",
}
#: explore-education-statistics open data (2013 onwards).
EES = {
    "c": "suppressed",
    "x": "not_available",
    "z": "not_applicable",
    "k": "rounds_to_zero",
    "u": "low_reliability",
    "low": "rounds_to_zero",
    ":": "not_available",
    "": "not_available",
}
#: DfE Local Authority Interactive Tool: '-' stands for anything not shown,
#: suppressed or not collected alike, so it cannot be told apart.
LAIT = {"-": "not_available", "": "not_available", "x": "suppressed", "c": "suppressed"}
#: NI71 self-evaluation returns (OSR23/2010): '-' is a quarter with no return.
OSR = {"-": "not_available", "": "not_available", "x": "suppressed"}
#: Plain numeric files (ONS, MHCLG, S251 outturn): only an empty cell is special.
PLAIN = {"": "not_available"}

CONVENTIONS = {"sfr": SFR, "ees": EES, "lait": LAIT, "osr": OSR, "plain": PLAIN}


@dataclass
class Parsed:
    """Vectorised result of :func:`parse_cells` (all arrays the input's length)."""

    value: np.ndarray  # float64, NaN unless status == "value"
    status: np.ndarray  # object: a key of STATUSES, or None where bad
    code: np.ndarray  # object: the original symbol for specials, None for numbers
    bad: np.ndarray  # bool: neither a number nor a known symbol


def parse_cells(raw: pd.Series, convention: str | dict[str, str]) -> Parsed:
    """Classify each text cell as a number, a special status, or bad.

    Numbers may carry thousands separators and surrounding spaces. A symbol is
    matched after stripping spaces, case-insensitively.

    Examples
    --------
    >>> p = parse_cells(pd.Series(["12", "x", "1,200", "#VALUE!"]), "sfr")
    >>> list(p.status)
    ['value', 'suppressed', 'value', None]
    >>> float(p.value[2])
    1200.0
    """
    codes = CONVENTIONS[convention] if isinstance(convention, str) else convention
    # Work on the distinct texts only: a column of 20,000 cells has a few hundred.
    index, uniques = pd.factorize(raw.fillna("").astype(str), use_na_sentinel=False)
    text = pd.Series(uniques, dtype=object).str.strip()
    numeric = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce")
    u_num = numeric.notna().to_numpy() & ~np.isinf(numeric.fillna(0).to_numpy(dtype=float))
    u_special = np.array([codes.get(t.lower()) for t in text], dtype=object)
    u_status = np.where(u_num, "value", u_special).astype(object)
    u_bad = ~u_num & pd.isna(u_special)
    u_status[u_bad] = None
    u_code = np.where(u_num | u_bad, None, text.to_numpy(dtype=object)).astype(object)
    u_value = np.where(u_num, numeric.to_numpy(dtype=float, na_value=np.nan), np.nan)
    value, status, code, bad = u_value[index], u_status[index], u_code[index], u_bad[index]
    return Parsed(value=value, status=status, code=code, bad=np.asarray(bad, dtype=bool))


@dataclass
class ParsedUniques:
    """:func:`parse_uniques`' result: arrays over the distinct texts, statuses and codes
    dictionary-encoded (``status_labels[status_codes[i]]``; code -1 = none)."""

    value: np.ndarray  # float64 per distinct text, NaN unless a number
    bad: np.ndarray  # bool per distinct text
    status_codes: np.ndarray
    status_labels: np.ndarray
    code_codes: np.ndarray
    code_labels: np.ndarray


def parse_uniques(uniques, convention: str | dict[str, str]) -> ParsedUniques:
    """Classify distinct cell texts (as :func:`parse_cells` does for each cell).

    Examples
    --------
    >>> p = parse_uniques(["12", "x", " 1,200 ", "#VALUE!"], "sfr")
    >>> [p.status_labels[c] if c >= 0 else None for c in p.status_codes]
    ['value', 'suppressed', 'value', None]
    >>> float(p.value[2]), p.bad.tolist()
    (1200.0, [False, False, False, True])
    """
    if isinstance(convention, str):
        memo = _PARSED.setdefault(convention, {})
        codes = CONVENTIONS[convention]
    else:
        memo, codes = {}, convention
    found = [memo.get(u) or _classify(u, codes, memo) for u in uniques]
    value, status, code, bad = zip(*found) if found else ((), (), (), ())
    status_codes, status_labels = pd.factorize(np.array(status, dtype=object),
                                               use_na_sentinel=True)
    code_codes, code_labels = pd.factorize(np.array(code, dtype=object), use_na_sentinel=True)
    return ParsedUniques(np.array(value, dtype=float), np.array(bad, dtype=bool),
                         status_codes.astype(np.int64), np.asarray(status_labels, dtype=object),
                         code_codes.astype(np.int64), np.asarray(code_labels, dtype=object))


def bad_uniques(uniques, convention: str) -> np.ndarray:
    """``parse_uniques(uniques, convention).bad``: which texts are neither a number nor a
    symbol of the convention.

    >>> bad_uniques(["12", "x", "#VALUE!"], "sfr").tolist()
    [False, False, True]
    """
    memo, codes = _PARSED.setdefault(convention, {}), CONVENTIONS[convention]
    return np.array([(memo.get(u) or _classify(u, codes, memo))[3] for u in uniques],
                    dtype=bool)


#: Each text's (value, status, code, bad) by convention: the same texts recur in every file.
_PARSED: dict[str, dict[str, tuple]] = {}


def _classify(raw, codes: dict[str, str], memo: dict) -> tuple:
    """(value, status, code, bad) of one cell text under a convention's symbols, kept in
    ``memo`` under the text. A number reads as ``pandas.to_numeric`` reads it after the
    thousands separators are removed: no underscores, only ASCII digits."""
    key = raw if isinstance(raw, str) else str(raw)
    found = memo.get(key)
    if found is None:
        text = key.strip()
        plain = text.replace(",", "")
        try:
            number = float(plain) if plain.isascii() and "_" not in plain else _NAN
        except ValueError:
            number = _NAN
        if -_INF < number < _INF:  # finite
            found = (number, "value", None, False)
        else:
            status = codes.get(text.lower())
            found = (_NAN, status, None if status is None else text, status is None)
        memo[key] = found
    return found


_NAN, _INF = float("nan"), float("inf")
