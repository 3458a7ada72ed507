"""Plain Python values from numpy and pandas scalars.

Data often reaches pickopt through numpy arrays and pandas frames, whose
elements are numpy scalars: ``np.int64`` is not an ``int``, ``np.bool_`` not
a ``bool``, and ``np.str_`` prints as ``np.str_('A01-...')`` in messages.
Constructors that check their arguments call :func:`python_scalar` first, so
numpy and pandas scalars are accepted wherever Python ones are, and the
objects built hold plain Python values (which hash, compare, print and
serialise to JSON as users expect).

This module sits at the bottom of the package beside :mod:`optimizer.errors`
and imports nothing of pickopt, so that every layer can use it.
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["python_scalar", "summary_html"]


def _is_pandas_missing(value: object) -> bool:
    """``pd.NA`` (or ``pd.NaT``), recognised without importing pandas."""
    t = type(value)
    return t.__module__.startswith("pandas") and t.__name__ in ("NAType", "NaTType")


def python_scalar(value: Any) -> Any:
    """The Python scalar equal to a numpy or pandas scalar; anything else unchanged.

    ``pd.NA`` and ``pd.NaT``, a nullable column's missing value, become
    ``None``; a NaN stays a (Python) float, for the caller to judge.

    Examples
    --------
    >>> import numpy as np
    >>> python_scalar(np.int64(45)), python_scalar(np.str_("A01-B1-001-L-1"))
    (45, 'A01-B1-001-L-1')
    >>> type(python_scalar(np.float32(0.5))), python_scalar("unchanged")
    (<class 'float'>, 'unchanged')
    """
    if isinstance(value, np.generic):
        return value.item()
    if _is_pandas_missing(value):
        return None
    return value


def summary_html(title: str, fields: Mapping[str, Any]) -> str:
    """A short HTML table of named values, for the ``_repr_html_`` of result types
    (Jupyter shows it instead of an array dump).

    Examples
    --------
    >>> out = summary_html("Route", {"distance": "12.0 m", "stops": 3})
    >>> out.startswith("<table><caption>Route</caption>"), out.count("<tr>")
    (True, 2)
    """
    cell = 'style="text-align:left"'
    rows = "".join(
        f"<tr><th {cell}>{html.escape(str(k))}</th><td {cell}>{html.escape(str(v))}</td></tr>"
        for k, v in fields.items()
    )
    return f"<table><caption>{html.escape(title)}</caption>{rows}</table>"
