"""The indicator reference page (docs/indicators.md), generated from the definitions."""

from __future__ import annotations

from .model import DIMENSIONS, Indicator
from .registry import Registry, framework

HEADER = """# Indicators

Generated from `src/csc_outcomes/indicators/definitions/*.yaml` by
`csc-outcomes indicators docs > docs/indicators.md`; do not edit by hand (a test checks it is
up to date). Each indicator is one YAML file validated against `indicators/model.py`; a change
of definition over time is a new version with its own years; a *variant* version is an
alternative computation for the same years (`la-tables`: DfE's published LA tables; `headcount` /
`fte`: the workforce basis) that a run or an indicator set asks for by name. Polarity: which
direction is better, or *contested* with the reason.

"""


def render_markdown(registry: Registry) -> str:
    """Markdown listing every indicator, grouped by dimension, then the sets."""
    features = {f["id"]: f["title"] for d in framework()["dimensions"] for f in d["features"]}
    out = [HEADER, f"{len(registry.indicators)} indicators, "
           f"{sum(1 for i in registry.indicators.values() if i.study)} of them the 2016 study's.\n"]
    for dim, title in DIMENSIONS.items():
        inds = sorted((i for i in registry.indicators.values() if i.framework.dimension == dim),
                      key=lambda i: (i.study.number if i.study else 99, i.id))
        if not inds:
            continue
        out.append(f"\n## {title}\n")
        out.append("| id | title | unit | polarity | years | evidence-map features |")
        out.append("|---|---|---|---|---|---|")
        for i in inds:
            span = i.span()
            feats = ", ".join(f"{f} {features.get(f, '?')}" for f in i.framework.features)
            study = f" (study #{i.study.number})" if i.study else ""
            out.append(f"| `{i.id}` | {i.title}{study} | {i.unit} | {i.polarity} | {span} | "
                       f"{feats} |")
    out.append("\n## Definitions\n")
    for i in sorted(registry.indicators.values(), key=lambda i: i.id):
        out += _detail(i)
    out.append("\n## Indicator sets\n")
    for s in sorted(registry.sets.values(), key=lambda s: s.id):
        variants = (f" Variants: {', '.join(f'`{v}`' for v in s.variants)}."
                    if s.variants else "")
        out.append(f"- **`{s.id}`**: {s.title}. {' '.join(s.description.split())}{variants} "
                   f"({', '.join(f'`{x}`' for x in s.indicators)})")
    return "\n".join(out) + "\n"


def _detail(i: Indicator) -> list[str]:
    lines = [f"\n### `{i.id}`: {i.title}\n", " ".join(i.definition.split()) + "\n",
             f"- Kind: {i.kind}; unit: {i.unit}; period: {i.period}; polarity: {i.polarity}"]
    if i.polarity_reason:
        lines.append(f"  ({' '.join(i.polarity_reason.split())})")
    if i.study:
        lines.append(f"- 2016 study indicator #{i.study.number}, ranked with "
                     f"{i.study.direction} as better")
    if i.evidence:
        lines.append(f"- Evidence: {'; '.join(i.evidence)}")
    for v in i.versions:
        span = f"{v.first_year}-{v.last_year or 'onwards'}"
        how = []
        if v.measure:
            how.append(f"value {_term(v.measure)}")
        if v.numerator:
            num = " + ".join(_term(t) for t in v.numerator)
            den = " + ".join(_term(t) for t in v.denominator)
            how.append(f"numerator {num}; denominator {den}" + (
                f"; x {v.scale:g}" if v.scale != 1 else ""))
        src = "; ".join(f"{s.publisher}, {s.dataset}" for s in v.sources)
        variant = f", variant `{v.variant}`" if v.variant else ""
        first = " (as first published)" if any(t.release == "first" for t in v.terms()) else ""
        lines.append(f"- Version {v.version} ({span}{variant}): {'; '.join(how)}{first}. "
                     f"Source: {src}."
                     + (f" {' '.join(v.notes.split())}" if v.notes else ""))
    return lines


def _term(t) -> str:
    return f"`{t.measure}`" + (f" (data year {t.year}, for every year)" if t.year else "")
