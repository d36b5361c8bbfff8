"""Benchmark: `analyse trends` over every indicator and every year.

    python benchmarks/analysis_trends.py [--store FILE] [--repeats N]

Prints the median (and all runs) of the full trends report (values of every indicator for
every year, trajectories, trends, changes beyond noise, most-changed lists) and of its
parts, with ratios against two baselines measured in the same process: reading the
indicator values alone (the least work the report can do), and fitting the same trends
one segment at a time with statsmodels WLS (the obvious implementation).
Target on the 2-core reference machine: the full report under 10 s.
Needs a loaded store (`csc-outcomes data load`); CSC_OUTCOMES_STORE or --store.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import statsmodels.api as sm

from csc_outcomes.analysis import trends as T
from csc_outcomes.analysis.improving import trends_report
from csc_outcomes.config import resolve_store_path
from csc_outcomes.indicators import load_registry, values


def timed(fn) -> tuple[float, object]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def loop_wls(traj) -> int:
    fitted = 0
    d = traj[traj["value"].notna() & traj["se"].gt(0)]
    for _, s in d.groupby(["la_code", "indicator", "version"]):
        if len(s) >= 3:
            sm.WLS(s["value"].to_numpy(), sm.add_constant(s["period"].to_numpy(float)),
                   weights=1 / s["se"].to_numpy() ** 2).fit()
            fitted += 1
    return fitted


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    store = resolve_store_path(args.store)
    registry = load_registry()
    units = {i.id: i.unit for i in registry.indicators.values()}
    runs: dict[str, list[float]] = {k: [] for k in ("values", "loop", "trends", "report")}
    for _ in range(args.repeats):
        t, v = timed(lambda: values(store=store, registry=registry, areas=True))
        runs["values"].append(t)
        traj = T.trajectories(v, units)
        t, n_loop = timed(lambda traj=traj: loop_wls(traj))
        runs["loop"].append(t)
        t, trend = timed(lambda traj=traj: T.trends(traj))
        runs["trends"].append(t)
        t, report = timed(lambda: trends_report(store, ids=sorted(registry.indicators),
                                                registry=registry))
        runs["report"].append(t)
    med = {k: statistics.median(x) for k, x in runs.items()}
    print(f"indicators: {len(registry.indicators)}; value rows: {len(v)}; segments fitted: "
          f"{len(trend)} (loop: {n_loop}); repeats: {args.repeats}; cores: {os.cpu_count()}")
    print(f"baseline, read every indicator value:   median {med['values']:.2f} s  "
          f"runs {[round(x, 2) for x in runs['values']]}")
    print(f"baseline, statsmodels WLS per segment:  median {med['loop']:.2f} s  "
          f"runs {[round(x, 2) for x in runs['loop']]}")
    print(f"trends() on the same trajectories:      median {med['trends']:.3f} s  "
          f"({med['trends'] / med['loop']:.3f}x the per-segment loop)")
    print(f"full trends report, every indicator:    median {med['report']:.2f} s  "
          f"runs {[round(x, 2) for x in runs['report']]}  ({med['report'] / med['values']:.1f}x "
          f"reading the values; target < 10 s: {'met' if med['report'] < 10 else 'NOT met'})")


if __name__ == "__main__":
    main()
