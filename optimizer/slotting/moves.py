"""Move lists: what a re-slot hands to the warehouse, and the check that it can be done.

A :class:`Move` relocates one SKU; moves that share a ``step`` are one
action (a chain, a swap, a rotation) and can be done together: all its SKUs
taken out, then put into their bins; a chain also one by one in the order
listed. :class:`ReslotPlan` is what :func:`~optimizer.slotting.reslotting.reslot`
returns: the move list, the slotting after it, the full re-slot it aims at
and the expected walking of each. :func:`apply_moves` carries a move list
out on a slotting and refuses any move that cannot be done: no bin ever
receives two SKUs, every SKU moves at most once, and every destination
holds the SKU.

Examples
--------
>>> current = Slotting({"a": "A01-B1-001-L-1", "b": "A01-B1-002-L-1"})
>>> swap = [Move(1, "a", "A01-B1-001-L-1", "A01-B1-002-L-1", 1.0, "swap"),
...         Move(1, "b", "A01-B1-002-L-1", "A01-B1-001-L-1", -0.5, "swap")]
>>> apply_moves(current, swap).bins
{'a': 'A01-B1-002-L-1', 'b': 'A01-B1-001-L-1'}
>>> apply_moves(current, swap[:1])
Traceback (most recent call last):
...
optimizer.slotting.moves.MoveError: step 1, SKU 'a': bin 'A01-B1-002-L-1' is not empty
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from optimizer.errors import PickoptError
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting.assignment import Unslotted
from optimizer.slotting.classes import Classes

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Move", "MoveError", "ReslotPlan", "apply_moves"]


class MoveError(PickoptError):
    """A move list that cannot be applied to a slotting."""


@dataclass(frozen=True, slots=True)
class Move:
    """Relocate one SKU.

    Attributes
    ----------
    step
        Execution order, from 1; the moves of one action (a chain, a swap,
        a rotation) share a step and can be done together (all its SKUs
        taken out, then put into their bins); a chain also one by one in
        the order listed.
    sku
        The SKU.
    from_bin
        Where it is now; ``""`` for a put-away of a SKU without a bin.
    to_bin
        Where it goes.
    expected_gain_m
        Expected walking saved per day. Picks model: the SKU's picks per
        day times the drop in slot cost (one pick as a round trip from the
        depot); negative for a SKU that makes room by moving to a worse
        slot. Tours model: the metres per day its action saves on the
        sampled tours, shared equally by the action's moves.
    kind
        ``"move"``, ``"chain"``, ``"swap"``, ``"rotate"`` or ``"put-away"``.
    """

    step: int
    sku: str
    from_bin: str
    to_bin: str
    expected_gain_m: float
    kind: str


@dataclass(frozen=True)
class ReslotPlan:
    """What :func:`reslot` returns.

    Attributes
    ----------
    slotting
        The current slotting after all moves.
    moves
        The moves in execution order.
    target
        The full re-slot (what an unlimited budget aims at).
    policy
        The policy whose objective the moves improve.
    max_moves
        The budget (``None``: unlimited).
    expected_m_per_day
        Expected walking per day, Σ picks/day x slot cost, of ``"current"``,
        ``"planned"`` and ``"target"`` (SKUs slotted in all three).
    unknown_skus
        SKUs of the current slotting that the history does not mention
        (kept as zero-demand SKUs).
    unslotted
        SKUs of the history left without a slot, and why.
    classes
        The classes used (class-based policy), else ``None``.
    gain
        The gain model that ranked the moves, ``"picks"`` or ``"tours"``.
    tour_m_per_day
        Tours model: metres per day of the sampled tours (batches fixed as
        sampled) under ``"current"`` (after put-aways), ``"planned"`` and
        ``"target"``; empty otherwise.
    """

    slotting: Slotting
    moves: tuple[Move, ...]
    target: Slotting
    policy: str
    max_moves: int | None
    expected_m_per_day: Mapping[str, float] = field(default_factory=dict)
    unknown_skus: tuple[str, ...] = ()
    unslotted: tuple[Unslotted, ...] = ()
    classes: Classes | None = field(default=None, repr=False)
    gain: str = "picks"
    tour_m_per_day: Mapping[str, float] = field(default_factory=dict)

    @property
    def moves_used(self) -> int:
        """Moves that count against the budget (put-aways excluded)."""
        return sum(1 for m in self.moves if m.kind != "put-away")

    @property
    def captured(self) -> float:
        """Share of the target's expected saving that the planned moves capture."""
        e = self.expected_m_per_day
        full = e["current"] - e["target"]
        return 1.0 if full <= 0 else (e["current"] - e["planned"]) / full

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: budget, expected walking, capture and the moves."""
        return {
            "policy": self.policy,
            "gain": self.gain,
            "max_moves": self.max_moves,
            "moves_used": self.moves_used,
            "captured": round(self.captured, 4),
            "expected_m_per_day": {k: round(v, 3) for k, v in self.expected_m_per_day.items()},
            "tour_m_per_day": {k: round(v, 3) for k, v in self.tour_m_per_day.items()},
            "unknown_skus": list(self.unknown_skus),
            "unslotted": [{"sku": u.sku, "reason": u.reason} for u in self.unslotted],
            "moves": self.to_rows(),
        }

    def to_rows(self) -> list[dict[str, Any]]:
        """The moves, one dict per move (for CSV and data frames)."""
        return [
            {
                "step": m.step,
                "sku": m.sku,
                "from_bin": m.from_bin,
                "to_bin": m.to_bin,
                "expected_gain_m": round(m.expected_gain_m, 4),
                "kind": m.kind,
            }
            for m in self.moves
        ]

    def to_frame(self) -> pd.DataFrame:
        """The moves as a data frame, one row per move (:meth:`to_rows`). Needs pandas."""
        import pandas as pd

        columns = ["step", "sku", "from_bin", "to_bin", "expected_gain_m", "kind"]
        return pd.DataFrame(self.to_rows(), columns=columns)


def apply_moves(
    current: Slotting,
    moves: Sequence[Move],
    *,
    layout: Layout | None = None,
    space: Mapping[str, float] | None = None,
) -> Slotting:
    """Apply ``moves`` step by step, checking that each is possible.

    Parameters
    ----------
    current
        The slotting before.
    moves
        In execution order; moves that share a ``step`` are done together.
    layout
        If given, every destination must be a bin of it, and with ``space``
        hold the SKU.
    space
        SKU -> litres it needs; checked against slot capacities.

    Returns
    -------
    Slotting
        The slotting after all moves.

    Raises
    ------
    MoveError
        Naming the step and SKU: a SKU that is not where the move says, a
        SKU moved in two steps, a destination that already holds a SKU or
        receives two, steps out of order, a slot too small.
    """
    bins: dict[str, str] = dict(current.bins)
    held: dict[str, int] = {}
    for code in bins.values():
        held[code] = held.get(code, 0) + 1
    moved: dict[str, int] = {}
    k = 0
    last_step = -1
    while k < len(moves):
        step = moves[k].step
        if step <= last_step:
            raise MoveError(f"step {step} comes after step {last_step}: steps must increase")
        group = []
        while k < len(moves) and moves[k].step == step:
            group.append(moves[k])
            k += 1
        last_step = step
        for m in group:
            where = f"step {step}, SKU {m.sku!r}"
            if m.sku in moved:
                raise MoveError(f"{where}: moved again (already in step {moved[m.sku]})")
            if bins.get(m.sku, "") != m.from_bin:
                raise MoveError(
                    f"{where}: expected in bin {m.from_bin or '(none)'!r}, "
                    f"but it is in {bins.get(m.sku, '(none)')!r}"
                )
            moved[m.sku] = step
            if m.from_bin:
                held[m.from_bin] -= 1
        for m in group:
            where = f"step {step}, SKU {m.sku!r}"
            if held.get(m.to_bin, 0) > 0:
                raise MoveError(f"{where}: bin {m.to_bin!r} is not empty")
            if layout is not None:
                slot = layout.slot(m.to_bin)
                need = None if space is None else space.get(m.sku)
                if (
                    need is not None
                    and slot.capacity is not None
                    and need > slot.capacity * (1 + 1e-9)
                ):
                    raise MoveError(
                        f"{where}: needs {need:.3g} l but bin {m.to_bin!r} holds "
                        f"{slot.capacity:.3g} l"
                    )
            held[m.to_bin] = 1
            bins[m.sku] = m.to_bin
    return Slotting(bins, name=f"{current.name}+moves")
