"""Demand profiles: what the order history says about each SKU.

A :class:`DemandProfile` holds, per SKU, its *picks* (order lines), *units*
and *orders* (distinct orders that contain it), the unit cube from an
optional SKU master, the most frequent co-picked pairs
(:mod:`~optimizer.slotting.copick`), and what was wrong with the input. It
is built from

- a history file (:meth:`DemandProfile.from_file`): CSV or Parquet with the
  columns ``order_id, sku, qty`` and an optional ``date``, read in chunks by
  :class:`~optimizer.io.history.HistoryReader` (the format, and the rows it
  skips, are described in :mod:`optimizer.io.history`);
- columns in memory (:meth:`DemandProfile.from_arrays`), or
- :class:`~optimizer.orders.Order` objects (:meth:`DemandProfile.from_orders`).

Every chunk arrives as integer columns, and all counting is numpy group-bys
(``bincount``, ``unique`` on packed ``order * n_skus + sku`` keys), never a
Python loop per line.

Notes
-----
Memory is about 40 bytes per line (the order ids as Arrow strings plus four
integer columns), so 10 million lines need about 0.5 GB; time is dominated
by two sorts of the packed keys, O(L log L) for L lines.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from optimizer.errors import PickoptError
from optimizer.io.history import CHUNK_ROWS, HistoryError, HistoryReader, date_of, day_of
from optimizer.io.row_issues import RowIssues
from optimizer.io.sku_master import read_sku_master
from optimizer.orders import Order
from optimizer.slotting.copick import CoPick, count_pairs

__all__ = ["DemandProfile"]


@dataclass(frozen=True, eq=False)
class DemandProfile:
    """What the order history says about each SKU.

    Arrays are indexed like ``skus`` and read-only.

    Attributes
    ----------
    skus
        SKU names, in order of first appearance.
    picks
        Order lines per SKU.
    units
        Units per SKU.
    orders
        Distinct orders per SKU.
    unit_cube
        Litres per unit from the SKU master; NaN where unknown.
    zones
        Zone of each SKU from the SKU master (``None``: any zone), or
        ``None`` when the master has no zones.
    n_lines, n_orders
        Clean lines and distinct orders read.
    n_days
        Distinct dates with lines (1 when the history has no dates).
    first_day, last_day
        Date range, or ``None`` without dates.
    lines_per_day
        Date -> lines.
    pairs
        The most frequent co-picked pairs, most frequent first (each pair
        with its two SKUs in name order).
    issues
        Rows skipped, by reason.
    outside
        Clean rows left out by a date window.
    master_only
        SKUs of the master that the history never mentions.
    source
        Where the history came from.

    Examples
    --------
    >>> p = DemandProfile.from_arrays(["o1", "o1", "o2"], ["a", "b", "a"], [2, 1, 1])
    >>> p.picks.tolist(), p.units.tolist(), p.orders.tolist()
    ([2, 1], [3, 1], [2, 1])
    >>> p.pairs[0]
    CoPick(a='a', b='b', orders=1)
    """

    skus: tuple[str, ...]
    picks: np.ndarray
    units: np.ndarray
    orders: np.ndarray
    unit_cube: np.ndarray
    zones: tuple[str | None, ...] | None = None
    n_lines: int = 0
    n_orders: int = 0
    n_days: int = 1
    first_day: dt.date | None = None
    last_day: dt.date | None = None
    lines_per_day: Mapping[dt.date, int] = field(default_factory=dict)
    pairs: tuple[CoPick, ...] = ()
    issues: RowIssues = field(default_factory=RowIssues)
    outside: int = 0
    master_only: int = 0
    source: str | None = None

    def __post_init__(self) -> None:
        n = len(self.skus)
        for name in ("picks", "units", "orders", "unit_cube"):
            a = np.asarray(getattr(self, name), dtype=np.float64 if name == "unit_cube" else None)
            if a.shape != (n,):
                raise PickoptError(f"profile {name} has shape {a.shape}, expected ({n},)")
            a = a.copy()
            a.setflags(write=False)
            object.__setattr__(self, name, a)
        if self.zones is not None and len(self.zones) != n:
            raise PickoptError(f"profile zones has {len(self.zones)} entries, expected {n}")

    # ---- construction --------------------------------------------------------------------
    @classmethod
    def from_file(
        cls,
        path: str | Path,
        *,
        sku_master: str | Path | None = None,
        since: dt.date | str | None = None,
        until: dt.date | str | None = None,
        top_pairs: int = 20,
        max_pair_lines: int = 50,
        chunk_rows: int = CHUNK_ROWS,
        progress: bool | None = False,
    ) -> DemandProfile:
        """Read an order-line history (``.csv`` or ``.parquet``) in chunks.

        Parameters
        ----------
        path
            The history: ``order_id, sku, qty`` and optionally ``date``.
        sku_master
            Optional ``.csv``/``.parquet`` with ``sku`` and ``unit_cube``
            (litres) and/or ``zone``.
        since, until
            Keep only lines dated in this window (inclusive; needs ``date``).
        top_pairs
            How many co-picked pairs to keep (0: skip pair counting).
        max_pair_lines
            Orders with more distinct SKUs than this are left out of the
            pair count.
        chunk_rows
            Rows per chunk (CSV chunks are sized in bytes to match roughly).
        progress
            Draw a progress bar on stderr (``None``: when it is a terminal).

        Returns
        -------
        DemandProfile
            With :attr:`issues` listing the rows that were skipped.

        Raises
        ------
        HistoryError
            For a missing file, an unknown type, a missing column (naming the
            closest one), an unreadable file, or no usable line at all.
        """
        reader = HistoryReader(
            path,
            chunk_rows=chunk_rows,
            since=None if since is None else day_of(since),
            until=None if until is None else day_of(until),
            progress=progress,
        )
        return cls._build(reader, sku_master, top_pairs, max_pair_lines, str(path))

    @classmethod
    def from_table(
        cls,
        table: pa.Table | pa.RecordBatch,
        *,
        sku_master: str | Path | None = None,
        top_pairs: int = 20,
        max_pair_lines: int = 50,
        source: str | None = None,
    ) -> DemandProfile:
        """Build a profile from an Arrow table with the history columns."""
        reader = HistoryReader(table)
        return cls._build(reader, sku_master, top_pairs, max_pair_lines, source)

    @classmethod
    def from_arrays(
        cls,
        order_ids: Sequence[Any] | np.ndarray | pa.Array,
        skus: Sequence[str] | np.ndarray | pa.Array,
        qty: Sequence[int] | np.ndarray | pa.Array,
        days: Sequence[dt.date] | np.ndarray | pa.Array | None = None,
        *,
        sku_master: str | Path | None = None,
        top_pairs: int = 20,
        max_pair_lines: int = 50,
        source: str | None = None,
    ) -> DemandProfile:
        """Build a profile from columns of equal length (validated like a file).

        Parameters
        ----------
        order_ids, skus, qty
            One entry per order line.
        days
            Dates (``datetime.date``, ``datetime64[D]`` or ISO strings), or
            ``None``.
        sku_master, top_pairs, max_pair_lines, source
            As for :meth:`from_file`.
        """
        columns: dict[str, Any] = {
            "order_id": pa.array(order_ids),
            "sku": pa.array(skus),
            "qty": pa.array(qty),
        }
        if days is not None:
            columns["date"] = pa.array(days)
        try:
            table = pa.table(columns)
        except pa.ArrowInvalid as exc:
            raise HistoryError(f"history columns do not line up: {exc}") from None
        return cls.from_table(table, sku_master=sku_master, top_pairs=top_pairs,
                              max_pair_lines=max_pair_lines, source=source)  # fmt: skip

    @classmethod
    def from_orders(
        cls,
        orders: Iterable[Order],
        *,
        days: Mapping[str, dt.date] | None = None,
        top_pairs: int = 20,
    ) -> DemandProfile:
        """Build a profile from :class:`~optimizer.orders.Order` objects.

        Unit volumes on the lines become the SKUs' unit cubes.

        Parameters
        ----------
        orders
            The orders.
        days
            Optional order id -> date.
        top_pairs
            How many co-picked pairs to keep.
        """
        oids: list[str] = []
        skus: list[str] = []
        qty: list[int] = []
        cube: dict[str, float] = {}
        dates: list[dt.date | None] = []
        for o in orders:
            for ln in o.lines:
                oids.append(o.id)
                skus.append(ln.sku)
                qty.append(ln.qty)
                if ln.unit_volume is not None:
                    cube.setdefault(ln.sku, ln.unit_volume)
                if days is not None:
                    dates.append(days.get(o.id))
        profile = cls.from_arrays(
            oids, skus, qty, pa.array(dates, pa.date32()) if days is not None else None,
            top_pairs=top_pairs, source="orders",
        )  # fmt: skip
        if not cube:
            return profile
        unit_cube = np.array([cube.get(s, np.nan) for s in profile.skus])
        return profile._replace(unit_cube=unit_cube)

    def _replace(self, **changes: Any) -> DemandProfile:
        return dataclasses.replace(self, **changes)

    @classmethod
    def _build(
        cls,
        reader: HistoryReader,
        sku_master: str | Path | None,
        top_pairs: int,
        max_pair_lines: int,
        source: str | None,
    ) -> DemandProfile:
        oids: list[pa.Array] = []
        sku_parts: list[np.ndarray] = []
        qty_parts: list[np.ndarray] = []
        day_parts: list[np.ndarray] = []
        for chunk in reader:
            if not chunk.sku.size:
                continue
            oids.append(chunk.order_id)
            sku_parts.append(chunk.sku)
            qty_parts.append(chunk.qty)
            if chunk.day is not None:
                day_parts.append(chunk.day)
        issues = reader.issues
        if not sku_parts:
            what = f"; {issues.describe()}" if issues.total else ""
            window = f", {reader.outside:,} outside the date window" if reader.outside else ""
            raise HistoryError(f"{reader.where}: no usable order lines{window}{what}")
        sku = np.concatenate(sku_parts)
        del sku_parts
        qty = np.concatenate(qty_parts)
        del qty_parts
        encoded = pa.chunked_array(oids).dictionary_encode()
        del oids
        order = np.concatenate(
            [np.asarray(c.indices.to_numpy(), dtype=np.int64) for c in encoded.chunks]
        )
        del encoded
        names = reader.names
        # SKU ids were numbered across all rows read, bad rows included: keep the used ones.
        used = np.bincount(sku, minlength=len(names)) > 0
        if not used.all():
            remap = np.cumsum(used) - 1
            sku = remap[sku]
            names = [n for n, u in zip(names, used.tolist(), strict=True) if u]
        n_skus = len(names)
        picks = np.bincount(sku, minlength=n_skus)
        units = np.bincount(sku, weights=qty, minlength=n_skus).astype(np.int64)
        del qty
        distinct = order * n_skus + sku
        del sku, order
        distinct.sort()  # in place: sorted distinct (order, sku) keys, by order then SKU
        distinct = distinct[np.r_[True, distinct[1:] != distinct[:-1]]]
        o, s = distinct // n_skus, distinct % n_skus
        del distinct
        orders = np.bincount(s, minlength=n_skus)
        pair_rows = count_pairs(o, s, n_skus, top_pairs, max_pair_lines)
        pairs = tuple(
            CoPick(min(names[a], names[b]), max(names[a], names[b]), c)
            for a, b, c in pair_rows.tolist()
        )
        n_orders = int(o[-1] + 1) if o.size else 0
        del o, s
        per_day: dict[dt.date, int] = {}
        first = last = None
        n_days = 1
        if reader.has_date and day_parts:
            days = np.concatenate(day_parts)
            d0 = int(days.min())
            counts = np.bincount(days - d0)
            values = np.flatnonzero(counts) + d0
            counts = counts[counts > 0]
            per_day = {
                date_of(v): int(c) for v, c in zip(values.tolist(), counts.tolist(), strict=True)
            }
            first, last, n_days = date_of(values[0]), date_of(values[-1]), max(1, values.size)
        profile = cls(
            skus=tuple(names),
            picks=picks,
            units=units,
            orders=orders,
            unit_cube=np.full(n_skus, np.nan),
            n_lines=int(picks.sum()),
            n_orders=n_orders,
            n_days=n_days,
            first_day=first,
            last_day=last,
            lines_per_day=per_day,
            pairs=pairs,
            issues=issues,
            outside=reader.outside,
            source=source,
        )
        if sku_master is None:
            return profile
        return profile.with_master(*read_sku_master(sku_master))

    def with_master(
        self,
        skus: Sequence[str],
        unit_cube: Sequence[float] | np.ndarray,
        zones: Sequence[str | None] | None = None,
    ) -> DemandProfile:
        """This profile with unit cubes (and zones) from a SKU master.

        Parameters
        ----------
        skus
            SKU names of the master.
        unit_cube
            Litres per unit (NaN: unknown), like ``skus``.
        zones
            Zone of each SKU (``None``: any), or ``None``.

        SKUs of the profile that the master lacks keep an unknown cube; the
        master's SKUs that the history never mentions are counted in
        :attr:`master_only`.
        """
        at = {name: k for k, name in enumerate(skus)}
        idx = np.array([at.get(name, -1) for name in self.skus], dtype=np.int64)
        known = idx >= 0
        cube = np.full(len(self), np.nan)
        cube[known] = np.asarray(unit_cube, dtype=np.float64)[idx[known]]
        new_zones = None
        if zones is not None:
            new_zones = tuple(zones[k] if k >= 0 else None for k in idx.tolist())
        return self._replace(unit_cube=cube, zones=new_zones,
                             master_only=len(at) - int(known.sum()))  # fmt: skip

    # ---- lookups -----------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.skus)

    def __contains__(self, sku: object) -> bool:
        return sku in self.index

    @cached_property
    def index(self) -> dict[str, int]:
        """SKU name -> position in the arrays."""
        return {s: k for k, s in enumerate(self.skus)}

    @property
    def picks_per_day(self) -> np.ndarray:
        """Average order lines per day of each SKU."""
        return self.picks / self.n_days

    @property
    def known_cube(self) -> int:
        """SKUs with a unit cube from the master."""
        return int(np.isfinite(self.unit_cube).sum())

    def cube(self) -> np.ndarray:
        """Unit cubes with unknown ones replaced by the median known cube (1 if none known)."""
        known = np.isfinite(self.unit_cube)
        fill = float(np.median(self.unit_cube[known])) if known.any() else 1.0
        return np.where(known, self.unit_cube, fill)

    def space(self, cover_days: float = 2.0) -> np.ndarray | None:
        """Litres a slot needs to hold ``cover_days`` of average demand (at least one unit).

        ``None`` when the master gives no unit cube at all (every SKU then
        fits every slot).
        """
        if not self.known_cube:
            return None
        stock = np.maximum(1.0, np.ceil(self.units / self.n_days * cover_days))
        return self.cube() * stock

    def coi(self, cover_days: float = 2.0) -> np.ndarray:
        """Cube-per-order index: space needed per order that visits the SKU.

        ``space(cover_days) / orders`` (Heskett); without unit cubes every
        SKU needs one slot, so the index is ``1 / orders``. Small is good:
        low-COI SKUs go to the best slots.
        """
        space = self.space(cover_days)
        need = np.ones(len(self)) if space is None else space
        return need / np.maximum(self.orders, 1)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: counts, days and skipped rows (not the arrays)."""
        return {
            "source": self.source,
            "skus": len(self),
            "lines": self.n_lines,
            "orders": self.n_orders,
            "units": int(self.units.sum()),
            "days": self.n_days,
            "first_day": self.first_day.isoformat() if self.first_day else None,
            "last_day": self.last_day.isoformat() if self.last_day else None,
            "rows_skipped": self.issues.total,
            "skus_with_cube": self.known_cube,
            "master_only_skus": self.master_only,
        }
