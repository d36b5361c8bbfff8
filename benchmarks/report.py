"""Benchmark: wall time of building the whole report for one year (every indicator and
authority page) from a loaded store.

    python benchmarks/report.py [--store FILE] [--year Y] [--repeats N]

Prints the median (and all runs) of the whole job (read the store, then write the site,
its analyses and pages made by one worker process per core), of its two parts, of the
same site written in one process (``workers=1``, what the report did before it used both
cores), and ratios against a baseline measured in the same process: computing every
indicator's values for every year once (the least work the report does). Also the
number of pages and tables (each with a CSV). Target on the 2-core reference machine: the
whole report under 30 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

from csc_outcomes.indicators import values
from csc_outcomes.report import build_site, read_report_data


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=os.environ.get("CSC_OUTCOMES_STORE"),
                        required=os.environ.get("CSC_OUTCOMES_STORE") is None)
    parser.add_argument("--year", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {"baseline (every indicator's values)": [],
                                     "read the store": [], "write the site": [],
                                     "whole report": [],
                                     "write the site in one process": []}
    site = None
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            t, _ = timed(lambda: values(areas=True, store=args.store))
            times["baseline (every indicator's values)"].append(t)
            t_read, data = timed(lambda: read_report_data(args.store, args.year))
            t_write, site = timed(lambda i=i, data=data: build_site(Path(tmp) / f"site{i}", data))
            times["read the store"].append(t_read)
            times["write the site"].append(t_write)
            times["whole report"].append(t_read + t_write)
            data = read_report_data(args.store, args.year)  # no analyses kept from above
            t_one, _ = timed(lambda i=i, data=data: build_site(Path(tmp) / f"one{i}", data,
                                                              workers=1))
            times["write the site in one process"].append(t_one)
    base = statistics.median(times["baseline (every indicator's values)"])
    print(f"store: {args.store}; year: {data.year}; repeats: {args.repeats}; "
          f"cores: {os.cpu_count()}")
    print(f"pages: {site.pages} ({len(data.registry.indicators)} indicators, "
          f"{len(data.authorities)} authorities); tables (each a CSV): {site.tables}")
    for name, ts in times.items():
        med = statistics.median(ts)
        target = (f"; target < 30 s: {'met' if med < 30 else 'NOT met'}"
                  if name == "whole report" else "")
        print(f"{name:38s} median {med:6.2f} s  runs {[round(t, 2) for t in ts]}  "
              f"({med / base:.1f}x baseline{target})")


if __name__ == "__main__":
    main()
