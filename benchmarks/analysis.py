"""Benchmark: the consistency permutation null and the three "Can the data tell?" analyses.

    python benchmarks/analysis.py [--store FILE | --data-dir DIR] [--year 2015] [--repeats N]

Prints medians (and all runs) of:
- the 10,000-draw permutation null on the real year's 152 authorities x 11 child-outcome
  indicators (target: under 2 s on the 2-core reference machine);
- the same null with a Python loop per draw (1,000 draws, scaled to 10,000), for contrast;
- ``analyse consistency``, ``funnel`` and ``ofsted`` for one year, from the store;
with ratios against a plain numpy baseline measured in the same run: drawing the null's
10,000 x 152 x 11 uniform keys with ``numpy.random.Generator.random`` (the least work any
draw-based null must do).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from csc_outcomes.analysis.consistency import memberships, null_counts
from csc_outcomes.analysis.findings import directions, wide
from csc_outcomes.analysis.tell import (
    consistency_report,
    existing_values,
    funnel_report,
    ofsted_report,
)
from csc_outcomes.indicators import load_registry

DRAWS = 10_000


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _loop_null(member, available, draws, seed=2016):
    """The same null, one Python iteration per draw (the shape vectorisation avoids)."""
    rng = np.random.default_rng(seed)
    counts = np.zeros((draws, member.shape[0]), dtype=np.int16)
    for d in range(draws):
        for j in range(member.shape[1]):
            idx = np.flatnonzero(available[:, j])
            counts[d, rng.permutation(idx)[: int(member[idx, j].sum())]] += 1
    return counts


def _matrices(store: Path, year: int):
    registry = load_registry()
    ids = [i for i in registry.sets["study-2016"].indicators
           if registry.get(i).kind == "child-outcome"]
    vals = existing_values(ids, [year], store, registry)
    table = wide(vals, ids)
    member = memberships(table, directions(registry, ids))["best"]
    return member.to_numpy(bool), table[member.columns].notna().to_numpy(bool)


def _store(args, tmp: str) -> Path:
    if args.store:
        return Path(args.store)
    from csc_outcomes.data.load import load

    path = Path(tmp) / "bench.duckdb"
    load(args.data_dir, path)
    return path


def _line(label, runs, base):
    med = statistics.median(runs)
    return (f"{label:<44} median {med:7.3f} s  runs {[round(x, 3) for x in runs]}  "
            f"({med / base:.1f}x baseline)"), med


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=os.environ.get("CSC_OUTCOMES_STORE"))
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("CSC_OUTCOMES_DATA", "../shared/data/raw")))
    parser.add_argument("--year", type=int, default=2015)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        store = _store(args, tmp)
        member, available = _matrices(store, args.year)
        rng = np.random.default_rng(0)
        base_runs = [timed(lambda: rng.random((DRAWS, member.size)))
                     for _ in range(args.repeats)]
        base = statistics.median(base_runs)
        print(f"authorities x indicators: {member.shape[0]} x {member.shape[1]}; draws: "
              f"{DRAWS:,}; repeats: {args.repeats}; cores: {os.cpu_count()}")
        print(f"{'baseline (numpy: draw the uniform keys)':<44} median {base:7.3f} s  "
              f"runs {[round(x, 3) for x in base_runs]}")
        runs = [timed(lambda: null_counts(member, available, DRAWS))
                for _ in range(args.repeats)]
        text, med = _line("permutation null, vectorised", runs, base)
        print(f"{text}  target < 2 s: {'met' if med < 2 else 'NOT met'}")
        loop = [10 * timed(lambda: _loop_null(member, available, DRAWS // 10))
                for _ in range(max(1, args.repeats // 2))]
        print(_line("permutation null, Python loop per draw (x10)", loop, base)[0])
        for name, fn in (
                ("analyse consistency (one year, from store)",
                 lambda: consistency_report([args.year], store=store)),
                ("analyse funnel (one year, from store)",
                 lambda: funnel_report([args.year], store=store)),
                ("analyse ofsted (one data year, from store)",
                 lambda: ofsted_report(years=[args.year], store=store))):
            print(_line(name, [timed(fn) for _ in range(args.repeats)], base)[0])


if __name__ == "__main__":
    main()
