"""The library's front door: ``csc = csc_outcomes.open(store)``.

Like sqlite-utils' ``Database``, an open :class:`Csc` holds one read-only connection to
the store and the indicator definitions, and every method uses them: a replication, its
values and its ratings share one connection instead of opening the store three times.
Each method returns tidy frames (or plain dicts for summaries); the analyses themselves
are functions of those frames (``csc_outcomes.analysis``), so a result can be checked,
saved or recomputed without the store.
"""

from __future__ import annotations

from pathlib import Path

from .config import resolve_store_path
from .data.store import Store


class Csc:
    """An open store and the definitions it is read with.

    Parameters
    ----------
    store : an open :class:`~csc_outcomes.data.store.Store` (read-only).
    registry : indicator definitions and sets (default: the built-ins, plus the folders
        in ``CSC_OUTCOMES_INDICATORS``).
    """

    def __init__(self, store: Store, registry=None):
        from .indicators import load_registry

        self.store = store
        self.registry = registry or load_registry()
        self._cache: dict = {}  # values shared by replications with the same choices

    @property
    def path(self) -> Path:
        return self.store.path

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Csc:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Csc {self.path}>"

    # -- data ------------------------------------------------------------------------------

    def status(self) -> dict:
        """What the store holds (see :func:`csc_outcomes.data.status.status`)."""
        from .data.status import status

        return status(self.store)

    def problems(self, file: str | None = None, code: str | None = None):
        """Every cell or row a load could not store, with file, row, column and why."""
        from .data.status import problems

        return problems(self.store, file, code)

    def authorities(self, year: int):
        """The authorities that existed on 31 March of ``year`` (indexed by la_code)."""
        return self.store.authorities(year)

    def inspections(self, frameworks: tuple[str, ...] | None = None):
        """Every inspection with an overall judgement (of the given frameworks, or all)."""
        from .analysis.ratings import judgements

        found = judgements(self.store)
        return found if frameworks is None else found[found.framework.isin(frameworks)]

    # -- indicators ------------------------------------------------------------------------

    def values(self, ids=None, years=None, **options):
        """Indicator values (see :func:`csc_outcomes.indicators.values` for the options)."""
        from .indicators import values

        return values(ids, years, store=self.store, registry=self.registry, **options)

    def coverage(self, set_name: str | None = None) -> dict:
        """The framework coverage map (of one set with ``set_name``)."""
        from .indicators.coverage import coverage

        return coverage(self.store, self.registry, set_name=set_name)

    # -- analyses --------------------------------------------------------------------------

    def ratings(self, **options):
        """One Ofsted rating per authority (see :func:`csc_outcomes.analysis.ratings.ratings`)."""
        from .analysis.ratings import ratings

        return ratings(self.store, **options)

    def replicate(self, choices=None, **overrides) -> dict:
        """The 2016 study's two phases (see :func:`csc_outcomes.analysis.replicate.replicate`);
        ``overrides`` change fields of the default :class:`~csc_outcomes.analysis.replicate.Choices`."""
        from dataclasses import replace

        from .analysis.replicate import Choices, replicate

        choices = replace(choices or Choices(), **overrides)
        return replicate(choices, store=self.store, registry=self.registry, cache=self._cache)


def open(store: str | Path | None = None, *, indicators=()) -> Csc:  # noqa: A001
    """Open a store for reading (default ``CSC_OUTCOMES_STORE``, else the user data folder).

    Parameters
    ----------
    store : the DuckDB file a ``data load`` made.
    indicators : extra folders of indicator definitions and sets.

    Returns
    -------
    Csc, to use as a context manager or to ``close()``.
    """
    from .indicators import load_registry

    registry = load_registry([Path(d) for d in indicators]) if indicators else None
    return Csc(Store(resolve_store_path(store), read_only=True), registry)
