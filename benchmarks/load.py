"""Benchmark: wall time of a cold full load and of a no-change reload.

    python benchmarks/load.py [--data-dir DIR] [--repeats N]

Prints the median (and all runs) of each, and ratios against a baseline measured in the
same process: hashing every file of the data folder (the least work a reload can do).
Targets on the 2-core reference machine: cold load under 15 s, no-change reload under 1 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from csc_outcomes.data.load import data_files, load, sha256


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default = os.environ.get("CSC_OUTCOMES_DATA", "../shared/data/raw")
    parser.add_argument("--data-dir", type=Path, default=Path(default))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    names = data_files(args.data_dir)
    baseline = [timed(lambda: [sha256(args.data_dir / n) for n in names])
                for _ in range(args.repeats)]
    cold, warm = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            store = Path(tmp) / f"cold{i}.duckdb"
            cold.append(timed(lambda: load(args.data_dir, store)))
        for _ in range(args.repeats):
            warm.append(timed(lambda: load(args.data_dir, store)))
    base, c, w = (statistics.median(x) for x in (baseline, cold, warm))
    print(f"files: {len(names)}; repeats: {args.repeats}; cores: {os.cpu_count()}")
    print(f"baseline (sha256 of every file): median {base:.3f} s  runs {[round(x, 3) for x in baseline]}")
    print(f"cold full load:                  median {c:.2f} s  runs {[round(x, 2) for x in cold]}"
          f"  ({c / base:.0f}x baseline; target < 15 s: {'met' if c < 15 else 'NOT met'})")
    print(f"no-change reload:                median {w:.3f} s  runs {[round(x, 3) for x in warm]}"
          f"  ({w / base:.1f}x baseline, {w / c:.3f}x cold; target < 1 s: "
          f"{'met' if w < 1 else 'NOT met'})")


if __name__ == "__main__":
    main()
