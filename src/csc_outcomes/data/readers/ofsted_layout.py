"""Where each Ofsted source keeps its judgements: the sheets, column blocks and
tokens that ofsted.py reads (a description of the published layouts, kept apart from
the reading code)."""

from __future__ import annotations

from dataclasses import dataclass

GRADES = {"outstanding": "Outstanding", "good": "Good",
          "requires improvement to be good": "Requires improvement",
          "requires improvement": "Requires improvement", "inadequate": "Inadequate"}
#: Cells that say no grade was given, and what they mean.
SPECIAL = {"-": "no judgement given", "data_unreadable": "the scraper could not read the report",
           "inspection_pre_dates_judgement": "the judgement did not exist at the inspection",
           "not_reported_post_reform": "no overall grade under the reformed framework"}
TYPES = {"ilacs standard inspection": "standard", "ilacs short inspection": "short",
         "ilacs focused visit": "focused visit", "la monitoring visit": "monitoring visit",
         "standard": "standard", "short": "short"}
INSPECTIONS = {"standard", "short", None}
DATE_FIELDS = ("published", "start_date", "end_date")
NAME, CODE = "local authority name", "local authority area code"
#: Columns that name or describe the authority or the link, not the inspection.
IDENTIFIERS = {"web link", NAME, CODE, "la region", "la authority type", "ofsted region",
               "region", "local authority status", "visit theme"}
#: How long after an inspection its report may be published (to link the LA-level sheets).
LINK_DAYS = 180


@dataclass(frozen=True)
class Block:
    """One inspection's columns: record field -> the headers it may have (normalised)."""

    framework: str
    inspection_type: str | None
    fields: dict[str, tuple[str, ...]]


def _block(framework: str, kind: str | None, **fields) -> Block:
    return Block(framework, kind, {f: (h,) if isinstance(h, str) else tuple(h)
                                   for f, h in fields.items()})


@dataclass(frozen=True)
class SheetSpec:
    pattern: str  # regex for the sheet name
    rank: int
    blocks: tuple[Block, ...]
    code: str | None = None
    link_published: bool = False


def _sif(kind: str, head: str, **extra) -> Block:
    sif = "single inspection of la children's services (sif)"
    return _block("SIF", kind, published=f"{sif} {head} publication date",
                  overall=f"{head} overall judgement (oe)",
                  help_and_protection=f"{head} children who need help and protection",
                  children_in_care=f"{head} children looked after and achieving permanence",
                  adoption=f"{head} cla sub: adoption performance",
                  care_leavers=f"{head} cla sub: experiences and progress of care leavers",
                  leadership=f"{head} leadership, management and governance", **extra)


def _ilacs(prefixes: tuple[str, ...], children_in_care: str, **extra) -> Block:
    def h(suffix):
        return [f"{p}ilacs framework {suffix}" for p in prefixes]
    progress = "experiences and progress of"
    return _block("ILACS", None, inspection_type=h("inspection type"),
                  published=h("publication date"), overall=h("overall effectiveness"),
                  leadership=h("impact of leaders"),
                  help_and_protection=h(f"{progress} children who need help and protection"),
                  children_in_care=h(f"{progress} {children_in_care}"),
                  **{f: h(f"{progress} {v}") for f, v in extra.items()})


#: ``LA_inspections_2009-2023``: the blocks of one row, in sheet order.
HISTORY_BLOCKS = (
    _block("SLAC", "first",
           published="safeguarding & looked after children (slac) inspection publication date",
           help_and_protection="slac safeguarding overall effectiveness (oe)",
           children_in_care="slac looked after children overall effectiveness (oe)"),
    _block("SLAC", "safeguarding re-inspection",
           published="slac re-inspection of safeguarding publication date",
           help_and_protection="slac re-inspection safeguarding oe"),
    _block("SLAC", "CLA re-inspection",
           published="slac re-inspection of services for children looked after publication date",
           children_in_care="slac re-inspection of services children looked after oe"),
    _block("CPI", "first", published="child protection inspections (cpi) publication date",
           overall="cpi overall effectiveness (oe)"),
    _block("CPRI", "re-inspection",
           published="child protection re-inspection (cpri) publication date",
           overall="cpri overall effectiveness (oe)"),
    _block("TLAC", "first",
           published="targeted looked after children (tlac) inspection publication date",
           overall="tlac overall effectiveness (oe)"),
    _sif("first", "first sif", lscb="lscb overall effectiveness"),
    _sif("re-inspection", "sif re-inspection"),
    _ilacs(("first ", ""), "children in care and care leavers"),
    _ilacs(("second ",), "children in care", care_leavers="care leavers"),
)


def _the(text: str) -> tuple[str, str]:
    return text, "the " + text


ILACS_GRADES = {
    "overall": ("overall effectiveness",),
    "leadership": ("impact of leaders",
                   "the impact of leaders on social work practice with children and families"),
    "help_and_protection": _the("experiences and progress of children who need help and "
                                "protection"),
    "children_in_care": _the("experiences and progress of children in care"),
    "care_leavers": _the("experiences and progress of care leavers"),
}


def _ilacs_sheet(pattern, rank, *, start, published=None, kind=None, code=None, link=False):
    fields = {"start_date": start, "published": published, "inspection_type": kind}
    block = _block("ILACS", None, **{f: h for f, h in fields.items() if h}, **ILACS_GRADES)
    return SheetSpec(pattern, rank, (block,), code, link)


#: Workbook file-name pattern -> the sheets read from it, in reading order.
WORKBOOKS = {
    "Childrens_social_care_in_England_*_underlying_data.ods": (
        SheetSpec(r"LA_inspections_\d{4}-\d{4}", 2, HISTORY_BLOCKS),
        _ilacs_sheet(r"LA_level_at_31_Mar_\d{4}", 3, start="inspection date", link=True),
        _ilacs_sheet(r"LA_level_in_year_\d{4}-\d{2}", 3, start="inspection/visit date",
                     kind="inspection/visit type", link=True),
    ),
    "LA_Inspection_Outcomes_as_at_*.ods": (
        _ilacs_sheet("ILACS_inspection_history", 1, start="inspection date",
                     published="publication date", kind="inspection type", code=CODE),
        _ilacs_sheet("Inspections_as_at_31_March", 3, start="inspection date",
                     published="publication date", code=CODE),
        _ilacs_sheet("In-year_inspections", 3, start="inspection/visit date",
                     published="publication date", kind="inspection/visit type", code=CODE),
    ),
}

#: Scrape columns: record field -> column, and the date format of each date column.
SCRAPE_FIELDS = {"published": "publication_date", "inspection_type": "inspection_framework",
                 "start_date": "inspection_start_date", "end_date": "inspection_end_date",
                 "overall": "overall_effectiveness_grade", "leadership": "impact_of_leaders_grade",
                 "help_and_protection": "help_and_protection_grade",
                 "children_in_care": "in_care_grade", "care_leavers": "care_leavers_grade"}
SCRAPE_DATES = {"publication_date": "%d/%m/%y", "inspection_start_date": "%d/%m/%Y",
                "inspection_end_date": "%d/%m/%Y"}
SCRAPE_RANK = 5
