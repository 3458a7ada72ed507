"""Lookups on a built layout: bin codes, slot indices and depot names, with
suggestions for near misses."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.errors import LayoutError, PickoptError, UnknownSlotError
from optimizer.layout import Layout
from tests.layout.conftest import raises


def test_unknown_bin_code_suggests_nearest(single_block: Layout) -> None:
    """``layout.slot`` names an unknown bin code and the closest known one;
    the error is both a PickoptError and a KeyError."""
    with raises(UnknownSlotError, "'A03-B1-017-L-9'", "did you mean 'A03-B1-017-L-1'"):
        single_block.slot("A03-B1-017-L-9")
    with pytest.raises(KeyError):
        single_block.slot("nonsense")
    with pytest.raises(PickoptError):
        single_block.nodes_of(["A01-B1-001-L-1", "A11-B1-001-L-1"])


def test_slot_index_out_of_range(single_block: Layout) -> None:
    """Slot indices outside 0..n-1 are refused, naming the index and the size."""
    for bad in (900, -1):
        with raises(UnknownSlotError, f"slot index {bad}", "900 slots"):
            single_block.slot(bad)


def test_unknown_depot_name(two_block: Layout) -> None:
    """An unknown depot name is named with the closest known one."""
    with raises(LayoutError, "'pickpu'", "did you mean 'pickup'"):
        two_block.depot("pickpu")


def test_numpy_strings_and_integers_find_slots(single_block):
    """A bin code or index from a numpy or pandas column finds the same slot
    (np.str_ used to be reported as unknown, with the same code suggested)."""
    code = "A01-B1-001-L-1"
    assert single_block.slot(np.str_(code)) is single_block.slot(code)
    assert single_block.slot(np.int64(3)) is single_block.slot(3)
    assert list(single_block.nodes_of(np.array([code]))) == [single_block.slot(code).node]
