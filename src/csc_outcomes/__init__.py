"""csc-outcomes: is an English local authority's children's social care good, is it
improving, and can the national data even tell?

The Python API is the product; the ``csc-outcomes`` command is a thin layer over it.
"""

__version__ = "0.1.0"

#: Show this wherever the data are shown.
ATTRIBUTION = ("Contains public sector information licensed under the Open Government "
               "Licence v3.0 (DfE, Ofsted, ONS, MHCLG).")

from .data.load import load  # noqa: E402
from .data.store import Store  # noqa: E402

__all__ = ["ATTRIBUTION", "Store", "__version__", "load"]
