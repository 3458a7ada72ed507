"""``python_scalar``: numpy and pandas scalars become the Python values they equal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from optimizer.values import python_scalar


@pytest.mark.parametrize(
    ("value", "expected", "kind"),
    [
        (np.int64(2), 2, int),
        (np.uint8(7), 7, int),
        (np.float32(0.5), 0.5, float),
        (np.float64(1e300), 1e300, float),
        (np.bool_(True), True, bool),
        (np.str_("A01"), "A01", str),
        (pd.array([5], dtype="Int64")[0], 5, int),
        (pd.Series(["x"], dtype="string")[0], "x", str),
    ],
)
def test_numpy_and_pandas_scalars_become_python(
    value: object, expected: object, kind: type
) -> None:
    """The result equals the input and has the plain Python type."""
    out = python_scalar(value)
    assert out == expected and type(out) is kind


def test_missing_values_become_none() -> None:
    """pd.NA (a missing value of a nullable column) is None; NaN stays a float."""
    assert python_scalar(pd.NA) is None
    nan = python_scalar(np.float64("nan"))
    assert type(nan) is float and nan != nan


@pytest.mark.parametrize("value", [3, 2.5, "s", None, True, [1], {"a": 1}])
def test_everything_else_is_unchanged(value: object) -> None:
    """Python values and containers pass through as the same object."""
    assert python_scalar(value) is value
