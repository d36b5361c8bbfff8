"""The store's tables and the columns each family of release files must have: the one
place the data layer's shapes are written down.

Observations are many (1.8 million) and their text columns few-valued, so they are stored
as integers (``obs_value``) into small label tables (``obs_la``, ``obs_period``,
``obs_measure``, ``obs_status``, ``obs_code``, ``obs_file``); the ``observation`` view joins
them back into one row per number, which is what every query reads. A bulk insert of
integers is several times faster than of text.

``SCHEMA`` is the DuckDB definition of every table (see :mod:`.store` for what each
holds). ``FAMILIES`` says, for each family of files, which columns a file of that
family needs before anything of it is read; a file that lacks one fails as a whole
and leaves its stored rows as they were. On top of that, a file that is one of the
official releases listed in ``manifest.toml`` must keep every column of its published
header (:func:`published_columns`): a renamed column would otherwise load as a new
measure and leave the old one empty without a word.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

SCHEMA_VERSION = "6"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS la (
    la_code TEXT PRIMARY KEY, level TEXT NOT NULL, dfe_code TEXT, name TEXT NOT NULL,
    la_type TEXT, region_code TEXT, region_name TEXT, valid_from DATE, valid_to DATE,
    predecessors TEXT[], successors TEXT[], members TEXT[], ofsted_urn TEXT, note TEXT);
CREATE TABLE IF NOT EXISTS la_code_history (
    la_code TEXT NOT NULL, ons_code TEXT NOT NULL, first_period INTEGER, last_period INTEGER,
    valid_from DATE, valid_to DATE);
CREATE TABLE IF NOT EXISTS la_name (
    la_code TEXT NOT NULL, name TEXT NOT NULL, normalised TEXT NOT NULL, source TEXT);
CREATE TABLE IF NOT EXISTS la_change (
    change_date DATE NOT NULL, kind TEXT NOT NULL, from_codes TEXT[], to_codes TEXT[], note TEXT);
CREATE TABLE IF NOT EXISTS measure (
    measure TEXT PRIMARY KEY, label TEXT, unit TEXT, dataset TEXT, dims JSON, notes TEXT,
    priority INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS obs_value (
    la_id INTEGER NOT NULL, period_id INTEGER NOT NULL, year INTEGER,
    measure_id INTEGER NOT NULL, value DOUBLE, status_id INTEGER NOT NULL, code_id INTEGER,
    file_id INTEGER NOT NULL, source_row INTEGER);
CREATE TABLE IF NOT EXISTS obs_la (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS obs_period (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS obs_measure (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS obs_status (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS obs_code (id INTEGER PRIMARY KEY, label TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS obs_file (
    id INTEGER PRIMARY KEY, source_file TEXT NOT NULL UNIQUE, release TEXT);
CREATE OR REPLACE VIEW observation AS
    SELECT la.label AS la_code, pe.label AS period, v.year, me.label AS measure, v.value,
           st.label AS status, co.label AS code, f.source_file, v.source_row, f.release
    FROM obs_value v
    JOIN obs_la la ON la.id = v.la_id
    JOIN obs_period pe ON pe.id = v.period_id
    JOIN obs_measure me ON me.id = v.measure_id
    JOIN obs_status st ON st.id = v.status_id
    LEFT JOIN obs_code co ON co.id = v.code_id
    JOIN obs_file f ON f.id = v.file_id;
CREATE TABLE IF NOT EXISTS inspection_record (
    la_code TEXT NOT NULL, framework TEXT NOT NULL, inspection_type TEXT,
    start_date DATE, end_date DATE, published DATE, overall TEXT,
    help_and_protection TEXT, children_in_care TEXT, care_leavers TEXT, adoption TEXT,
    leadership TEXT, lscb TEXT, source_file TEXT NOT NULL, source_row INTEGER,
    source_rank INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS problem (
    source_file TEXT NOT NULL, "row" INTEGER, "column" TEXT, code TEXT NOT NULL,
    message TEXT NOT NULL, value TEXT, cells INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS load_file (
    source_file TEXT PRIMARY KEY, family TEXT, sha256 TEXT, size BIGINT, loader_key TEXT,
    loaded_at TIMESTAMP, rows_read INTEGER, cells_read BIGINT, values_stored BIGINT,
    special_stored BIGINT, problems BIGINT, problem_records INTEGER, skipped_reason TEXT,
    notes TEXT, special_by_status JSON, failed_at TIMESTAMP, failed_sha256 TEXT,
    failed_error TEXT);
CREATE TABLE IF NOT EXISTS stat_neighbour (
    la_code TEXT NOT NULL, neighbour_code TEXT NOT NULL, rank INTEGER NOT NULL,
    closeness TEXT, source_file TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS ltla_utla (
    year INTEGER NOT NULL, ltla_code TEXT NOT NULL, ltla_name TEXT, utla_code TEXT NOT NULL,
    utla_name TEXT, source_file TEXT NOT NULL);
CREATE OR REPLACE VIEW observation_latest AS
    SELECT * EXCLUDE (rn) FROM (
        SELECT *, row_number() OVER (
            PARTITION BY la_code, period, measure ORDER BY release DESC, source_file) AS rn
        FROM observation) WHERE rn = 1;
CREATE TABLE IF NOT EXISTS inspection (
    la_code TEXT NOT NULL, framework TEXT NOT NULL, inspection_type TEXT,
    start_date DATE, end_date DATE, published DATE NOT NULL, overall TEXT,
    help_and_protection TEXT, children_in_care TEXT, care_leavers TEXT, adoption TEXT,
    leadership TEXT, lscb TEXT, source_file TEXT, source_row INTEGER, sources TEXT[],
    note TEXT);
"""

#: Tables that hold rows read from one file; a reload of that file replaces them.
PER_FILE_TABLES = ("observation", "inspection_record", "problem", "stat_neighbour", "ltla_utla")
REGISTER_TABLES = ("la", "la_code_history", "la_name", "la_change")

#: The columns of an observation as readers produce them (the loader adds the file's
#: name and release).
OBS_COLUMNS = ["la_code", "period", "year", "measure", "value", "status", "code", "source_row"]
INSPECTION_COLUMNS = ["la_code", "framework", "inspection_type", "start_date", "end_date",
                      "published", "overall", "help_and_protection", "children_in_care",
                      "care_leavers", "adoption", "leadership", "lscb", "source_row",
                      "source_rank"]
PROBLEM_COLUMNS = ["source_file", "row", "column", "code", "message", "value", "cells"]


@dataclass(frozen=True)
class Family:
    """The columns one family of files must have.

    ``required`` must all be present; where a family has two published layouts,
    ``alternatives`` lists the other layout's required columns (either layout is fine).
    """

    name: str
    required: tuple[str, ...]
    alternatives: tuple[tuple[str, ...], ...] = ()


#: DfE SFR underlying data (2010-2017): area level, DfE code and name; the NI71
#: self-evaluation file (OSR23/2010) spells them differently.
SFR_ID_COLUMNS = ("LA_order", "New_geog_code", "geog_l", "geog_c", "geog_n",
                  "Geog_lev", "Geog_code", "Geog_name")
#: explore-education-statistics files: geography and time columns.
EES_ID_COLUMNS = ("time_period", "time_identifier", "geographic_level", "country_code",
                  "country_name", "region_code", "region_name", "old_la_code", "new_la_code",
                  "la_name")
CSWW_ID_COLUMNS = ("Country_code", "Country_name", "Region_code", "Region_name",
                   "LA_code (9 digit)", "LA_name", "LA_code (3 digit)")
IMD_CODE = "Upper Tier Local Authority District code (2019)"
IMD_NAME = "Upper Tier Local Authority District name (2019)"
S251_ID = ("LA", "LA Name", "LineNumber", "CYPServiceDescription", "ReportGroup")
S251_MONEY = ("OwnProvision", "PrivateProvision", "OtherPublic", "Voluntary",
              "TotalExpenditure", "Income", "NetCurrentExpenditure", "GovGrantsInsideAEF",
              "GovGrantsOutsideAEF", "LEANetRevenueExpenditure")
LAIT_LONG = ("Short Desc", "Data item", "Years", "LA and Regions", "Values", "LA Number")
LAIT_DICTIONARY = ("Measure_short", "Measure", "Chart_title", "y_axis_name", "Polarity",
                   "Description", "Methodology", "Year_Type")
LA_CODE_LIST = ("LA Number", "LA Name", "Region", "Type")
PROVIDER_KEY = "la_code"
PROVIDER_STORED = ("urn", "la_code_new", "local_authority_ons_name", "also_known_as",
                   "ofsted_ilacs_scrape_la_name", "region_name", "rgn22cd")
NEIGHBOUR_ID = ("LA num", "LA Name")
CIN_CODES = ("time_period", "geographic_level", "old_la_code", "new_la_code", "la_name",
             "region_code", "region_name")

FAMILIES: dict[str, Family] = {f.name: f for f in [
    Family("sfr_csv", ("geog_l", "geog_c", "geog_n"), (("Geog_lev", "Geog_code", "Geog_name"),)),
    Family("ees", ("time_period", "geographic_level")),
    Family("csww_sfr", CSWW_ID_COLUMNS),
    Family("imd", (IMD_CODE, IMD_NAME)),
    Family("outturn", S251_ID + S251_MONEY),
    Family("lait_long", LAIT_LONG),
    Family("lait_dictionary", LAIT_DICTIONARY),
    Family("la_code_list", LA_CODE_LIST),
    Family("provider_lookup", (PROVIDER_KEY, *PROVIDER_STORED)),
    Family("stat_neighbours", NEIGHBOUR_ID),
    Family("cin_codes", CIN_CODES),
]}


@cache
def manifest() -> tuple[dict, ...]:
    """The official releases: path, sha256, size, url, and for tables their published
    ``columns`` (CSV and parquet) or ``sheets`` (workbooks)."""
    text = resources.files("csc_outcomes.data").joinpath("manifest.toml").read_text()
    return tuple(tomllib.loads(text)["file"])


@cache
def _by_path() -> dict[str, dict]:
    return {entry["path"]: entry for entry in manifest()}


def release(name: str) -> dict | None:
    """The manifest entry of an official release, by its path in the data folder."""
    return _by_path().get(name)


def published_columns(name: str) -> list[str] | None:
    """The header of the official release ``name`` as published, or None if unknown."""
    entry = release(name)
    return list(entry["columns"]) if entry and "columns" in entry else None


def dims_json(dims: dict) -> str:
    """Serialise a measure's breakdown dimensions stably."""
    return json.dumps(dims, sort_keys=True, ensure_ascii=False)
