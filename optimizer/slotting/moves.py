"""Move lists: what a re-slot hands to the warehouse, and the check that it can be done.

A :class:`Move` relocates one SKU; moves that share a ``step`` are one
action (a chain, a swap, a rotation) and can be done together: all its SKUs
taken out, then put into their bins; a chain also one by one in the order
listed. :class:`ReslotPlan` is what :func:`~optimizer.slotting.reslotting.reslot`
returns: the move list, the slotting after it, the full re-slot it aims at
and the expected walking of each. :func:`apply_moves` carries a move list
out on a slotting and refuses any move that cannot be done: no bin ever
receives two SKUs, every SKU moves at most once, and every destination
holds the SKU. Every step prefix of a move list is itself a plan that can
be carried out (:func:`step_prefix`); :func:`price_moves` gives each move its
labour minutes (:class:`MoveCost`) and its step's payback days, and
:func:`paying_steps` finds where the marginal step stops paying.

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

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from optimizer.batching.problem import DEFAULT_WALK_SPEED
from optimizer.errors import PickoptError
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.slotting.assignment import Unslotted
from optimizer.slotting.classes import Classes

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "Move",
    "MoveError",
    "MoveCost",
    "ReslotPlan",
    "apply_moves",
    "price_moves",
    "paying_steps",
    "step_prefix",
]


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
        sampled tours, shared equally by the action's moves. The budget
        curve (:func:`optimizer.jobs.curve.budget_curve`) recalibrates it to
        what the moves save on replayed waves.
    kind
        ``"move"``, ``"chain"``, ``"swap"``, ``"rotate"`` or ``"put-away"``.
    labour_min
        Labour minutes of this move (:class:`MoveCost`).
    needs_free
        The bin that must be empty when this move is done (its ``to_bin``
        for a move, a chain link or a put-away); ``""`` for a swap or a
        rotation, whose SKUs trade places (all taken out, then put back).
    payback_days
        Days until its step's expected saving, as picker minutes, repays
        the step's labour (the same for every move of a step); ``inf``
        when the step saves nothing.
    """

    step: int
    sku: str
    from_bin: str
    to_bin: str
    expected_gain_m: float
    kind: str
    labour_min: float = 0.0
    needs_free: str = ""
    payback_days: float = math.inf


@dataclass(frozen=True)
class MoveCost:
    """Labour of a move: handling plus walking from the old bin to the new one.

    Parameters
    ----------
    handling_min
        Minutes to take a SKU's stock out of a bin, scan, and put it into
        another (per SKU moved; a re-slot team's figure is typically 3-6).
    walk_speed
        Metres per minute walked with the stock (and the speed that turns
        metres of picking saved into picker minutes for the payback).

    Examples
    --------
    >>> MoveCost().minutes(24.0)
    4.5
    """

    handling_min: float = 4.0
    walk_speed: float = DEFAULT_WALK_SPEED * 60.0

    def __post_init__(self) -> None:
        if not (math.isfinite(self.handling_min) and self.handling_min >= 0):
            raise PickoptError(f"handling_min must be >= 0 minutes, got {self.handling_min!r}")
        if not (math.isfinite(self.walk_speed) and self.walk_speed > 0):
            raise PickoptError(f"walk_speed must be > 0 m/min, got {self.walk_speed!r}")

    def minutes(self, metres: float) -> float:
        """Labour minutes of one move that carries the stock ``metres``."""
        return self.handling_min + metres / self.walk_speed


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

    def prefix(self, current: Slotting, k: int) -> ReslotPlan:
        """The plan cut after its first ``k`` moves (``k`` at a step boundary,
        see :func:`step_prefix`): those moves, and the slotting after them.

        ``expected_m_per_day["planned"]`` drops by the prefix's expected
        gains (exact for the picks model, whose gains add up).
        """
        moves = self.moves[:k]
        if k < len(self.moves) and k > 0 and self.moves[k].step == self.moves[k - 1].step:
            raise MoveError(f"a prefix of {k} moves splits step {self.moves[k].step}")
        e = dict(self.expected_m_per_day)
        if "current" in e:
            e["planned"] = e["current"] - sum(m.expected_gain_m for m in moves)
        slotting = apply_moves(current, moves)
        return replace(self, moves=moves, expected_m_per_day=e,
                       slotting=Slotting(slotting.bins, name=self.slotting.name))  # fmt: skip

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
                "labour_min": round(m.labour_min, 2),
                "needs_free": m.needs_free,
                "payback_days": None if math.isinf(m.payback_days) else round(m.payback_days, 2),
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


def step_prefix(moves: Sequence[Move], budget: float) -> int:
    """Length of the longest step prefix of ``moves`` within ``budget`` moves.

    Put-aways are free; every other move counts one. A prefix never splits a
    step, so it is a plan that can be carried out on its own.

    Examples
    --------
    >>> ms = [Move(1, "n", "", "b1", 0.0, "put-away"),
    ...       Move(2, "a", "b2", "b3", 5.0, "swap"), Move(2, "c", "b3", "b2", -1.0, "swap"),
    ...       Move(3, "d", "b4", "b5", 2.0, "move")]
    >>> step_prefix(ms, 0), step_prefix(ms, 1), step_prefix(ms, 2), step_prefix(ms, 3)
    (1, 1, 3, 4)
    """
    used, end, k = 0, 0, 0
    while k < len(moves):
        j = k
        while j < len(moves) and moves[j].step == moves[k].step:
            j += 1
        used += sum(1 for m in moves[k:j] if m.kind != "put-away")
        if used > budget:
            break
        end = k = j
    return end


def _steps(moves: Sequence[Move]) -> list[tuple[int, int]]:
    """(start, end) of each step of ``moves``."""
    out: list[tuple[int, int]] = []
    k = 0
    while k < len(moves):
        j = k
        while j < len(moves) and moves[j].step == moves[k].step:
            j += 1
        out.append((k, j))
        k = j
    return out


def price_moves(
    moves: Sequence[Move], gains: Sequence[float], labour: Sequence[float], cost: MoveCost
) -> tuple[Move, ...]:
    """``moves`` with new expected gains (m/day), labour minutes, and payback days.

    A step's payback is its labour over its saving in picker minutes a day
    (``sum(gains) / cost.walk_speed``); every move of the step carries it.

    Examples
    --------
    >>> ms = [Move(1, "a", "b2", "b3", 0.0, "move")]
    >>> price_moves(ms, [48.0], [5.0], MoveCost())[0].payback_days
    5.0
    """
    out: list[Move] = []
    for a, b in _steps(moves):
        gain = float(sum(gains[a:b]))
        minutes = float(sum(labour[a:b]))
        payback = minutes / (gain / cost.walk_speed) if gain > 0 else math.inf
        for k in range(a, b):
            m = moves[k]
            free = m.to_bin if m.kind in ("move", "chain", "put-away") else ""
            out.append(Move(m.step, m.sku, m.from_bin, m.to_bin, float(gains[k]), m.kind,
                            float(labour[k]), free, payback))  # fmt: skip
    return tuple(out)


def paying_steps(
    moves: Sequence[Move], *, min_gain: float = 0.0, labour_minutes: float | None = None
) -> int:
    """Length of the step prefix of ``moves`` that still pays.

    The prefix stops before the first step (put-aways aside, which are
    always kept) whose expected gain per move is below ``min_gain`` metres
    a day (``-inf``: no limit), or whose labour would take the total past
    ``labour_minutes``.

    Examples
    --------
    >>> ms = [Move(1, "a", "b1", "b2", 9.0, "move", 5.0),
    ...       Move(2, "c", "b3", "b4", 3.0, "move", 5.0),
    ...       Move(3, "d", "b5", "b6", 1.0, "move", 5.0)]
    >>> paying_steps(ms, min_gain=2.0), paying_steps(ms, labour_minutes=10.0)
    (2, 2)
    """
    if math.isnan(min_gain):
        raise PickoptError(f"min_gain must be a number of metres a day, got {min_gain!r}")
    if labour_minutes is not None and not (labour_minutes >= 0):
        raise PickoptError(f"labour_minutes must be >= 0, got {labour_minutes!r}")
    spent = 0.0
    end = 0
    for a, b in _steps(moves):
        step = moves[a:b]
        if all(m.kind == "put-away" for m in step):
            end = b
            continue
        gain = sum(m.expected_gain_m for m in step) / len(step)
        minutes = sum(m.labour_min for m in step)
        if gain < min_gain or (labour_minutes is not None and spent + minutes > labour_minutes):
            break
        spent += minutes
        end = b
    return end
