"""The frozen pieces a :class:`~optimizer.layout.model.Layout` is made of:
slots, depots, depot placements, the parallel-aisle geometry and the node
kinds.

They sit below both the spec compiler (:mod:`optimizer.layout.compile`) and
the layout (:mod:`optimizer.layout.model`), so the compiler can make them
without knowing the :class:`~optimizer.layout.model.Layout` class.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = [
    "Slot",
    "Depot",
    "DepotPlacement",
    "ParallelAisles",
    "frozen",
    "NODE_PLAIN",
    "NODE_PICK",
    "NODE_DEPOT",
    "NODE_KIND_NAMES",
]

NODE_PLAIN = 0  # aisle ends, cross-aisle crossings, corners
NODE_PICK = 1  # a point in front of one or more slots
NODE_DEPOT = 2  # where tours start and end
NODE_KIND_NAMES = ("plain", "pick", "depot")  # by the numbers above


@dataclass(frozen=True, slots=True)
class Slot:
    """A storage location: a bin code, the node a picker stands on to reach it,
    and where it sits in the rack (``None`` where the layout does not say)."""

    code: str
    node: int
    index: int
    aisle: int | None = None
    block: int | None = None
    cell: int | None = None
    side: str | None = None
    level: int | None = None
    zone: str | None = None
    capacity: float | None = None


@dataclass(frozen=True, slots=True)
class Depot:
    """A place where tours start or end (pick-up or drop-off station)."""

    name: str
    node: int


@dataclass(frozen=True, slots=True)
class DepotPlacement:
    """Where a depot sits in a parallel-aisle warehouse: on cross-aisle
    ``cross_aisle`` at abscissa ``x``, reached from ``attach`` (a node on the
    cross-aisle) by a spur of length ``setback``."""

    x: float
    cross_aisle: int
    attach: int
    setback: float


@dataclass(frozen=True, eq=False)
class ParallelAisles:
    """Geometry of a rectangular multi-block warehouse.

    Aisles are vertical at abscissae ``aisle_x``; cross-aisle ``j`` (0 = front)
    runs horizontally at ordinate ``cross_y[j]``; block ``b`` lies between
    cross-aisles ``b`` and ``b + 1``. ``junction[i, j]`` is the node where aisle
    ``i`` meets cross-aisle ``j``; ``pick_node[i, b, c]`` is the node of cell
    ``c`` (0 = nearest the front) of aisle ``i`` in block ``b``.

    In every block, cell 0 is ``cross_aisle_to_cell`` behind the cross-aisle in
    front of the block and the last cell ``back_cross_aisle_to_cell`` in front
    of the one behind it (the two are equal unless the spec sets them apart),
    so ``block_length = cross_aisle_to_cell + (cells - 1) * cell_length +
    back_cross_aisle_to_cell``.
    """

    aisle_x: np.ndarray
    cross_y: np.ndarray
    cells: int
    cell_length: float
    cross_aisle_to_cell: float
    back_cross_aisle_to_cell: float
    cross_aisle_width: float
    junction: np.ndarray
    pick_node: np.ndarray
    depots: tuple[DepotPlacement, ...]

    def __post_init__(self) -> None:
        for name in ("aisle_x", "cross_y", "junction", "pick_node"):
            frozen(getattr(self, name))

    @property
    def n_aisles(self) -> int:
        """Number of picking aisles."""
        return int(self.aisle_x.size)

    @property
    def n_blocks(self) -> int:
        """Number of blocks (cross-aisles minus one)."""
        return int(self.cross_y.size - 1)

    @property
    def block_length(self) -> float:
        """Length of an aisle within one block, cross-aisle to cross-aisle."""
        return float(self.cross_y[1] - self.cross_y[0])

    @cached_property
    def node_position(self) -> dict[int, tuple[int, int, float]]:
        """Pick node -> (aisle, block, ordinate above the block's front cross-aisle)."""
        out: dict[int, tuple[int, int, float]] = {}
        for (i, b, c), node in np.ndenumerate(self.pick_node):
            out[int(node)] = (i, b, self.cross_aisle_to_cell + c * self.cell_length)
        return out


def frozen(a: np.ndarray) -> np.ndarray:
    """Make ``a`` read-only and return it."""
    a.setflags(write=False)
    return a
