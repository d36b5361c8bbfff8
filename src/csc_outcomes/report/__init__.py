"""The report: a static site of every indicator and authority (``csc-outcomes report``)
and the same pages served live with search and comparison (``csc-outcomes serve``).

>>> from csc_outcomes.report import read_report_data, build_site  # doctest: +SKIP
>>> site = build_site("site", read_report_data(store="csc.duckdb"))  # doctest: +SKIP
>>> site.index, site.pages  # doctest: +SKIP
"""

from .context import ReportData, default_year, read_report_data
from .site import SiteReport, build_report, build_site, render, site_pages

__all__ = ["ReportData", "SiteReport", "build_report", "build_site", "default_year", "read_report_data",
           "render", "site_pages"]
