"""A seeded generator of realistic order histories, for tests and benchmarks.

:func:`generate_history` draws day by day:

- **orders per day**: Poisson around ``orders_per_day``, shaped by weekday
  (busy Mondays, quiet weekends);
- **lines per order**: mostly few, P(k) proportional to ``line_decay ** (k - 1)``
  up to ``max_lines``;
- **SKU popularity**: Zipf-like, weight ``rank ** -skew`` over a random
  ranking of the SKUs;
- **seasonal drift between weeks**: each SKU's log-weight follows an AR(1)
  walk from week to week (``drift``), and a share of *seasonal* SKUs rise
  and fall on a sine of ``season_weeks`` with their own phase
  (``seasonal_amplitude`` in log units), so the fast movers of one month
  are not all those of the next;
- **co-ordered families**: SKUs form families of 2 to 6; each line brings a
  second member of its family with probability ``family_prob``;
- **demand events** (optional, :class:`DemandDrift`): promotions (a
  known seller's demand lifted for some days), launches (SKUs with no
  demand before their launch day, ramping up after it) and end of life
  (SKUs whose demand fades away); popularity is then drawn day by day;
- **quantities**: geometric per line with a per-SKU mean, at most 12;
- **unit cubes**: log-normal around 1 litre (the SKU master).

Everything is numpy on whole arrays: Python loops run once per week, never
per order or per line.
The result, :class:`History`, writes itself as CSV or Parquet and turns
into :class:`DemandProfile` objects or :class:`~optimizer.orders.Order`
lists for any window of days.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from optimizer.errors import PickoptError
from optimizer.io.history import write_history
from optimizer.io.sku_master import write_sku_master
from optimizer.orders import Order, OrderLine
from optimizer.slotting.profile import DemandProfile

__all__ = ["History", "generate_history", "DemandDrift", "WEEKDAY_FACTORS"]

#: Relative order volume Monday .. Sunday.
WEEKDAY_FACTORS = (1.15, 1.05, 1.0, 1.0, 1.1, 0.45, 0.25)


@dataclass(frozen=True, eq=False)
class History:
    """A generated history: one entry per order line, and the SKU master.

    Attributes
    ----------
    order
        Order number of each line (0-based, increasing with time).
    sku
        SKU index of each line (into ``skus``).
    qty
        Units of each line.
    day
        Day of each line, 0 = ``start``.
    skus
        SKU names.
    unit_cube
        Litres per unit of each SKU.
    family
        Family number of each SKU (co-ordered SKUs share it).
    start
        Date of day 0.
    launch_day
        Day each SKU went on sale (0: from the start; see :class:`DemandDrift`).
    """

    order: np.ndarray
    sku: np.ndarray
    qty: np.ndarray
    day: np.ndarray
    skus: tuple[str, ...]
    unit_cube: np.ndarray
    family: np.ndarray
    start: dt.date
    launch_day: np.ndarray | None = None

    @property
    def n_lines(self) -> int:
        """Order lines."""
        return int(self.sku.size)

    @property
    def n_orders(self) -> int:
        """Orders."""
        return int(self.order[-1] + 1) if self.order.size else 0

    @property
    def n_days(self) -> int:
        """Days covered (the last day's number plus one)."""
        return int(self.day.max() + 1) if self.day.size else 0

    def date(self, day: int) -> dt.date:
        """The date of day number ``day``."""
        return self.start + dt.timedelta(days=int(day))

    def window(self, first: int = 0, last: int | None = None) -> History:
        """The lines of days ``first`` .. ``last`` (inclusive; day numbers)."""
        last = self.n_days - 1 if last is None else last
        keep = (self.day >= first) & (self.day <= last)
        return History(self.order[keep], self.sku[keep], self.qty[keep], self.day[keep],
                       self.skus, self.unit_cube, self.family, self.start,
                       self.launch_day)  # fmt: skip

    def order_ids(self) -> pa.Array:
        """Order ids ``h0000001``, ... as an Arrow string array."""
        width = max(7, len(str(self.n_orders)))
        text = pc.cast(pa.array(self.order + 1), pa.string())
        return pc.binary_join_element_wise(pa.scalar("h"), pc.utf8_lpad(text, width, "0"), "")

    def to_table(self) -> pa.Table:
        """``order_id`` (string), ``sku`` (dictionary), ``qty`` (int32), ``date`` (date32)."""
        epoch_day = (self.start - dt.date(1970, 1, 1)).days
        sku = pa.DictionaryArray.from_arrays(
            pa.array(self.sku.astype(np.int32)), pa.array(list(self.skus), pa.string())
        )
        return pa.table(
            {
                "order_id": self.order_ids(),
                "sku": sku,
                "qty": pa.array(self.qty.astype(np.int32)),
                "date": pa.array((self.day + epoch_day).astype(np.int32)).cast(pa.date32()),
            }
        )

    def write(self, path: str | Path) -> Path:
        """Write the lines to ``.csv`` or ``.parquet`` (by suffix); returns the path.

        See :func:`optimizer.io.history.write_history`.
        """
        return write_history(self.to_table(), path)

    def write_master(self, path: str | Path) -> Path:
        """Write the SKU master, ``sku,unit_cube`` (CSV), sorted by SKU.

        See :func:`optimizer.io.sku_master.write_sku_master`.
        """
        return write_sku_master(self.skus, self.unit_cube, path)

    def profile(self, *, with_cube: bool = False, top_pairs: int = 20) -> DemandProfile:
        """The :class:`DemandProfile` of these lines (unit cubes with ``with_cube``)."""
        prof = DemandProfile.from_table(self.to_table(), top_pairs=top_pairs, source="generated")
        if not with_cube:
            return prof
        return prof.with_master(self.skus, self.unit_cube)

    def orders_by_day(self) -> dict[str, list[Order]]:
        """ISO date -> the orders of that day."""
        out: dict[str, list[Order]] = {}
        if not self.order.size:
            return out
        width = max(7, len(str(self.n_orders)))
        edges = np.flatnonzero(np.r_[True, self.order[1:] != self.order[:-1], True])
        names, qty, sku = self.skus, self.qty.tolist(), self.sku.tolist()
        for a, b in zip(edges[:-1].tolist(), edges[1:].tolist(), strict=True):
            oid = f"h{int(self.order[a]) + 1:0{width}d}"
            lines = tuple(OrderLine(names[sku[k]], qty[k]) for k in range(a, b))
            out.setdefault(self.date(int(self.day[a])).isoformat(), []).append(Order(oid, lines))
        return out


@dataclass(frozen=True)
class DemandDrift:
    """Demand events on top of the weekly walk: promotions, launches, end of life.

    Rates are per 30 days of history. Defaults are plausible for a
    mid-sized e-commerce assortment: about 2 % of the SKUs launched and 2 %
    fading out per month (25 % assortment churn a year), two promotions a
    month on known sellers lifting demand four-fold for ten days (retail
    promotion lifts are commonly 2-5 x).

    Parameters
    ----------
    promotions
        Promotions per 30 days (a Poisson count).
    promotion_lift
        Factor on a promoted SKU's demand while the promotion runs.
    promotion_days
        How long a promotion runs.
    promotion_pool
        Share of the SKUs, the best sellers by base popularity, that
        promotions are drawn from.
    launches
        Share of the SKUs launched per 30 days: no demand before their
        launch day, then a linear ramp over ``ramp_days``.
    ramp_days
        Days a launched SKU takes to reach its full demand.
    fades
        Share of the SKUs whose end of life starts per 30 days: demand
        halves every ``fade_half_life`` days from then on.
    fade_half_life
        Days in which a fading SKU's demand halves.

    Examples
    --------
    >>> DemandDrift().promotion_lift
    4.0
    >>> DemandDrift(launches=1.5)
    Traceback (most recent call last):
    ...
    optimizer.errors.PickoptError: DemandDrift.launches must be in [0, 1], got 1.5
    """

    promotions: float = 2.0
    promotion_lift: float = 4.0
    promotion_days: int = 10
    promotion_pool: float = 0.25
    launches: float = 0.02
    ramp_days: float = 7.0
    fades: float = 0.02
    fade_half_life: float = 7.0

    def __post_init__(self) -> None:
        for name in ("launches", "fades", "promotion_pool"):
            v = getattr(self, name)
            if not (isinstance(v, int | float) and 0 <= v <= 1):
                raise PickoptError(f"DemandDrift.{name} must be in [0, 1], got {v!r}")
        if not (math.isfinite(self.promotions) and self.promotions >= 0):
            raise PickoptError(f"DemandDrift.promotions must be >= 0, got {self.promotions!r}")
        if self.launches + self.fades > 1:
            raise PickoptError("DemandDrift.launches + fades must be at most 1")
        _check_positive("DemandDrift.promotion_lift", self.promotion_lift, integer=False)
        _check_positive("DemandDrift.promotion_days", self.promotion_days)
        _check_positive("DemandDrift.ramp_days", self.ramp_days, integer=False)
        _check_positive("DemandDrift.fade_half_life", self.fade_half_life, integer=False)

    def day_offsets(
        self, base: np.ndarray, days: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Log-weight offsets of each SKU on each day, and each SKU's launch day.

        Parameters
        ----------
        base
            Base log-weight of each SKU (promotions pick among the highest).
        days
            Days of history.
        rng
            The random source.

        Returns
        -------
        offsets, launch
            ``(days, n)`` offsets (``-inf``: no demand yet), and the launch
            day of each SKU (0 for SKUs on sale from the start).
        """
        n = base.size
        months = days / 30.0
        offsets = np.zeros((days, n))
        day = np.arange(days)[:, None]
        kind = rng.random(n)
        launched = kind < min(1.0, self.launches * months)
        fading = (kind >= 1.0 - min(1.0, self.fades * months)) & ~launched
        launch = np.zeros(n, dtype=np.int64)
        launch[launched] = rng.integers(1, max(days, 2), size=int(launched.sum()))
        age = day - launch[launched][None, :] + 1.0
        ramp = np.log(np.clip(age / self.ramp_days, 1e-300, 1.0))
        offsets[:, launched] = np.where(age > 0, ramp, -np.inf)
        fade_from = rng.integers(0, days, size=int(fading.sum()))
        gone = np.maximum(0, day - fade_from[None, :])
        offsets[:, fading] = -gone * math.log(2.0) / self.fade_half_life
        pool = np.flatnonzero(~launched & ~fading)
        pool = pool[np.argsort(-base[pool], kind="stable")]
        pool = pool[: max(1, int(round(self.promotion_pool * n)))]
        for _ in range(int(rng.poisson(self.promotions * months))):
            sku = int(rng.choice(pool))
            first = int(rng.integers(0, days))
            offsets[first : first + self.promotion_days, sku] += math.log(self.promotion_lift)
        return offsets, launch


def _check_positive(name: str, value: float, integer: bool = True) -> None:
    ok = not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)
    if not ok or value <= 0 or (integer and value != int(value)):
        kind = "a positive whole number" if integer else "positive"
        raise PickoptError(f"{name} must be {kind}, got {value!r}")


def generate_history(
    n_skus: int = 900,
    days: int = 30,
    orders_per_day: float = 200.0,
    *,
    seed: int = 0,
    skew: float = 1.5,
    head: float = 5.0,
    drift: float = 0.25,
    seasonal_share: float = 0.1,
    seasonal_amplitude: float = 1.0,
    season_weeks: float = 13.0,
    family_prob: float = 0.3,
    family_size: tuple[int, int] = (2, 6),
    max_lines: int = 10,
    line_decay: float = 0.6,
    start: dt.date = dt.date(2024, 1, 1),
    weekday_factors: Sequence[float] = WEEKDAY_FACTORS,
    events: DemandDrift | None = None,
    orders_seed: int | None = None,
) -> History:
    """A seeded order history with skewed, drifting, co-ordered demand.

    Parameters
    ----------
    n_skus
        Number of SKUs.
    days
        Number of days.
    orders_per_day
        Average orders a day (weekday factors are normalised to mean 1).
    seed
        Seed of numpy's ``default_rng``; equal arguments give equal histories.
    skew
        Zipf exponent of SKU popularity.
    drift
        Standard deviation of the weekly step of each SKU's log-weight
        (an AR(1) walk with coefficient 0.85 that keeps the Zipf shape).
    seasonal_share
        Share of SKUs that are seasonal.
    seasonal_amplitude
        Log-amplitude of their seasonal sine.
    season_weeks
        Period of the season, weeks.
    family_prob
        Probability that a line brings a second member of its family.
    family_size
        Smallest and largest family.
    max_lines
        Most lines an order draws (before family companions).
    line_decay
        P(k lines) is proportional to ``line_decay ** (k - 1)``.
    start
        Date of day 0 (default Monday 2024-01-01).
    weekday_factors
        Relative volume Monday .. Sunday.
    events
        Promotions, launches and end of life (:class:`DemandDrift`), drawn
        from a random stream of their own; ``None``: none (the history is
        then the same as without the argument).

    Returns
    -------
    History
        Lines grouped by order, orders in time order.

    Examples
    --------
    >>> h = generate_history(100, days=7, orders_per_day=20, seed=1)
    >>> h.n_days, h.n_orders > 100, len(h.skus)
    (7, True, 100)

    With demand events, launched SKUs sell nothing before their launch day:

    >>> h = generate_history(400, days=60, orders_per_day=50, seed=1,
    ...                      events=DemandDrift(launches=0.1))
    >>> launch = h.launch_day
    >>> bool((h.day >= launch[h.sku]).all()), int((launch > 0).sum()) > 0
    (True, True)

    Other orders from the same world keep the SKU master:

    >>> a = generate_history(100, days=7, orders_per_day=20, seed=1)
    >>> b = generate_history(100, days=7, orders_per_day=20, seed=1, orders_seed=1)
    >>> bool((a.unit_cube == b.unit_cube).all()), a.n_lines != b.n_lines
    (True, True)
    """
    _check_positive("n_skus", n_skus)
    _check_positive("days", days)
    _check_positive("orders_per_day", orders_per_day, integer=False)
    _check_positive("max_lines", max_lines)
    if not 0 < line_decay <= 1 or not 0 <= family_prob <= 1 or not 0 <= seasonal_share <= 1:
        raise PickoptError("line_decay must be in (0, 1]; family_prob, seasonal_share in [0, 1]")
    if skew < 0 or drift < 0 or seasonal_amplitude < 0:
        raise PickoptError("skew, drift and seasonal_amplitude must be >= 0")
    lo, hi = family_size
    if not 1 <= lo <= hi:
        raise PickoptError(f"family_size must be (smallest, largest) >= 1, got {family_size!r}")
    if len(weekday_factors) != 7 or min(weekday_factors) < 0 or sum(weekday_factors) <= 0:
        raise PickoptError("weekday_factors needs 7 non-negative values, not all zero")
    rng = np.random.default_rng(seed)
    n = int(n_skus)
    width = max(3, len(str(n)))
    skus = tuple(f"sku-{k:0{width}d}" for k in range(1, n + 1))

    # Popularity by week: Zipf base, AR(1) drift, seasonal sine.
    weeks = (days + start.weekday() + 6) // 7 + 1
    base = -skew * np.log(rng.permutation(n) + 1.0 + head)
    seasonal = rng.random(n) < seasonal_share
    phase = rng.uniform(0, 2 * np.pi, n)
    noise = np.zeros(n)
    logw = np.empty((weeks, n))
    for w in range(weeks):
        if w:
            noise = 0.85 * noise + rng.normal(0.0, drift, n)
        season = seasonal_amplitude * np.sin(2 * np.pi * w / season_weeks + phase)
        logw[w] = base + noise + np.where(seasonal, season, 0.0)

    # Families: a random partition of the SKUs into runs of lo..hi.
    sizes_f = rng.integers(lo, hi, endpoint=True, size=n)
    bounds = np.cumsum(sizes_f)
    bounds = bounds[bounds < n]
    fam_start = np.r_[0, bounds]
    fam_size = np.diff(np.r_[fam_start, n])
    members = rng.permutation(n)  # members[fam_start[f] : ...] are family f
    family = np.empty(n, dtype=np.int64)
    family[members] = np.repeat(np.arange(fam_start.size), fam_size)
    pos = np.empty(n, dtype=np.int64)
    pos[members] = np.arange(n) - np.repeat(fam_start, fam_size)

    factors = np.asarray(weekday_factors, dtype=np.float64)
    world = _World(days, orders_per_day, factors / factors.mean(), start, max_lines, line_decay,
                   family_prob, logw, family, members, fam_start, fam_size, pos)  # fmt: skip
    launch = np.zeros(n, dtype=np.int64)
    offsets = None
    if events is not None:  # from a stream of their own: the rest of the draw stays comparable
        offsets, launch = events.day_offsets(base, days, np.random.default_rng([seed, 1]))
    all_order, all_sku, order_day = world.draw(rng, offsets, launch)
    p_qty = rng.uniform(0.45, 0.9, n)
    qty = np.minimum(rng.geometric(p_qty[all_sku]), 12)
    cube = np.maximum(0.01, np.round(rng.lognormal(0.0, 0.8, n), 3))
    if orders_seed is not None:  # the same world, other customers
        other = np.random.default_rng([seed, 2, orders_seed])
        all_order, all_sku, order_day = world.draw(other, offsets, launch)
        qty = np.minimum(other.geometric(p_qty[all_sku]), 12)
    return History(
        order=all_order,
        sku=all_sku.astype(np.int32),
        qty=qty.astype(np.int32),
        day=order_day[all_order].astype(np.int32),
        skus=skus,
        unit_cube=cube,
        family=family,
        start=start,
        launch_day=launch,
    )


@dataclass(frozen=True)
class _World:
    """What the orders of a history are drawn from: volumes, order sizes,
    popularity by week, families."""

    days: int
    orders_per_day: float
    weekday_factors: np.ndarray  # normalised to mean 1
    start: dt.date
    max_lines: int
    line_decay: float
    family_prob: float
    logw: np.ndarray  # (weeks, n) log-weights
    family: np.ndarray
    members: np.ndarray
    fam_start: np.ndarray
    fam_size: np.ndarray
    pos: np.ndarray

    def draw(
        self, rng: np.random.Generator, offsets: np.ndarray | None, launch: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Orders of every day: the order and SKU of each line (one line per SKU
        per order, by order), and each order's day."""
        n, start = self.logw.shape[1], self.start
        weekday = (start.weekday() + np.arange(self.days)) % 7
        per_day = rng.poisson(self.orders_per_day * self.weekday_factors[weekday])
        order_day = np.repeat(np.arange(self.days), per_day)
        p_size = self.line_decay ** np.arange(self.max_lines)
        size = rng.choice(np.arange(1, self.max_lines + 1), size=order_day.size,
                          p=p_size / p_size.sum())  # fmt: skip
        line_order = np.repeat(np.arange(order_day.size), size)
        sku = np.empty(line_order.size, dtype=np.int64)
        if offsets is None:
            line_week = (order_day[line_order] + start.weekday()) // 7
            for w in np.unique(line_week).tolist():
                rows = np.flatnonzero(line_week == w)
                sku[rows] = _draw(self.logw[w], rng.random(rows.size))
        else:
            line_day = order_day[line_order]
            for d in np.unique(line_day).tolist():
                rows = np.flatnonzero(line_day == d)
                logw = self.logw[(d + start.weekday()) // 7] + offsets[d]
                sku[rows] = _draw(logw, rng.random(rows.size))

        # Family companions (a SKU not launched yet is nobody's companion).
        fam, fam_size, fam_start = self.family[sku], self.fam_size, self.fam_start
        bring = (rng.random(sku.size) < self.family_prob) & (fam_size[fam] > 1)
        src = np.flatnonzero(bring)
        step = 1 + (rng.random(src.size) * (fam_size[fam[src]] - 1)).astype(np.int64)
        mate = self.members[fam_start[fam[src]] + (self.pos[sku[src]] + step) % fam_size[fam[src]]]
        on_sale = launch[mate] <= order_day[line_order[src]]
        src, mate = src[on_sale], mate[on_sale]
        all_order = np.concatenate([line_order, line_order[src]])
        all_sku = np.concatenate([sku, mate])
        rank = np.argsort(all_order, kind="stable")
        all_order, all_sku = all_order[rank], all_sku[rank]
        _, first = np.unique(all_order * n + all_sku, return_index=True)  # one line per SKU/order
        keep = np.sort(first)
        return all_order[keep], all_sku[keep], order_day


def _draw(logw: np.ndarray, u: np.ndarray) -> np.ndarray:
    """SKUs drawn with weights ``exp(logw)`` by inverse CDF at uniforms ``u``."""
    cdf = np.cumsum(np.exp(logw - logw.max()))
    cdf /= cdf[-1]
    return np.minimum(np.searchsorted(cdf, u, side="right"), logw.size - 1)
