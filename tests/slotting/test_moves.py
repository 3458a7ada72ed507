"""apply_moves: applies a move list step by step and names the first move that
cannot be done.
"""

from __future__ import annotations

import pytest

from optimizer.orders import Slotting
from optimizer.slotting import (
    Move,
    MoveError,
    apply_moves,
)


@pytest.mark.parametrize(
    ("moves", "match"),
    [
        ([Move(1, "a", "A01-B1-001-L-1", "A01-B1-002-L-1", 0, "move")], "not empty"),
        ([Move(1, "a", "A01-B1-009-L-1", "A01-B1-003-L-1", 0, "move")], "expected in bin"),
        ([Move(1, "a", "A01-B1-001-L-1", "A01-B1-003-L-1", 0, "move"),
          Move(2, "a", "A01-B1-003-L-1", "A01-B1-004-L-1", 0, "move")], "moved again"),
        ([Move(1, "a", "A01-B1-001-L-1", "A01-B1-003-L-1", 0, "swap"),
          Move(1, "b", "A01-B1-002-L-1", "A01-B1-003-L-1", 0, "swap")], "not empty"),
        ([Move(2, "a", "A01-B1-001-L-1", "A01-B1-003-L-1", 0, "move"),
          Move(1, "b", "A01-B1-002-L-1", "A01-B1-004-L-1", 0, "move")], "steps must increase"),
    ],
)  # fmt: skip
def test_inapplicable_move_lists_are_rejected(moves: list[Move], match: str) -> None:
    """apply_moves names the step and SKU of the first move that cannot be done."""
    current = Slotting({"a": "A01-B1-001-L-1", "b": "A01-B1-002-L-1"})
    with pytest.raises(MoveError, match=match):
        apply_moves(current, moves)


def test_swap_is_applicable_as_one_step() -> None:
    """Two moves sharing a step exchange two SKUs' bins."""
    current = Slotting({"a": "A01-B1-001-L-1", "b": "A01-B1-002-L-1"})
    moves = [Move(1, "a", "A01-B1-001-L-1", "A01-B1-002-L-1", 1.0, "swap"),
             Move(1, "b", "A01-B1-002-L-1", "A01-B1-001-L-1", -0.5, "swap")]  # fmt: skip
    after = apply_moves(current, moves)
    assert after.bins == {"a": "A01-B1-002-L-1", "b": "A01-B1-001-L-1"}
