"""Which reader reads which file of the data folder, and which files are left out and why.

Patterns are matched in order against the path relative to the data folder
(``fnmatch`` syntax, ``*`` crossing folders). A file no pattern matches is
reported by ``data load`` as unknown rather than silently ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch


@dataclass(frozen=True)
class Entry:
    pattern: str
    family: str  # reader module name, or "skip"
    reason: str | None = None  # why a skipped file is not loaded


CATALOGUE: list[Entry] = [
    Entry("PROVENANCE.md", "skip", "documentation: where each file came from"),
    Entry("MANIFEST.sha256", "skip", "checksums of the releases, used by `data fetch`"),
    Entry("*.txt", "skip", "documentation: the publisher's metadata/guidance text"),
    Entry("*.doc", "skip", "documentation: the publisher's metadata document"),
    Entry("*.docx", "skip", "documentation: the publisher's metadata document"),
    Entry("dfe_cla_underlying/*.csv", "sfr_csv"),
    Entry("dfe_cla_la_tables/2016/SFR41_OC22016.csv", "sfr_csv"),
    Entry("dfe_cla_la_tables/*.xlsx", "la_tables"),
    Entry("dfe_cla_ees/*.csv", "ees"),
    Entry("dfe_cin_ees/*.csv", "ees"),
    Entry("dfe_csww/csww_*.csv", "ees"),
    Entry("dfe_csww/SFR0*_UD.csv", "csww_sfr"),
    Entry("context/ons_mid-year_population_estimates_*.csv", "ees"),
    Entry("context/imd19.csv", "context"),
    Entry("context/outturn_*.csv", "context"),
    Entry("dfe_lait/bds_long_*.parquet", "lait"),
    Entry("dfe_lait/lait_data_dictionary.csv", "lait"),
    Entry("dfe_lait/la_code_list.xlsx", "lookups"),
    Entry("lookups/*", "lookups"),
    Entry("ofsted/Childrens_social_care_in_England_*_underlying_data.ods", "ofsted"),
    Entry("ofsted/LA_Inspection_Outcomes_as_at_*.ods", "ofsted"),
    Entry("ofsted/jt39_scrape/ofsted_csc_ilacs_history.csv", "ofsted"),
    Entry("ofsted/jt39_scrape/ofsted_csc_ilacs_overview.xlsx", "skip",
          "duplicate: each authority's latest inspection, all of which are in "
          "ofsted/jt39_scrape/ofsted_csc_ilacs_history.csv (checked by the tests)"),
    Entry("ofsted/d2i_scrape/ofsted_csc_ilacs_overview.xlsx", "skip",
          "duplicate: an earlier snapshot of the jt39 overview; every inspection it lists is "
          "in ofsted/jt39_scrape/ofsted_csc_ilacs_history.csv (checked by the tests)"),
    Entry("ofsted/maysont/2023_ofsted_la.csv", "skip",
          "duplicate: a summer-2023 snapshot of each authority's latest ILACS judgement "
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
