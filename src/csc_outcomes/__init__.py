"""csc-outcomes: is an English local authority's children's social care good, is it
improving, and can the national data even tell?

The Python API is the product; the ``csc-outcomes`` command is a thin layer over it.
"""

__version__ = "0.1.0"

#: Show this wherever the data are shown.
ATTRIBUTION = ("Contains public sector information licensed under the Open Government "
               "Licence v3.0 (DfE, Ofsted, ONS, MHCLG).")

__all__ = ["ATTRIBUTION", "Csc", "Store", "__version__", "load", "open"]

#: Public names imported on first use, so that `import csc_outcomes` (and the command's
#: --help) stays light: pandas and DuckDB load only when data are touched.
_LAZY = {"load": ("csc_outcomes.data.load", "load"),
         "Store": ("csc_outcomes.data.store", "Store"),
         "open": ("csc_outcomes.api", "open"),
         "Csc": ("csc_outcomes.api", "Csc")}


def __getattr__(name: str):
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        value = getattr(import_module(module), attr)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'csc_outcomes' has no attribute {name!r}")
