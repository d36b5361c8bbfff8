"""The register of local authorities with children's services responsibility since 2010.

An *authority* is one children's services authority over time. It is keyed by
the most recent ONS (GSS) code DfE's releases use for it, so that Buckinghamshire
is one series from 2010 to 2025 although its code changed in 2020; every other
code is kept in ``la_code_history`` (Barnsley and Sheffield keep their old codes,
as DfE does, with ONS's 2024 codes recorded as aliases). A reorganisation (Dorset 2019, Northamptonshire 2021,
Cumbria 2023) ends authorities and starts new ones, linked as predecessors and
successors.

The register is built at load time from the releases themselves (DfE's
children-in-need time series names every authority, its 3-digit and 9-character
codes, region and the years each code was used; LAIT's code list gives the
authority type; Data to Insight's lookup gives Ofsted URNs and name variants),
plus ``reference/geography.yaml``: the dates and kinds of changes, the regions,
and joint services, which no release states.
"""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path

import pandas as pd
import yaml

from ..errors import DataError
from .files import Source, open_workbook, read_csv_text, require_columns, sheet_rows
from .schema import FAMILIES

#: Files the register is built from, as patterns relative to the data folder; where
#: several files match (a newer release of the time series), the one whose name ends in
#: the latest year is used. Only ``codes`` is essential.
REGISTER_SOURCES = {
    "codes": "dfe_cin_ees/b1_children_in_need_*_to_*.csv",
    "types": "dfe_lait/la_code_list.xlsx",
    "urns": "lookups/Provider_data_lookup.csv",
}

#: Authority type by ONS code prefix; London boroughs are refined by LAIT's list.
TYPE_BY_PREFIX = {"E06": "Unitary authority", "E08": "Metropolitan district",
                  "E09": "London borough", "E10": "Shire county"}
LA_TYPES = {
    "OLB": "Outer London borough",
    "ILB": "Inner London borough",
    "MD": "Metropolitan district",
    "UA": "Unitary authority",
    "SC": "Shire county",
}


@cache
def reference() -> dict:
    """The hand-written geography facts shipped with the package."""
    text = resources.files("csc_outcomes.data").joinpath("reference/geography.yaml").read_text()
    return yaml.safe_load(text)


_PUNCT = re.compile(r"[^a-z0-9 ]+")


def normalise_name(name: str) -> str:
    """Reduce an authority's name to a key that ignores the sources' styling.

    Examples
    --------
    >>> normalise_name("Bristol, City of")
    'bristol'
    >>> normalise_name("St. Helens") == normalise_name("St Helens")
    True
    >>> normalise_name("Bedford Borough")
    'bedford'
    >>> normalise_name("City of London")
    'city of london'
    """
    s = name.lower().replace("&", " and ").replace("-", " ")
    s = _PUNCT.sub(" ", s)
    s = " ".join(s.split())
    for suffix in (" city of", " county of", " borough council", " borough", " council"):
        if s.endswith(suffix):
            s = s[: -len(suffix)]
    if s.startswith("county ") and s != "county durham":
        s = s[len("county ") :]
    if s == "county durham":
        s = "durham"
    return s


def dfe_code_text(value) -> str | None:
    """'301', 301.0 and ' 301 ' all become '301'; letters (region codes) pass through."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    if re.fullmatch(r"\d+\.0+", text):
        text = text.split(".")[0]
    return text or None


def period_end(year: int | None) -> date | None:
    """The reference date of a reporting year (31 March)."""
    return None if year is None else date(int(year), 3, 31)


@dataclass
class Authority:
    dfe_code: str
    name: str = ""
    region_code: str | None = None
    region_name: str | None = None
    codes: dict[str, list] = field(default_factory=dict)  # ons -> [first, last, from, to]
    la_type: str | None = None
    urn: str | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    predecessors: list[str] = field(default_factory=list)
    successors: list[str] = field(default_factory=list)
    note: str | None = None
    last_seen: int = -1
    names: set[str] = field(default_factory=set)

    @property
    def la_code(self) -> str:
        return max(self.codes.items(), key=lambda kv: (kv[1][1] or 0, kv[1][3] is None))[0]


@dataclass
class Resolution:
    la_code: str | None
    reason: str | None = None


class Register:
    """Authorities, regions and England, with a resolver for source rows."""

    def __init__(self, authorities: dict[str, Authority], sources: dict[str, Path]):
        self.authorities = authorities
        self.sources = sources
        self._resolved: dict[tuple, Resolution] = {}  # resolve() is pure: memoised
        ref = reference()
        self.by_dfe = {a.dfe_code: a.la_code for a in authorities.values()}
        self.by_key = {a.la_code: a for a in authorities.values()}
        self.by_ons: dict[str, str] = {}
        for a in authorities.values():
            for ons in a.codes:
                self.by_ons[ons] = a.la_code
        self.areas: dict[str, dict] = {}
        self.area_names: dict[str, str] = {}
        nat = ref["national"]
        self._add_area(nat["code"], nat["name"], "national", nat["aliases"], nat["dfe_codes"])
        for r in ref["regions"]:
            self._add_area(r["code"], r["name"], "region", r["aliases"], r["dfe_codes"])
        self.joint: dict[frozenset, str] = {}
        for j in ref["joint_services"]:
            codes = [self.by_dfe[m] for m in j["members"]]
            key = "+".join(codes)
            self.joint[frozenset(j["members"])] = key
            self.joint[frozenset(codes)] = key
            self.areas[key] = {"level": "joint", "name": j["name"], "members": codes,
                               "note": j["note"]}
        self.names: dict[str, set[str]] = {}
        for a in authorities.values():
            for n in a.names | {a.name}:
                self.names.setdefault(normalise_name(n), set()).add(a.la_code)

    def to_json(self) -> str:
        """The register's authorities as JSON (stored with the store, so that a later load
        from a folder without the register's sources resolves rows the same way)."""
        def plain(a: Authority) -> dict:
            d = asdict(a)
            d["names"] = sorted(a.names)
            d["codes"] = {k: [_iso(v) for v in span] for k, span in a.codes.items()}
            d["valid_from"], d["valid_to"] = _iso(a.valid_from), _iso(a.valid_to)
            return d

        return json.dumps({"sources": {k: str(v) for k, v in self.sources.items()},
                           "authorities": [plain(a) for a in self.authorities.values()]},
                          sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Register:
        """The inverse of :meth:`to_json`."""
        data = json.loads(text)
        authorities = {}
        for d in data["authorities"]:
            d["names"] = set(d["names"])
            d["codes"] = {k: [span[0], span[1], _date(span[2]), _date(span[3])]
                          for k, span in d["codes"].items()}
            d["valid_from"], d["valid_to"] = _date(d["valid_from"]), _date(d["valid_to"])
            authorities[d["dfe_code"]] = Authority(**d)
        return cls(authorities, {k: Path(v) for k, v in data["sources"].items()})

    def _add_area(self, code, name, level, aliases, dfe_codes):
        self.areas[code] = {"level": level, "name": name}
        for alias in [name, *aliases]:
            self.area_names[normalise_name(alias)] = code
        for d in dfe_codes:
            self.by_dfe.setdefault(d, code)
        self.by_ons[code] = code

    def authority(self, la_code: str) -> Authority | None:
        return self.by_key.get(la_code)

    def _valid(self, la_code: str, when: date | None) -> bool:
        a = self.authority(la_code)
        if a is None or when is None:
            return True
        return (a.valid_from is None or a.valid_from <= when) and (
            a.valid_to is None or when <= a.valid_to
        )

    def resolve(self, *, ons=None, dfe=None, name=None, year: int | None = None,
                when: date | None = None, area_level: bool = False) -> Resolution:
        """Match a source row to a register key.

        Parameters
        ----------
        ons, dfe, name : the row's 9-character code, 3-digit code and name (any may be None).
        year : the reporting year (31 March) the row refers to; used only to pick
            between authorities that shared a name (Dorset before and after 2019).
        area_level : the row is a region or England, so match names against those first
            (old releases give Inner and Outer London London's region code).
        """
        key = (ons, dfe, name, year, when, area_level)
        try:
            return self._resolved[key]
        except (KeyError, TypeError):  # TypeError: an unhashable cell (never stored)
            pass
        found = self._resolve(ons=ons, dfe=dfe, name=name, year=year, when=when,
                              area_level=area_level)
        with contextlib.suppress(TypeError):
            self._resolved[key] = found
        return found

    def _resolve(self, *, ons, dfe, name, year, when, area_level) -> Resolution:
        when = when or period_end(year)
        ons = (str(ons).strip() or None) if ons is not None and not pd.isna(ons) else None
        dfe = dfe_code_text(dfe)
        name = (str(name).strip() or None) if name is not None and not pd.isna(name) else None
        if area_level and name and normalise_name(name) in self.area_names:
            return Resolution(self.area_names[normalise_name(name)])
        for text, index in ((ons, self.by_ons), (dfe, self.by_dfe)):
            if not text:
                continue
            if "/" in text:
                parts = [p.strip() for p in text.split("/")]
                codes = {index.get(p) for p in parts}
                key = self.joint.get(frozenset(codes)) if None not in codes else None
                if key:
                    return Resolution(key)
                return Resolution(None, f"joint code {text!r} is not a known joint service")
            if text in index:
                return Resolution(index[text])
        if name:
            key = normalise_name(name)
            if key in self.area_names and not (ons or dfe):
                return Resolution(self.area_names[key])
            candidates = sorted(c for c in self.names.get(key, ()) if self._valid(c, when))
            if len(candidates) == 1:
                return Resolution(candidates[0])
            if len(candidates) > 1:
                return Resolution(None, f"name {name!r} fits {', '.join(candidates)} at {when}")
        given = ", ".join(f"{k} {v!r}" for k, v in (("code", ons), ("DfE code", dfe),
                                                      ("name", name)) if v)
        return Resolution(None, f"no authority in the register matches {given or 'an empty row'}")

    def code_at(self, la_code: str, when: date) -> str:
        """The ONS code an authority used on a date (for display on historical boundaries)."""
        a = self.authority(la_code)
        if a is None:
            return la_code
        for ons, (_, _, start, end) in a.codes.items():
            if (start is None or start <= when) and (end is None or when <= end):
                return ons
        return la_code

    def tables(self) -> dict[str, pd.DataFrame]:
        """The register as the store's tables."""
        ref = reference()
        rows, hist, names = [], [], []
        for a in self.authorities.values():
            rows.append({
                "la_code": a.la_code, "level": "la", "dfe_code": a.dfe_code, "name": a.name,
                "la_type": a.la_type, "region_code": a.region_code, "region_name": a.region_name,
                "valid_from": a.valid_from, "valid_to": a.valid_to,
                "predecessors": [self.by_dfe[p] for p in a.predecessors] or None,
                "successors": [self.by_dfe[s] for s in a.successors] or None,
                "members": None, "ofsted_urn": a.urn, "note": a.note,
            })
            for ons, (first, last, start, end) in a.codes.items():
                hist.append({"la_code": a.la_code, "ons_code": ons, "first_period": first,
                             "last_period": last, "valid_from": start, "valid_to": end})
        for code, area in self.areas.items():
            rows.append({"la_code": code, "level": area["level"], "dfe_code": None,
                         "name": area["name"], "la_type": None, "region_code": None,
                         "region_name": None, "valid_from": None, "valid_to": None,
                         "predecessors": None, "successors": None,
                         "members": area.get("members"), "ofsted_urn": None,
                         "note": area.get("note")})
        for a in self.authorities.values():
            for name in sorted(a.names | {a.name}):
                names.append({"la_code": a.la_code, "name": name,
                              "normalised": normalise_name(name), "source": "register"})
        changes = [
            {"change_date": r["date"], "kind": "recode", "from_codes": [r["from"]],
             "to_codes": [r["to"]], "note": r["note"]} for r in ref["recodes"]
        ] + [
            {"change_date": r["date"], "kind": "reorganisation",
             "from_codes": [self.by_dfe[c] for c in r["from"]],
             "to_codes": [self.by_dfe[c] for c in r["to"]], "note": r["note"]}
            for r in ref["reorganisations"]
        ]
        frame = pd.DataFrame
        return {"la": frame(rows), "la_code_history": frame(hist), "la_name": frame(names),
                "la_change": frame(changes)}


def register_sources(data_dir: Path) -> dict[str, str | None]:
    """Each register source's file in ``data_dir`` (relative path), or None if absent."""
    found = {}
    for key, pattern in REGISTER_SOURCES.items():
        names = sorted(p.relative_to(data_dir).as_posix() for p in data_dir.glob(pattern)
                       if p.is_file())
        names.sort(key=lambda n: (re.findall(r"(?:19|20)\d\d", n)[-1:], n))
        found[key] = names[-1] if names else None
    return found


def build_register(data_dir: Path, sources: dict[str, str | None] | None = None) -> Register:
    """Build the register from the releases in ``data_dir`` and the reference file.

    Each source is read through the same checked functions as every reader, so a
    corrupt, cut-short or re-headed source is a :class:`DataError` naming the file.
    """
    sources = sources if sources is not None else register_sources(data_dir)
    if not sources.get("codes"):
        raise DataError(
            f"{data_dir / REGISTER_SOURCES['codes']}: missing. The register of authorities is "
            "built from DfE's children-in-need time series (dfe_cin_ees/b1_children_in_need_"
            "<first>_to_<last>.csv); restore the file (csc-outcomes data fetch) "
            "or point --data-dir at a complete copy of the releases."
        )
    paths = {k: Source(data_dir / v, v) for k, v in sources.items() if v}
    ref = reference()
    authorities: dict[str, Authority] = {}
    codes = read_csv_text(paths["codes"], family="cin_codes")
    las = codes[codes["geographic_level"] == "Local authority"]
    for rec in las[["time_period", "old_la_code", "new_la_code", "la_name", "region_code",
                    "region_name"]].drop_duplicates().itertuples(index=False):
        year = int(rec.time_period[:4])
        a = authorities.setdefault(rec.old_la_code, Authority(rec.old_la_code))
        a.names.add(rec.la_name)
        span = a.codes.setdefault(rec.new_la_code, [year, year, None, None])
        span[0], span[1] = min(span[0], year), max(span[1], year)
        if year >= a.last_seen:
            a.last_seen, a.name = year, rec.la_name
            a.region_code, a.region_name = rec.region_code, rec.region_name
    _apply_reference(authorities, ref)
    if "types" in paths:
        _add_types(authorities, paths["types"])
    if "urns" in paths:
        _add_urns(authorities, paths["urns"])
    return Register(authorities, {k: p.path for k, p in paths.items()})


def _apply_reference(authorities: dict[str, Authority], ref: dict) -> None:
    """Dates and kinds of change, and name aliases, from reference/geography.yaml."""
    for r in ref["recodes"]:
        a = authorities[r["dfe_code"]]
        a.note = f"{r['note']} ({r['from']} until {_day_before(r['date'])}, then {r['to']})."
        a.codes.setdefault(r["from"], [None, None, None, None])[3] = _day_before(r["date"])
        a.codes.setdefault(r["to"], [None, None, None, None])[2] = r["date"]
    for r in ref.get("created", []):
        for c in r["dfe_codes"]:
            authorities[c].valid_from = r["date"]
            authorities[c].note = " ".join(r["note"].split())
    for r in ref["reorganisations"]:
        _apply_reorganisation(authorities, r)
    for a in authorities.values():
        a.la_type = TYPE_BY_PREFIX.get(a.la_code[:3])
    for dfe, names in ref["aliases"].items():
        authorities[dfe].names.update(names)


def _apply_reorganisation(authorities: dict[str, Authority], r: dict) -> None:
    for c in r["from"]:
        authorities[c].valid_to = _day_before(r["date"])
        authorities[c].successors = [t for t in r["to"]
                                     if c in r.get("parts", {}).get(t, r["from"])]
    for c in r["to"]:
        authorities[c].valid_from = r["date"]
        authorities[c].predecessors = list(r.get("parts", {}).get(c, r["from"]))
    for c in r["from"] + r["to"]:
        authorities[c].note = " ".join(r["note"].split())
    for c in r["from"]:
        for span in authorities[c].codes.values():
            span[3] = span[3] or _day_before(r["date"])
    for c in r["to"]:
        for span in authorities[c].codes.values():
            span[2] = span[2] or r["date"]


def _iso(value):
    return value.isoformat() if isinstance(value, date) else value


def _date(value):
    return date.fromisoformat(value) if isinstance(value, str) else value


def _day_before(d: date) -> date:
    return date.fromordinal(d.toordinal() - 1)


def _add_types(authorities: dict[str, Authority], src: Source) -> None:
    rows = sheet_rows(src, open_workbook(src), 0)
    require_columns(src, [str(h).strip() for h in (rows[0] if rows else [])],
                    FAMILIES["la_code_list"])
    for row in rows[1:]:
        code, name, _region, kind = (list(row) + [None] * 4)[:4]
        a = authorities.get(dfe_code_text(code) or "")
        if a is not None:
            if a.la_code.startswith("E09"):
                a.la_type = LA_TYPES.get(str(kind), a.la_type)
            a.names.add(str(name))


def _add_urns(authorities: dict[str, Authority], src: Source) -> None:
    df = read_csv_text(src, family="provider_lookup").fillna("")
    for rec in df.itertuples(index=False):
        a = authorities.get(rec.la_code)
        if a is None:
            continue
        a.urn = a.urn or rec.urn
        extra = {rec.local_authority_ons_name, rec.ofsted_ilacs_scrape_la_name}
        extra |= {s.strip() for s in rec.also_known_as.strip("[]").split(",")}
        a.names.update(n for n in extra if n)
