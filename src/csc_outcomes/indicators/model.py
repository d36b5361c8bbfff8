"""The one schema for indicator definitions and indicator sets (YAML files, validated here).

Definitions are data: no Python or SQL in YAML. Unknown keys are errors, so a typo
fails loudly. A definition that changed between years is a new *version* with its
own period range, never an ``if year`` branch.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Dimension = Literal[
    "expected-outcomes", "right-services", "social-work-models", "fit-for-purpose-organisation",
    "context",
]
DIMENSIONS: dict[str, str] = {
    "expected-outcomes": "Expected outcomes",
    "right-services": "Right services of the right quality",
    "social-work-models": "Effective social work models",
    "fit-for-purpose-organisation": "Fit-for-purpose organisation",
    "context": "Context (need, population, deprivation, spending): not part of the four dimensions",
}
Polarity = Literal["higher-is-better", "lower-is-better", "contested"]
Unit = Literal["percent", "rate per 10,000 children", "rate per 100,000", "count", "ratio", "score", "GBP",
               "GBP per child", "average", "FTE"]
Kind = Literal["child-outcome", "workforce", "service", "context", "finance"]
PeriodKind = Literal["year-to-31-march", "31-march", "30-september", "financial-year",
                     "academic-year", "snapshot"]

_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Source(Strict):
    publisher: str
    dataset: str
    url: str | None = None
    licence: str = "OGL-3.0"


class Term(Strict):
    """One stored measure, optionally taken from another year (``year_offset: -1``), or
    from one fixed data year for every reporting year (``year: 2019``: a measure published
    once, such as the English Indices of Deprivation 2019).

    ``release`` says which release's figure to use where a later release revised it:
    ``latest`` (the default: DfE's newest figure) or ``first`` (the figure as first
    published, as an analysis made at the time saw it).
    """

    measure: str
    year_offset: int = 0
    year: int | None = Field(default=None, ge=1990, le=2100)
    release: Literal["latest", "first"] = "latest"

    @model_validator(mode="after")
    def _one_year_rule(self):
        if self.year is not None and self.year_offset:
            raise ValueError("give year (a fixed data year) or year_offset, not both")
        return self

    def data_year(self, year: int) -> int:
        """The data year this term is read from for reporting year ``year``."""
        return self.year if self.year is not None else year + self.year_offset


def _terms(value):
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    return [Term(measure=i) if isinstance(i, str) else i for i in items]


class Version(Strict):
    """How the indicator is computed for a run of years.

    Either ``measure`` (a published value), or ``numerator`` and ``denominator`` (each a
    measure or a list of measures that are summed) times ``scale``; or both, in which
    case the value is the published measure and the counts are kept for weighting.
    """

    version: int = Field(ge=1)
    #: an alternative computation for the same years (e.g. ``la-tables``: DfE's published
    #: LA tables; ``headcount``: a headcount rather than FTE basis). Versions without a
    #: variant are the default; a run asks for variants by name (see ``Indicator.version_for``)
    variant: str | None = None
    first_year: int = Field(ge=1990, le=2100)
    last_year: int | None = Field(default=None, ge=1990, le=2100)
    measure: Term | None = None
    numerator: list[Term] | None = None
    denominator: list[Term] | None = None
    scale: float = 1.0
    sources: list[Source] = Field(min_length=1)
    notes: str | None = None

    @field_validator("numerator", "denominator", mode="before")
    @classmethod
    def _split(cls, v):
        return _terms(v)

    @field_validator("measure", mode="before")
    @classmethod
    def _measure(cls, v):
        return Term(measure=v) if isinstance(v, str) else v

    @model_validator(mode="after")
    def _shape(self):
        if self.last_year is not None and self.last_year < self.first_year:
            raise ValueError(f"last_year {self.last_year} is before first_year {self.first_year}")
        if (self.numerator is None) != (self.denominator is None):
            raise ValueError("give both numerator and denominator, or neither")
        if self.measure is None and self.numerator is None:
            raise ValueError("give a measure, or a numerator and a denominator")
        return self

    @field_validator("variant")
    @classmethod
    def _variant(cls, v):
        if v is not None and not _ID.match(v):
            raise ValueError(f"{v!r} is not a lower-case hyphenated variant name (like 'la-tables')")
        return v

    def covers(self, year: int) -> bool:
        return self.first_year <= year and (self.last_year is None or year <= self.last_year)

    def terms(self) -> list[Term]:
        return ([self.measure] if self.measure else []) + (self.numerator or []) + (
            self.denominator or [])


class FrameworkPlace(Strict):
    dimension: Dimension
    #: evidence-map rows this indicator measures (a1..a18, b1..b11, c1..c4, d1..d6)
    features: list[str] = Field(default_factory=list)
    #: Assessment Framework domain for outcomes: CD, PC, FE or SX (see STUDY.md section 4)
    af_domain: Literal["CD", "PC", "FE", "SX"] | None = None


class StudyRef(Strict):
    """Where the indicator sits in the 2016 feasibility study."""

    number: int = Field(ge=1, le=14)
    direction: Literal["higher", "lower"]  # the direction the study ranked "best" by


class Indicator(Strict):
    id: str
    title: str
    definition: str
    kind: Kind
    framework: FrameworkPlace
    unit: Unit
    polarity: Polarity
    polarity_reason: str | None = None
    period: PeriodKind
    study: StudyRef | None = None
    evidence: list[str] = Field(default_factory=list)
    versions: list[Version] = Field(min_length=1)
    geography: Literal["local-authority"] = "local-authority"

    @field_validator("id")
    @classmethod
    def _id(cls, v):
        if not _ID.match(v):
            raise ValueError(f"{v!r} is not a lower-case hyphenated id (like 'cla-missing')")
        return v

    @model_validator(mode="after")
    def _checks(self):
        if self.polarity == "contested" and not self.polarity_reason:
            raise ValueError("a contested polarity needs a polarity_reason")
        numbers = [v.version for v in self.versions]
        if numbers != sorted(set(numbers)):
            raise ValueError(f"version numbers must be unique and ascending, got {numbers}")
        for variant in {v.variant for v in self.versions}:
            spans = sorted((v for v in self.versions if v.variant == variant),
                           key=lambda v: v.first_year)
            for a, b in zip(spans, spans[1:]):
                if a.last_year is None or a.last_year >= b.first_year:
                    raise ValueError(f"versions {a.version} and {b.version} overlap in years")
        return self

    def version_for(self, year: int, variants: tuple[str, ...] | list[str] = ()) -> Version | None:
        """The version that computes ``year``: the first of ``variants`` (in order of
        preference) that has a version for the year, else the default version.

        >>> src = [{"publisher": "DfE", "dataset": "d"}]
        >>> ind = Indicator.model_validate(dict(
        ...     id="x", title="t", definition="d", kind="context", unit="percent",
        ...     framework={"dimension": "context"}, polarity="higher-is-better",
        ...     period="31-march", versions=[
        ...         {"version": 1, "first_year": 2015, "measure": "a", "sources": src},
        ...         {"version": 2, "variant": "la-tables", "first_year": 2015,
        ...          "last_year": 2015, "measure": "b", "sources": src}]))
        >>> ind.version_for(2015).version, ind.version_for(2015, ["la-tables"]).version
        (1, 2)
        >>> ind.version_for(2016, ["la-tables"]).version  # no la-tables version for 2016
        1
        """
        for variant in (*variants, None):
            found = next((v for v in self.versions if v.variant == variant and v.covers(year)),
                         None)
            if found:
                return found
        return None

    def variants(self) -> list[str]:
        """The variant names this indicator defines versions for."""
        return sorted({v.variant for v in self.versions if v.variant})

    def span(self) -> str:
        """The years the default versions cover, as text: '2015-2024', or 'from 2017' when
        the last version has no end (it covers every later release)."""
        default = [v for v in self.versions if v.variant is None] or self.versions
        first = min(v.first_year for v in default)
        ends = [v.last_year for v in default]
        return f"from {first}" if None in ends else f"{first}-{max(ends)}"


class IndicatorSet(Strict):
    id: str
    title: str
    description: str
    indicators: list[str] = Field(min_length=1)
    #: variants its indicators are computed with by default (see ``Version.variant``)
    variants: list[str] = Field(default_factory=list)


def json_schema() -> dict:
    """The JSON Schema of an indicator definition (published in docs/indicator.schema.json)."""
    return Indicator.model_json_schema()
