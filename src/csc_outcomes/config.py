"""Where the data folder and the store live.

Resolution order, most specific first: an explicit argument (the CLI's
``--data-dir`` / ``--store``), then the environment (``CSC_OUTCOMES_DATA`` /
``CSC_OUTCOMES_STORE``), then a default in the user's data folder.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import DataError

DATA_ENV = "CSC_OUTCOMES_DATA"
STORE_ENV = "CSC_OUTCOMES_STORE"


def user_data_dir() -> Path:
    """The per-user folder for the store and the download cache (XDG on Linux)."""
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "csc-outcomes"


def default_cache_dir() -> Path:
    """Where ``data fetch`` downloads the official releases."""
    return user_data_dir() / "raw"


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """Return the folder of official releases, or raise a DataError saying how to set it."""
    chosen = data_dir or os.environ.get(DATA_ENV)
    if chosen is None:
        cache = default_cache_dir()
        if cache.is_dir():
            return cache
        raise DataError(
            "no data folder given. Point --data-dir or the "
            f"{DATA_ENV} environment variable at a copy of the official releases "
            f"(e.g. ../shared/data/raw), or run `csc-outcomes data fetch` to download them into {cache}."
        )
    path = Path(chosen).expanduser()
    if not path.is_dir():
        raise DataError(
            f"data folder {path} does not exist. Check --data-dir / {DATA_ENV}, "
            "or run `csc-outcomes data fetch` to download the releases."
        )
    return path


def resolve_store_path(store=None):
    """Return the DuckDB file to use (it need not exist yet). An open store (anything with
    a ``path`` and a connection, as ``csc_outcomes.open()`` holds) is passed through as it
    is, so that library functions can share its connection."""
    if hasattr(store, "con"):
        return store
    chosen = store or os.environ.get(STORE_ENV)
    if chosen is None:
        return user_data_dir() / "store.duckdb"
    return Path(chosen).expanduser()
