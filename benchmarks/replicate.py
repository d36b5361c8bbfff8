"""Benchmark: wall time of `replicate`, of `--sensitivity` and of `--search` on a loaded store.

    python benchmarks/replicate.py [--store FILE] [--repeats N]

Prints the median (and all runs) of each, and ratios against a baseline measured in the
same process: computing the study's 14 indicator values for 2015 once (the least work a
replication does). Target on the 2-core reference machine: the search under 60 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from csc_outcomes.analysis.replicate import replicate
from csc_outcomes.analysis.search import search
from csc_outcomes.analysis.sensitivity import sensitivity
from csc_outcomes.indicators import values


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=os.environ.get("CSC_OUTCOMES_STORE"),
                        required=os.environ.get("CSC_OUTCOMES_STORE") is None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    runs = {
        "baseline (study values, 2015)": lambda: values(set_name="study-2016", years=[2015],
                                                        store=args.store),
        "replicate": lambda: replicate(store=args.store),
        "replicate --sensitivity": lambda: sensitivity(store=args.store),
        "replicate --search": lambda: search(args.store),
    }
    times = {name: [timed(fn) for _ in range(args.repeats)] for name, fn in runs.items()}
    base = statistics.median(times["baseline (study values, 2015)"])
    print(f"store: {args.store}; repeats: {args.repeats}; cores: {os.cpu_count()}")
    for name, ts in times.items():
        med = statistics.median(ts)
        target = f"; target < 60 s: {'met' if med < 60 else 'NOT met'}" if "search" in name else ""
        print(f"{name:32s} median {med:7.2f} s  runs {[round(t, 2) for t in ts]}  "
              f"({med / base:.1f}x baseline{target})")


if __name__ == "__main__":
    main()
