"""Find, load and validate indicator definitions, indicator sets and the framework map.

Built-in definitions ship as package data (``definitions/*.yaml``, one per indicator,
named after its id; ``sets/*.yaml``; ``framework.yaml``). ``--indicators DIR`` adds
definitions and sets from a user folder, overriding built-ins with the same id; so do the
folders named in the ``CSC_OUTCOMES_INDICATORS`` environment variable (separated like
``PATH``), which every command reads first, so that a set written by
``csc-outcomes consensus set --to DIR`` is found without repeating ``--indicators DIR``.
Every problem in a folder is reported at once, each with file, field and fix.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml
from pydantic import ValidationError

from ..errors import DefinitionError
from .model import Indicator, IndicatorSet


@dataclass
class Registry:
    indicators: dict[str, Indicator]
    sets: dict[str, IndicatorSet]
    origin: dict[str, str]  # id -> file it came from

    def get(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise DefinitionError(
                f"no indicator {indicator_id!r}. `csc-outcomes indicators list` shows the ids."
            ) from None

    def is_builtin(self, indicator_id: str) -> bool:
        """Whether the definition ships with the package (not a user folder's)."""
        return Path(self.origin.get(indicator_id, "")).parent == _builtin_dir("definitions")

    def resolve(self, ids: list[str] | None = None, set_name: str | None = None) -> list[Indicator]:
        """The indicators named (in order), those of a set, or all of them."""
        chosen: list[str] = []
        if set_name:
            if set_name not in self.sets:
                raise DefinitionError(f"no indicator set {set_name!r}; sets: "
                                      f"{', '.join(sorted(self.sets))}")
            chosen += self.sets[set_name].indicators
        chosen += list(ids or [])
        if not chosen:
            chosen = sorted(self.indicators)
        return [self.get(i) for i in dict.fromkeys(chosen)]


def _builtin_dir(sub: str) -> Path:
    return Path(str(resources.files("csc_outcomes.indicators").joinpath(sub)))


def _format(file: Path, exc: ValidationError) -> list[str]:
    out = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "(top level)"
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key; remove it or fix its spelling (see docs/indicators.md)"
        elif err["type"] == "missing":
            msg = "required field is missing"
        elif err["type"] == "literal_error":
            msg = f"{err['input']!r} is not one of {err['ctx']['expected']}"
        out.append(f"{file.name}: {where}: {msg}")
    return out


def _read_folder(folder: Path, model, problems: list[str]) -> dict[str, tuple]:
    found = {}
    for file in sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")):
        try:
            data = yaml.safe_load(file.read_text())
        except yaml.YAMLError as exc:
            problems.append(f"{file.name}: not valid YAML ({exc}); fix the syntax")
            continue
        if not isinstance(data, dict):
            problems.append(f"{file.name}: (top level): expected a mapping of fields")
            continue
        try:
            item = model.model_validate(data)
        except ValidationError as exc:
            problems += _format(file, exc)
            continue
        if item.id != file.stem:
            problems.append(f"{file.name}: id: {item.id!r} differs from the file name; "
                            f"rename the file to {item.id}.yaml or change the id")
            continue
        found[item.id] = (item, str(file))
    return found


#: Environment variable naming extra definition folders that every command reads.
INDICATORS_ENV = "CSC_OUTCOMES_INDICATORS"


def env_dirs() -> list[Path]:
    """The folders named in ``CSC_OUTCOMES_INDICATORS`` (separated by ``os.pathsep``)."""
    value = os.environ.get(INDICATORS_ENV, "")
    return [Path(p).expanduser() for p in value.split(os.pathsep) if p.strip()]


def load_registry(extra_dirs: list[Path] | tuple = (), *, use_env: bool = True) -> Registry:
    """Load the built-in definitions and sets, then each extra folder over them.

    An extra folder may hold indicator YAML files and a ``sets/`` sub-folder. The folders
    of ``CSC_OUTCOMES_INDICATORS`` come first (unless ``use_env`` is False), then
    ``extra_dirs``. Raises DefinitionError listing every problem found.
    """
    extra_dirs = list(dict.fromkeys((env_dirs() if use_env else []) + [Path(d) for d in
                                                                       extra_dirs]))
    if not extra_dirs:
        return _builtin()
    problems: list[str] = []
    base = _builtin()
    indicators = {k: (v, base.origin[k]) for k, v in base.indicators.items()}
    sets = {k: (v, base.origin.get("set:" + k, "")) for k, v in base.sets.items()}
    for folder in map(Path, extra_dirs):
        if not folder.is_dir():
            problems.append(f"{folder}: not a folder of indicator definitions")
            continue
        indicators.update(_read_folder(folder, Indicator, problems))
        if (folder / "sets").is_dir():
            sets.update(_read_folder(folder / "sets", IndicatorSet, problems))
    return _finish(indicators, sets, problems, ", ".join(map(str, extra_dirs)))


@cache
def _builtin() -> Registry:
    problems: list[str] = []
    indicators = _read_folder(_builtin_dir("definitions"), Indicator, problems)
    sets = _read_folder(_builtin_dir("sets"), IndicatorSet, problems)
    return _finish(indicators, sets, problems, "the built-in definitions")


def _finish(indicators, sets, problems, where) -> Registry:
    for set_id, (item, origin) in sets.items():
        for ind in item.indicators:
            if ind not in indicators:
                problems.append(f"{Path(origin).name}: indicators: {ind!r} is not a defined "
                                "indicator; add its definition or remove it from the set")
        defined = {v for ind in item.indicators if ind in indicators
                   for v in indicators[ind][0].variants()}
        for variant in item.variants:
            if variant not in defined:
                problems.append(f"{Path(origin).name}: variants: {variant!r} is not a variant of "
                                "any of its indicators; fix its spelling or remove it")
    if problems:
        raise DefinitionError(f"{len(problems)} problem(s) in {where}:\n  " +
                              "\n  ".join(problems))
    origin = {k: o for k, (_, o) in indicators.items()}
    origin.update({"set:" + k: o for k, (_, o) in sets.items()})
    return Registry({k: v for k, (v, _) in indicators.items()},
                    {k: v for k, (v, _) in sets.items()}, origin)


@cache
def framework() -> dict:
    """The four-dimension framework and the study's evidence map (framework.yaml)."""
    return yaml.safe_load(_builtin_dir(".").joinpath("framework.yaml").read_text())
