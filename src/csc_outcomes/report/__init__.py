"""The report: a static site of every indicator and authority (``csc-outcomes report``)
and the same pages served live with search and comparison (``csc-outcomes serve``).

Build the site from a store: ``build_site("site", read_report_data("csc.duckdb"))``
returns where ``index.html`` is and how many pages and tables were written;
``build_report`` loads the data folder first, as the command does.
"""

from .context import ReportData, default_year, read_report_data
from .site import SiteReport, build_report, build_site, render, site_pages

__all__ = ["ReportData", "SiteReport", "build_report", "build_site", "default_year", "read_report_data",
           "render", "site_pages"]
