"""Which reader reads which file of the data folder, and which files are left out and why.

Patterns are matched in order against the path relative to the data folder
(``fnmatch`` syntax, ``*`` crossing folders). A file no pattern matches is
reported by ``data load`` as unknown rather than silently ignored.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fnmatch import fnmatch

from .readers import context, csww_sfr, ees, la_tables, lait, lookups, ofsted, sfr_csv
from .readers.base import ReadContext, ReadResult

Reader = Callable[[ReadContext], ReadResult]


@dataclass(frozen=True)
class Entry:
    pattern: str
    family: str  # the reader family (stored with each file), or "skip"
    reader: Reader | None = None  # the function that reads a file of this entry
    reason: str | None = None  # why a skipped file is not loaded


def _skip(pattern: str, reason: str) -> Entry:
    return Entry(pattern, "skip", None, reason)


CATALOGUE: list[Entry] = [
    _skip("PROVENANCE.md", "documentation: where each file came from"),
    _skip("MANIFEST.sha256", "checksums of the releases, used by `data fetch`"),
    _skip("*.txt", "documentation: the publisher's metadata/guidance text"),
    _skip("*.doc", "documentation: the publisher's metadata document"),
    _skip("*.docx", "documentation: the publisher's metadata document"),
    Entry("dfe_cla_underlying/*.csv", "sfr_csv", sfr_csv.read),
    Entry("dfe_cla_la_tables/*/*_OC2*.csv", "sfr_csv", sfr_csv.read),
    Entry("dfe_cla_la_tables/*.xlsx", "la_tables", la_tables.read),
    Entry("dfe_cla_ees/*.csv", "ees", ees.read),
    Entry("dfe_cin_ees/*.csv", "ees", ees.read),
    Entry("dfe_csww/csww_*.csv", "ees", ees.read),
    Entry("dfe_csww/SFR0*_UD.csv", "csww_sfr", csww_sfr.read),
    Entry("context/ons_mid-year_population_estimates_*.csv", "ees", ees.read),
    Entry("context/imd19.csv", "context", context.read),
    Entry("context/outturn_*.csv", "context", context.read),
    Entry("dfe_lait/bds_long_*.parquet", "lait", lait.read),
    Entry("dfe_lait/lait_data_dictionary.csv", "lait", lait.read),
    Entry("dfe_lait/la_code_list.xlsx", "lookups", lookups.read),
    Entry("lookups/*", "lookups", lookups.read),
    Entry("ofsted/Childrens_social_care_in_England_*_underlying_data.ods", "ofsted", ofsted.read),
    Entry("ofsted/LA_Inspection_Outcomes_as_at_*.ods", "ofsted", ofsted.read),
    Entry("ofsted/jt39_scrape/ofsted_csc_ilacs_history.csv", "ofsted", ofsted.read),
    _skip("ofsted/jt39_scrape/ofsted_csc_ilacs_overview.xlsx", "duplicate: each authority's latest inspection, all of which are in "
          "ofsted/jt39_scrape/ofsted_csc_ilacs_history.csv (checked by the tests)"),
    _skip("ofsted/d2i_scrape/ofsted_csc_ilacs_overview.xlsx", "duplicate: an earlier snapshot of the jt39 overview; every inspection it lists is "
          "in ofsted/jt39_scrape/ofsted_csc_ilacs_history.csv (checked by the tests)"),
    _skip("ofsted/maysont/2023_ofsted_la.csv", "duplicate: a summer-2023 snapshot of each authority's latest ILACS judgement "
          "(151 rows); every inspection in it is in the ILACS history of "
          "ofsted/LA_Inspection_Outcomes_as_at_31_March_2025.ods, with the same judgement. "
          "One date differs: it gives the Isles of Scilly inspection as 10 July 2023, the "
          "official history as 11 July (checked by the tests)"),
]


def match(name: str) -> Entry | None:
    """The catalogue entry for a file path relative to the data folder, or None."""
    for entry in CATALOGUE:
        if fnmatch(name, entry.pattern):
            return entry
    return None
