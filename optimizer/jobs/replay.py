"""Replay: what a slotting would have walked on real orders.

:func:`replay` takes historical orders, day by day, and plans each day as
one wave with :func:`optimizer.waves.plan_wave` (batching and final routes)
under every slotting given, so that slottings are compared on the distance
pickers would really walk, batching included, not on a proxy.
:func:`history_orders` reads such a sample from a history file: the last
``days`` days, optionally at most ``max_orders_per_day`` orders a day.

Only orders whose SKUs are slotted in every slotting are replayed (the
others are counted in :attr:`ReplayReport.excluded`), so every slotting
walks for exactly the same orders.

The default wave policy batches with Clarke & Wright savings
(``WavePolicy(batching="savings")``): deterministic and quick on a day of a
few hundred orders; pass another :class:`WavePolicy` for more search.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.executors import Executor, InProcess, Shared, warm_worker
from optimizer.io.history import HistoryError, HistoryReader, date_of, day_of
from optimizer.jobs.fanout import Site, share_site
from optimizer.jobs.warmup import call_every_kernel
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting
from optimizer.waves import WavePolicy, plan_wave

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["ReplayReport", "replay", "history_orders", "REPLAY_POLICY"]

#: The wave policy :func:`replay` uses unless told otherwise.
REPLAY_POLICY = WavePolicy(batching="savings")


@dataclass(frozen=True)
class ReplayReport:
    """Walking of each slotting on the same historical orders.

    Attributes
    ----------
    names
        The slottings, in the order given.
    days
        Day labels (ISO dates, or ``"all"``).
    per_day
        Day -> slotting -> metres walked.
    orders_per_day
        Day -> orders replayed.
    tours
        Slotting -> tours planned in all.
    unassigned
        Slotting -> orders ``plan_wave`` could not batch (too big for the cart).
    excluded
        Orders left out because some slotting lacks one of their SKUs.
    excluded_examples
        A few of them, ``"order 'o7': SKU 'x' not in 'old'"``.
    policy, cart
        How the waves were planned.
    seconds
        Wall time of the replay.
    """

    names: tuple[str, ...]
    days: tuple[str, ...]
    per_day: Mapping[str, Mapping[str, float]]
    orders_per_day: Mapping[str, int]
    tours: Mapping[str, int]
    unassigned: Mapping[str, int]
    excluded: int
    excluded_examples: tuple[str, ...]
    policy: WavePolicy
    cart: Cart
    seconds: float = 0.0
    lines: int = field(default=0)

    @property
    def distance(self) -> dict[str, float]:
        """Slotting -> metres walked over all days."""
        return {n: float(sum(self.per_day[d][n] for d in self.days)) for n in self.names}

    @property
    def orders(self) -> int:
        """Orders replayed in all."""
        return sum(self.orders_per_day.values())

    def saving_pct(self, base: str, other: str) -> float:
        """Per cent less walking of ``other`` than ``base`` (negative: more)."""
        d = self.distance
        for n in (base, other):
            if n not in d:
                raise PickoptError(f"no slotting {n!r} in this replay (have {', '.join(d)})")
        return 100.0 * (1.0 - d[other] / d[base]) if d[base] else 0.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: metres, tours and unassigned per slotting, and the days."""
        return {
            "slottings": list(self.names),
            "orders": self.orders,
            "distance_m": {n: round(v, 3) for n, v in self.distance.items()},
            "tours": dict(self.tours),
            "unassigned": dict(self.unassigned),
            "excluded": self.excluded,
            "excluded_examples": list(self.excluded_examples),
            "seconds": round(self.seconds, 3),
            "days": self.to_rows()[:-1],
        }

    def to_rows(self) -> list[dict[str, Any]]:
        """One dict per day and a total: day, orders, metres per slotting."""
        rows: list[dict[str, Any]] = []
        for day in self.days:
            row: dict[str, Any] = {"day": day, "orders": self.orders_per_day[day]}
            row.update({f"{n}_m": round(self.per_day[day][n], 1) for n in self.names})
            rows.append(row)
        total: dict[str, Any] = {"day": "total", "orders": self.orders}
        total.update({f"{n}_m": round(v, 1) for n, v in self.distance.items()})
        rows.append(total)
        return rows

    def to_frame(self) -> pd.DataFrame:
        """One row per day and slotting: ``day``, ``slotting``, ``orders``,
        ``distance_m`` (tidy: the totals are ``groupby("slotting").sum()``). Needs pandas."""
        import pandas as pd

        rows = [
            {"day": d, "slotting": n, "orders": self.orders_per_day[d], "distance_m": m[n]}
            for d, m in ((d, self.per_day[d]) for d in self.days)
            for n in self.names
        ]
        return pd.DataFrame(rows, columns=["day", "slotting", "orders", "distance_m"])

    def to_markdown(self, base: str | None = None) -> str:
        """Per-day table with a total row and, if ``base`` is given, savings against it."""
        names = self.names
        lines = [
            "| day | orders | " + " | ".join(f"{n} (m)" for n in names) + " |",
            "|---|---:|" + "---:|" * len(names),
        ]
        for row in self.to_rows():
            cells = [f"{row[f'{n}_m']:,.0f}" for n in names]
            day = f"**{row['day']}**" if row["day"] == "total" else row["day"]
            lines.append(f"| {day} | {row['orders']:,} | " + " | ".join(cells) + " |")
        if base is not None:
            cells = ["-" if n == base else f"{self.saving_pct(base, n):+.1f} %" for n in names]
            lines.append(f"| saving vs {base} | | " + " | ".join(cells) + " |")
        return "\n".join(lines)


def replay(
    layout: Layout,
    orders: Sequence[Order] | Mapping[str, Sequence[Order]],
    slottings: Mapping[str, Slotting],
    cart: Cart,
    *,
    policy: WavePolicy | None = None,
    oracle: DistanceOracle | None = None,
    progress: bool | None = False,
    executor: Executor | None = None,
) -> ReplayReport:
    """Batch and route historical orders under each slotting; report the walking.

    Parameters
    ----------
    layout
        The warehouse.
    orders
        A sequence (one wave, labelled ``"all"``) or day label -> orders;
        each day is planned as one wave.
    slottings
        Name -> slotting, e.g. ``{"old": current, "new": plan.slotting}``.
    cart
        What one tour carries.
    policy
        Wave policy; default :data:`REPLAY_POLICY` (savings batching).
    oracle
        Distances to reuse.
    progress
        Draw a progress bar on stderr (``None``: when it is a terminal).
    executor
        Where the days are planned (each day is one task); default in this
        process, with ``progress``. The report is the same whatever runs it.

    Returns
    -------
    ReplayReport
        ``distance[name]`` in metres, per day and in all.

    Raises
    ------
    PickoptError
        For no slottings, or no order that every slotting can place.

    Examples
    --------
    >>> from optimizer.orders import OrderLine
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> orders = [Order("o1", (OrderLine("busy"),)),
    ...           Order("o2", (OrderLine("busy"), OrderLine("rare")))]
    >>> old = Slotting({"busy": "A10-B1-045-L-1", "rare": "A01-B1-001-L-1"})
    >>> new = Slotting({"busy": "A01-B1-001-R-1", "rare": "A01-B1-001-L-1"})
    >>> report = replay(layout, orders, {"old": old, "new": new}, Cart(max_items=45))
    >>> report.distance
    {'old': 184.0, 'new': 3.0}
    >>> print(report.to_markdown(base="old"))
    | day | orders | old (m) | new (m) |
    |---|---:|---:|---:|
    | all | 2 | 184 | 3 |
    | **total** | 2 | 184 | 3 |
    | saving vs old | | - | +98.4 % |
    """
    if not slottings:
        raise PickoptError("replay needs at least one slotting")
    t0 = time.perf_counter()
    policy = policy or REPLAY_POLICY
    by_day = {"all": list(orders)} if not isinstance(orders, Mapping) else dict(orders)
    names = tuple(slottings)
    per_day: dict[str, dict[str, float]] = {}
    counts: dict[str, int] = {}
    tours = dict.fromkeys(names, 0)
    unassigned = dict.fromkeys(names, 0)
    excluded = 0
    examples: list[str] = []
    n_lines = 0
    days: list[list[Order]] = []
    for day, day_orders in by_day.items():
        usable = []
        for o in day_orders:
            missing = next(
                ((sku, n) for n, s in slottings.items() for sku in o.skus if sku not in s),
                None,
            )
            if missing is None:
                usable.append(o)
                continue
            excluded += 1
            if len(examples) < 3:
                examples.append(f"order {o.id!r}: SKU {missing[0]!r} not in {missing[1]!r}")
        counts[day] = len(usable)
        n_lines += sum(len(o.lines) for o in usable)
        days.append(usable)
    executor = executor or InProcess(progress=progress)
    site = share_site(executor, layout, slottings, oracle)
    tasks = [ReplayDay(site, names, tuple(usable), cart, policy) for usable in days]
    for day, walked in zip(by_day, executor.map(replay_day, tasks, label="replay"), strict=True):
        per_day[day] = {}
        for name, (metres, n_tours, n_unassigned) in walked.items():
            per_day[day][name] = metres
            tours[name] += n_tours
            unassigned[name] += n_unassigned
    if not any(counts.values()):
        detail = f" ({'; '.join(examples)})" if examples else ""
        raise PickoptError(f"no order can be replayed under every slotting{detail}")
    return ReplayReport(names, tuple(by_day), per_day, counts, tours, unassigned, excluded,
                        tuple(examples), policy, cart, time.perf_counter() - t0,
                        n_lines)  # fmt: skip


@dataclass(frozen=True)
class ReplayDay:
    """One day of a replay for a worker: the shared warehouse and the day's orders."""

    site: Shared[Site]
    names: tuple[str, ...]
    orders: tuple[Order, ...]
    cart: Cart
    policy: WavePolicy


def replay_day(task: ReplayDay) -> dict[str, tuple[float, int, int]]:
    """Plan one day under each slotting: name -> (metres, tours, unassigned orders)."""
    warm_worker(call_every_kernel)
    site = task.site.get()
    walked: dict[str, tuple[float, int, int]] = {}
    for name in task.names:
        if not task.orders:
            walked[name] = (0.0, 0, 0)
            continue
        plan = plan_wave(site.layout, site.slottings[name], task.orders, task.cart, task.policy,
                         oracle=site.oracle, baselines=False)  # fmt: skip
        walked[name] = (plan.kpis.total_distance_m, len(plan.batches), len(plan.unassigned))
    return walked


def history_orders(
    path: str | Path,
    *,
    days: int | None = 7,
    max_orders_per_day: int | None = None,
    seed: int = 0,
    progress: bool | None = False,
    until: dt.date | str | None = None,
) -> dict[str, list[Order]]:
    """Orders of the last ``days`` days of a history file (up to ``until``), by day.

    Parameters
    ----------
    path
        A history file (see :class:`DemandProfile`); malformed rows are
        skipped as there.
    days
        Days to keep, counted back from the last date in the file; ``None``
        keeps all. A history without dates is one day, ``"all"``.
    max_orders_per_day
        Keep at most this many orders a day, drawn at random (seeded).
    seed
        Seed of that draw.
    progress
        Draw a progress bar on stderr.
    until
        Leave out lines dated after this day (ISO date or date): the last
        ``days`` days are then counted back from the last date on or
        before it.

    Returns
    -------
    dict of str to list of Order
        ISO date -> orders of that day (an order's day is the date of its
        first line), in order of first appearance.

    Raises
    ------
    HistoryError
        As :meth:`DemandProfile.from_file`, or when nothing is left.
    """
    if days is not None and (isinstance(days, bool) or days < 1):
        raise PickoptError(f"days must be a positive whole number, got {days!r}")
    reader = HistoryReader(path, progress=progress, until=None if until is None else day_of(until))
    oid_parts: list[pa.Array] = []
    sku_parts: list[np.ndarray] = []
    qty_parts: list[np.ndarray] = []
    day_parts: list[np.ndarray] = []
    newest = np.iinfo(np.int32).min
    for chunk in reader:
        if not chunk.sku.size:
            continue
        day = chunk.day if chunk.day is not None else np.zeros(chunk.sku.size, np.int32)
        if days is not None and reader.has_date:
            newest = max(newest, int(day.max()))
            keep = day > newest - days
            chunk_oid = chunk.order_id.filter(pa.array(keep))
            oid_parts.append(chunk_oid)
            sku_parts.append(chunk.sku[keep])
            qty_parts.append(chunk.qty[keep])
            day_parts.append(day[keep])
        else:
            oid_parts.append(chunk.order_id)
            sku_parts.append(chunk.sku)
            qty_parts.append(chunk.qty)
            day_parts.append(day)
    if not sku_parts:
        raise HistoryError(f"{path}: no usable order lines; {reader.log.freeze().describe()}")
    day = np.concatenate(day_parts)
    keep = day > newest - days if days is not None and reader.has_date else np.ones(day.size, bool)
    sku = np.concatenate(sku_parts)[keep]
    qty = np.concatenate(qty_parts)[keep]
    day = day[keep]
    encoded = pa.chunked_array(oid_parts).filter(pa.array(keep)).dictionary_encode()
    combined = encoded.combine_chunks()
    code = np.asarray(combined.indices.to_numpy(), dtype=np.int64)
    ids = combined.dictionary.to_pylist()
    _, first = np.unique(code, return_index=True)  # first row of each order (codes are 0..k-1)
    order_day = day[first]
    chosen = np.ones(first.size, dtype=bool)
    if max_orders_per_day is not None:
        rng = np.random.default_rng(seed)
        chosen[:] = False
        for d in np.unique(order_day).tolist():
            members = np.flatnonzero(order_day == d)
            k = min(int(max_orders_per_day), members.size)
            chosen[rng.choice(members, size=k, replace=False)] = True
    rows = np.flatnonzero(chosen[code])
    rows = rows[np.argsort(first[code[rows]], kind="stable")]  # orders by first appearance
    names = reader.names
    lines: dict[int, list[OrderLine]] = {}
    for c, s, q in zip(code[rows].tolist(), sku[rows].tolist(), qty[rows].tolist(), strict=True):
        lines.setdefault(c, []).append(OrderLine(names[s], q))
    out: dict[str, list[Order]] = {}
    labels = {d: (date_of(d).isoformat() if reader.has_date else "all")
              for d in np.unique(order_day).tolist()}  # fmt: skip
    for c, order_lines in lines.items():
        day_label = labels[int(order_day[c])]
        out.setdefault(day_label, []).append(Order(str(ids[c]), tuple(order_lines)))
    return dict(sorted(out.items()))
