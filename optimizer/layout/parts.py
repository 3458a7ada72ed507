"""The frozen pieces a :class:`~optimizer.layout.model.Layout` is made of:
slots (one :class:`SlotTable` of columns), depots, depot placements, the
parallel-aisle geometry and the node kinds.

They sit below both the spec compiler (:mod:`optimizer.layout.compile`) and
the layout (:mod:`optimizer.layout.model`), so the compiler can make them
without knowing the :class:`~optimizer.layout.model.Layout` class.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import overload

import numpy as np

__all__ = [
    "Slot",
    "SlotTable",
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


#: Bin codes of parallel-aisle layouts: aisle, block, cell, side, level.
_BIN_CODE = re.compile(r"A(\d+)-B(\d+)-(\d+)-([^-]+)-(\d+)")
_MEMO_SIZE = 1 << 16  # slots kept as objects once looked up, per table


@dataclass(frozen=True, eq=False)
class SlotTable(Sequence[Slot]):
    """The slots of a layout as columns: a read-only sequence of :class:`Slot`.

    A slot object is made when it is asked for (and a recent few are kept),
    so a million slots cost a few tens of bytes each. ``-1`` (``NaN`` for
    capacities) stands for ``None``; sides and zones are indices into
    ``side_names`` and ``zone_names``. Bin codes are either listed
    (``codes``, graph layouts) or follow the parallel-aisle pattern
    ``A<aisle>-B<block>-<cell>-<side>-<level>`` with the aisle and cell
    numbers zero-padded to ``widths``; then ``shape`` (aisles, blocks,
    cells, sides, levels) is the order of the slots, and a code is found by
    arithmetic instead of a dictionary.

    Examples
    --------
    >>> table = SlotTable.from_slots([Slot("X-1", 4, 0, side="L"), Slot("X-2", 5, 1)])
    >>> len(table), table[1].node, table.index_of("X-1"), table[0].side
    (2, 5, 0, 'L')
    """

    node: np.ndarray
    aisle: np.ndarray
    block: np.ndarray
    cell: np.ndarray
    side: np.ndarray
    level: np.ndarray
    zone: np.ndarray
    capacity: np.ndarray
    side_names: tuple[str, ...] = ()
    zone_names: tuple[str, ...] = ()
    codes: tuple[str, ...] | None = None
    widths: tuple[int, int] = (2, 3)
    shape: tuple[int, int, int, int, int] | None = None
    _memo: dict[int, Slot] = field(default_factory=dict, init=False, repr=False)
    _index: dict[str, int] = field(default_factory=dict, init=False, repr=False)

    def __post_init__(self) -> None:
        for name in ("node", "aisle", "block", "cell", "side", "level", "zone", "capacity"):
            frozen(getattr(self, name))
        if self.codes is not None:
            self._index.update(zip(self.codes, range(len(self.codes)), strict=True))

    def __getstate__(self) -> dict[str, object]:
        """Pickled without the slots looked up lately (workers get layouts by pickle)."""
        state = dict(self.__dict__)
        state["_memo"] = {}
        if self.codes is None:
            state["_index"] = {}
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    # ---- construction -------------------------------------------------------
    @classmethod
    def from_slots(cls, slots: Sequence[Slot]) -> SlotTable:
        """A table of ``slots``, listed codes; a slot's index is its position."""
        if isinstance(slots, SlotTable):
            return slots
        side_names = tuple(sorted({s.side for s in slots if s.side is not None}))
        zone_names = tuple(sorted({s.zone for s in slots if s.zone is not None}))
        side_of = {name: k for k, name in enumerate(side_names)}
        zone_of = {name: k for k, name in enumerate(zone_names)}

        def column(values: list[int | None], dtype: type) -> np.ndarray:
            return np.array([-1 if v is None else v for v in values], dtype=dtype)

        return cls(
            node=np.array([s.node for s in slots], dtype=np.int64),
            aisle=column([s.aisle for s in slots], np.int32),
            block=column([s.block for s in slots], np.int32),
            cell=column([s.cell for s in slots], np.int32),
            side=column([None if s.side is None else side_of[s.side] for s in slots], np.int8),
            level=column([s.level for s in slots], np.int32),
            zone=column([None if s.zone is None else zone_of[s.zone] for s in slots], np.int32),
            capacity=np.array(
                [np.nan if s.capacity is None else s.capacity for s in slots], dtype=np.float64
            ),  # fmt: skip
            side_names=side_names,
            zone_names=zone_names,
            codes=tuple(s.code for s in slots),
        )

    # ---- the sequence ---------------------------------------------------------
    def __len__(self) -> int:
        return int(self.node.size)

    @overload
    def __getitem__(self, key: int) -> Slot: ...
    @overload
    def __getitem__(self, key: slice) -> tuple[Slot, ...]: ...
    def __getitem__(self, key: int | slice) -> Slot | tuple[Slot, ...]:
        if isinstance(key, slice):
            return tuple(self[k] for k in range(*key.indices(len(self))))
        k = int(key)
        if k < 0:
            k += len(self)
        if not 0 <= k < len(self):
            raise IndexError(f"slot index {key} out of range ({len(self)} slots)")
        found = self._memo.get(k)
        if found is None:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.clear()
            found = self._memo[k] = self._make(k)
        return found

    def __iter__(self) -> Iterator[Slot]:
        step = 1 << 14  # columns to Python values a chunk at a time: fast, little memory
        for lo in range(0, len(self), step):
            yield from self._chunk(lo, min(lo + step, len(self)))

    def _chunk(self, lo: int, hi: int) -> Iterator[Slot]:
        sides, zones = (*self.side_names, None), (*self.zone_names, None)
        cols = (self.node[lo:hi].tolist(), self.aisle[lo:hi].tolist(),
                self.block[lo:hi].tolist(), self.cell[lo:hi].tolist(),
                self.side[lo:hi].tolist(), self.level[lo:hi].tolist(),
                self.zone[lo:hi].tolist(), self.capacity[lo:hi].tolist())  # fmt: skip
        codes = self.codes[lo:hi] if self.codes is not None else self._pattern_codes(lo, hi)
        for k, (code, node, a, b, c, s, lvl, z, cap) in enumerate(zip(codes, *cols, strict=True)):
            yield Slot(code, node, lo + k, None if a < 0 else a, None if b < 0 else b,
                       None if c < 0 else c, sides[s], None if lvl < 0 else lvl, zones[z],
                       None if cap != cap else cap)  # fmt: skip

    def _make(self, k: int) -> Slot:
        return next(self._chunk(k, k + 1))

    # ---- bin codes --------------------------------------------------------------
    def code(self, k: int) -> str:
        """The bin code of slot ``k``."""
        if self.codes is not None:
            return self.codes[k]
        return self._pattern_codes(k, k + 1)[0]

    def _pattern_codes(self, lo: int, hi: int) -> list[str]:
        wa, wc = self.widths
        sides = self.side_names
        return [f"A{a:0{wa}d}-B{b}-{c:0{wc}d}-{sides[s]}-{lvl}" for a, b, c, s, lvl in zip(
            self.aisle[lo:hi].tolist(), self.block[lo:hi].tolist(), self.cell[lo:hi].tolist(),
            self.side[lo:hi].tolist(), self.level[lo:hi].tolist(), strict=True)]  # fmt: skip

    def all_codes(self) -> list[str]:
        """Every bin code, in slot order."""
        return list(self.codes) if self.codes is not None else self._pattern_codes(0, len(self))

    def codes_near(self, code: str) -> list[str]:
        """Bin codes to suggest for an unknown ``code``: all of them, or in a large
        parallel-aisle layout those of the aisle the code names (when it names one)."""
        aisle = re.match(r"A0*(\d+)", code)
        if self.shape is None or len(self) <= _MEMO_SIZE or aisle is None:
            return self.all_codes()
        per_aisle = len(self) // self.shape[0]
        a = min(max(int(aisle[1]), 1), self.shape[0]) - 1
        return self._pattern_codes(a * per_aisle, (a + 1) * per_aisle)

    def index_of(self, code: str) -> int | None:
        """The index of the slot with bin code ``code``, or ``None``."""
        found = self._index.get(code)  # listed codes: all; the pattern: recent ones
        if found is not None or self.shape is None:
            return found
        match = _BIN_CODE.fullmatch(code)
        if match is None or match[4] not in self.side_names:
            return None
        aisles, blocks, cells, sides, levels = self.shape
        a, b, c, lvl = int(match[1]), int(match[2]), int(match[3]), int(match[5])
        if not (0 < a <= aisles and 0 < b <= blocks and 0 < c <= cells and 0 < lvl <= levels):
            return None
        wa, wc = self.widths
        if code != f"A{a:0{wa}d}-B{b}-{c:0{wc}d}-{match[4]}-{lvl}":
            return None  # "A3-B1-17-L-1" is not "A03-B1-017-L-1"
        s = self.side_names.index(match[4])
        k = (((((a - 1) * blocks + b - 1) * cells + c - 1) * sides + s) * levels) + lvl - 1
        if len(self._index) >= _MEMO_SIZE:
            self._index.clear()
        self._index[code] = k
        return k

    @property
    def nbytes(self) -> int:
        """Memory of the columns, bytes (listed codes not counted)."""
        return int(
            sum(
                getattr(self, f).nbytes
                for f in ("node", "aisle", "block", "cell", "side", "level", "zone", "capacity")
            )
        )


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
