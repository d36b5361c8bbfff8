"""Benchmark: the cold load and the no-change reload against the floor, and `--help`.

    python benchmarks/load.py [--data-dir DIR] [--repeats N]

The *floor* is the least any loader must do: read every cell of every file once, CSVs
with pandas (as text, as the readers do), workbooks with python-calamine (every sheet)
and parquet with pyarrow. It is measured in this process, beside the load, so that the
ratios hold whatever else the machine is doing. A second baseline reads the same files
with pandas' own defaults (``read_csv`` inferring types, ``read_excel`` with the calamine
engine for every sheet, ``read_parquet``), which is what "reading the files with pandas"
costs a user. Prints medians (and every run), the ratios and the machine's load average.
Targets on the 2-core reference machine: cold load at most 3x the floor; no-change
reload under 0.3 s; `csc-outcomes --help` under 0.4 s.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def read_every_cell(data_dir: Path, names: list[str]) -> int:
    """The floor: every cell of every data file read once; returns the cells read."""
    import pandas as pd
    import pyarrow.parquet as pq
    from python_calamine import CalamineWorkbook

    cells = 0
    for name in names:
        path = data_dir / name
        suffix = path.suffix.lower()
        if suffix == ".csv":
            data = path.read_bytes()
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                text = data.decode("cp1252")
            frame = pd.read_csv(io.StringIO(text), dtype=object, keep_default_na=False)
            cells += frame.size
        elif suffix in (".xlsx", ".ods"):
            book = CalamineWorkbook.from_path(str(path))
            for sheet in book.sheet_names:
                cells += sum(len(r) for r in book.get_sheet_by_name(sheet).to_python())
        elif suffix == ".parquet":
            cells += pq.read_table(path).to_pandas().size
    return cells


def read_with_pandas_defaults(data_dir: Path, names: list[str]) -> int:
    """The second baseline: every data file read with pandas' default readers."""
    import pandas as pd

    cells = 0
    for name in names:
        path = data_dir / name
        suffix = path.suffix.lower()
        if suffix == ".csv":
            try:
                cells += pd.read_csv(path, low_memory=False).size
            except UnicodeDecodeError:
                cells += pd.read_csv(path, encoding="cp1252", low_memory=False).size
        elif suffix in (".xlsx", ".ods"):
            sheets = pd.read_excel(path, sheet_name=None, engine="calamine", header=None)
            cells += sum(f.size for f in sheets.values())
        elif suffix == ".parquet":
            cells += pd.read_parquet(path).size
    return cells


def help_time() -> tuple[float, float]:
    """Wall time of `csc-outcomes --help`, and of starting Python (the baseline)."""
    cmd = [sys.executable, "-c", "from csc_outcomes.cli import cli; cli()", "--help"]
    run = lambda args: subprocess.run(args, capture_output=True, check=True)  # noqa: E731
    return (timed(lambda: run(cmd)), timed(lambda: run([sys.executable, "-c", "pass"])))


def main() -> None:
    from csc_outcomes.data.load import data_files, load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("CSC_OUTCOMES_DATA", "../shared/data/raw")
    parser.add_argument("--data-dir", type=Path, default=Path(default))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    names = data_files(args.data_dir)
    floor, pandas_way, cold, warm, helps, pythons = [], [], [], [], [], []
    cells = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            start = time.perf_counter()
            cells = read_every_cell(args.data_dir, names)
            floor.append(time.perf_counter() - start)
            pandas_way.append(timed(lambda: read_with_pandas_defaults(args.data_dir, names)))
            store = Path(tmp) / f"cold{i}.duckdb"
            cold.append(timed(lambda store=store: load(args.data_dir, store)))
        for _ in range(args.repeats):
            warm.append(timed(lambda store=store: load(args.data_dir, store)))
        for _ in range(args.repeats):
            h, p = help_time()
            helps.append(h)
            pythons.append(p)
    f, d, c, w, h, p = (statistics.median(x)
                        for x in (floor, pandas_way, cold, warm, helps, pythons))
    runs = lambda xs: [round(x, 3) for x in xs]  # noqa: E731
    print(f"files: {len(names)}; cells in the floor read: {cells:,}; repeats: {args.repeats}; "
          f"cores: {os.cpu_count()}; load average before/after: {os.getloadavg()[0]:.2f}")
    print(f"floor (read every cell): median {f:.3f} s  runs {runs(floor)}")
    print(f"pandas defaults read:    median {d:.3f} s  runs {runs(pandas_way)}")
    print(f"cold full load:          median {c:.3f} s  runs {runs(cold)}  "
          f"= {c / f:.2f}x the floor (target <= 3x: {'met' if c <= 3 * f else 'NOT met'}); "
          f"{c / d:.2f}x reading with pandas' defaults")
    print(f"no-change reload:        median {w:.3f} s  runs {runs(warm)}  "
          f"= {w / f:.2f}x the floor, {w / c:.3f}x the cold load (target < 0.3 s: "
          f"{'met' if w < 0.3 else 'NOT met'})")
    print(f"csc-outcomes --help:     median {h:.3f} s  runs {runs(helps)}  "
          f"(python start-up alone {p:.3f} s; target < 0.4 s: {'met' if h < 0.4 else 'NOT met'})")


if __name__ == "__main__":
    main()
