"""Indicators: the outcomes framework as data (definitions, sets, the evidence map) and
their values for every authority and year."""

from .compute import values
from .model import Indicator, IndicatorSet, Version
from .registry import framework, load_registry

__all__ = ["Indicator", "IndicatorSet", "Version", "framework", "load_registry", "values"]
