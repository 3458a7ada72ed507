"""Seeded generators of batching instances.

:func:`henn_instance`
    The standard setting of Henn & Wäscher (2012): the single-block
    warehouse of ``layouts/single_block.toml`` (10 aisles x 90 slots, one
    article per slot), order sizes uniform in 5..25 lines of one unit, and
    class-based (ABC) or random storage. With ABC storage, class A (the
    aisle nearest the depot, 90 articles) receives 52 % of the demand,
    class B (the next 3 aisles) 36 % and class C (the other 6) 12 %;
    within a class every article is equally likely.
:func:`large_wave`
    A large, realistic wave for any layout: Zipf-like SKU popularity, 1 to
    10 lines per order (mostly few), small quantities, unit volumes and
    weights per SKU, and the fast movers slotted nearest the depot.

Both are deterministic for a seed (numpy's ``PCG64`` through
:func:`numpy.random.default_rng`) and return plain :class:`Order` and
:class:`Slotting` objects; ``instances/generate.py`` writes a few of them
to files.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

import numpy as np

from optimizer.batching.carts import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import CapacityError, PickoptError, suggest
from optimizer.layout import Layout
from optimizer.orders import Order, OrderLine, Slotting

__all__ = [
    "HENN_SPEC",
    "HENN_CLASSES",
    "henn_layout",
    "henn_instance",
    "large_wave",
    "WAVE_LINE_DECAY",
]

#: The Henn & Wäscher warehouse, the same spec as ``layouts/single_block.toml``.
HENN_SPEC: dict[str, Any] = {
    "name": "single_block",
    "kind": "parallel-aisles",
    "aisles": 10,
    "blocks": 1,
    "cells": 45,
    "cell_length": 1.0,
    "aisle_spacing": 5.0,
    "cross_aisle_to_cell": 1.5,
    "cross_aisle_width": 2.0,
    "sides": 2,
    "levels": 1,
    "depots": [{"name": "D1", "aisle": 1, "at": "front"}],
}

#: ABC classes of the Henn & Wäscher setting: (name, aisles, share of demand),
#: aisles counted from the depot (aisle 1) to the right.
HENN_CLASSES: tuple[tuple[str, tuple[int, ...], float], ...] = (
    ("A", (1,), 0.52),
    ("B", (2, 3, 4), 0.36),
    ("C", (5, 6, 7, 8, 9, 10), 0.12),
)

#: Line counts of :func:`large_wave` orders: P(k lines) is proportional to
#: ``WAVE_LINE_DECAY ** (k - 1)`` for k = 1..max_lines (40 % single-line
#: orders, 2.4 lines on average for max_lines = 10).
WAVE_LINE_DECAY = 0.6


def henn_layout() -> Layout:
    """The Henn & Wäscher warehouse (equal to ``layouts/single_block.toml``)."""
    return Layout.from_spec(HENN_SPEC, source="henn")


def _ids(prefix: str, n: int) -> list[str]:
    width = max(3, len(str(n)))
    return [f"{prefix}{i:0{width}d}" for i in range(1, n + 1)]


def henn_instance(
    n_orders: int,
    capacity: int,
    storage: Literal["abc", "random"] = "abc",
    seed: int = 0,
) -> tuple[Layout, Slotting, list[Order], Cart]:
    """A random instance of the Henn & Wäscher (2012) setting.

    Parameters
    ----------
    n_orders
        Number of orders (the literature uses 40-100).
    capacity
        Cart capacity in articles (30, 45, 60 or 75 in the literature; at
        least 25, the largest order).
    storage
        ``"abc"``: class-based storage with the demand shares of
        :data:`HENN_CLASSES`; ``"random"``: every article equally likely.
    seed
        Seed of the random generator.

    Returns
    -------
    layout
        :func:`henn_layout`.
    slotting
        900 SKUs ``sku-001`` .. ``sku-900``, one per slot. Under ABC storage
        SKUs 1-90 are class A (aisle 1), 91-360 class B (aisles 2-4), the
        rest class C, each class shuffled over its aisles; under random
        storage the SKUs are shuffled over all slots.
    orders
        Ids ``o001``, ...; each order has 5..25 lines (uniform) of distinct
        SKUs, one unit each. Under ABC storage each line first draws its
        class by the demand shares, then a SKU of that class.
    cart
        ``Cart(max_items=capacity)``.

    Raises
    ------
    PickoptError
        For ``n_orders < 1`` or an unknown ``storage``.
    CapacityError
        For a capacity below 25.

    Examples
    --------
    >>> layout, slotting, orders, cart = henn_instance(40, 30, "abc", seed=1)
    >>> len(orders), len(slotting), cart.max_items
    (40, 900, 30)
    """
    if storage not in ("abc", "random"):
        raise PickoptError(
            f"unknown storage {storage!r} (use 'abc' or 'random')"
            + suggest(str(storage), ("abc", "random"))
        )
    if isinstance(n_orders, bool) or not isinstance(n_orders, int) or n_orders < 1:
        raise PickoptError(f"n_orders must be a positive integer, got {n_orders!r}")
    min_lines, max_lines = 5, 25
    if isinstance(capacity, bool) or not isinstance(capacity, int) or capacity < max_lines:
        raise CapacityError(
            f"capacity must be a whole number >= {max_lines} (the largest order), got {capacity!r}"
        )
    layout = henn_layout()
    rng = np.random.default_rng(seed)
    skus = _ids("sku-", len(layout.slots))

    # Bins of each class (all slots of its aisles), SKUs numbered class by class.
    classes = HENN_CLASSES if storage == "abc" else (("all", tuple(range(1, 11)), 1.0),)
    members: list[np.ndarray] = []  # SKU indices of each class
    bins: dict[str, str] = {}
    start = 0
    for _, aisles, _ in classes:
        codes = [s.code for s in layout.slots if s.aisle in aisles]
        order = rng.permutation(len(codes))
        members.append(np.arange(start, start + len(codes)))
        for k, j in enumerate(order.tolist()):
            bins[skus[start + k]] = codes[j]
        start += len(codes)
    share = np.array([c[2] for c in classes])

    sizes = rng.integers(min_lines, max_lines, endpoint=True, size=n_orders)
    orders: list[Order] = []
    for oid, size in zip(_ids("o", n_orders), sizes.tolist(), strict=True):
        counts = rng.multinomial(size, share)
        picked = [
            rng.choice(members[c], size=k, replace=False)
            for c, k in enumerate(counts.tolist())
            if k
        ]
        chosen = rng.permutation(np.concatenate(picked))
        orders.append(Order(oid, tuple(OrderLine(skus[int(i)]) for i in chosen)))
    slotting = Slotting(bins, name=f"henn-{storage}-s{seed}")
    return layout, slotting, orders, Cart(max_items=capacity)


def large_wave(
    layout: Layout,
    n_orders: int,
    seed: int = 0,
    n_skus: int | None = None,
    *,
    skew: float = 1.0,
    max_lines: int = 10,
    cutoffs: Mapping[str, float] | None = None,
) -> tuple[Slotting, list[Order]]:
    """A large wave with skewed demand, fast movers slotted nearest the depot.

    Parameters
    ----------
    layout
        Any warehouse.
    n_orders
        Number of orders.
    seed
        Seed of the random generator.
    n_skus
        Number of SKUs; default ``min(len(layout.slots), 20_000)``. At most
        one SKU per slot.
    skew
        Zipf exponent: the SKU of popularity rank ``r`` is drawn with weight
        ``r ** -skew`` (1.0: the top 20 % of 900 SKUs take about 4/5 of the
        lines).
    max_lines
        Largest number of lines of an order; line counts follow
        :data:`WAVE_LINE_DECAY`.
    cutoffs
        Optional ``carrier -> due`` (seconds); each order then gets a
        carrier drawn uniformly and its due time.

    Returns
    -------
    slotting
        SKU ``sku-<k>`` -> bin code; the SKU of popularity rank ``r`` goes to
        the ``r``-th slot by walking distance from the first depot
        (``DistanceOracle.for_layout(layout).from_depot``), ties broken by
        level, then slot index. SKU names are shuffled, so they do not tell
        the rank.
    orders
        Ids ``w0001``, ...; distinct SKUs per order; quantities 1 (70 %), 2,
        ... up to 5 (geometric); every line carries its SKU's
        ``unit_volume`` (litres, log-normal around 1) and ``unit_weight``
        (kg, volume times a density of 0.2-1.0).

    Raises
    ------
    PickoptError
        For ``n_orders < 1``, ``max_lines < 1`` or ``skew < 0``.
    CapacityError
        For more SKUs than slots.

    Examples
    --------
    >>> slotting, orders = large_wave(henn_layout(), 1000, seed=1)
    >>> len(orders), len(slotting)
    (1000, 900)
    """
    if isinstance(n_orders, bool) or not isinstance(n_orders, int) or n_orders < 1:
        raise PickoptError(f"n_orders must be a positive integer, got {n_orders!r}")
    if isinstance(max_lines, bool) or not isinstance(max_lines, int) or max_lines < 1:
        raise PickoptError(f"max_lines must be a positive integer, got {max_lines!r}")
    if not skew >= 0:
        raise PickoptError(f"skew must be >= 0, got {skew!r}")
    n_slots = len(layout.slots)
    n = min(n_slots, 20_000) if n_skus is None else n_skus
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise PickoptError(f"n_skus must be a positive integer, got {n_skus!r}")
    if n > n_slots:
        raise CapacityError(f"{n} SKUs do not fit the {n_slots} slots of layout {layout.name!r}")
    rng = np.random.default_rng(seed)

    # Slots by walking distance from the depot: rank r -> r-th nearest slot.
    nodes = np.fromiter((s.node for s in layout.slots), dtype=np.int64, count=n_slots)
    distance = DistanceOracle.for_layout(layout).from_depot(nodes)
    level = np.fromiter((s.level or 1 for s in layout.slots), dtype=np.int64, count=n_slots)
    nearest = np.lexsort((np.arange(n_slots), level, np.round(distance, 9)))[:n]
    names = _ids("sku-", n)
    name_of_rank = [names[i] for i in rng.permutation(n).tolist()]
    bins = {name_of_rank[r]: layout.slots[int(nearest[r])].code for r in range(n)}

    # Per-SKU attributes, indexed by rank.
    volume = np.maximum(0.01, np.round(rng.lognormal(0.0, 0.8, size=n), 3))
    weight = np.maximum(0.01, np.round(volume * rng.uniform(0.2, 1.0, size=n), 3))

    # Line counts and SKUs: popularity ~ rank ** -skew, distinct within an order.
    cap = min(max_lines, n)
    p_size = WAVE_LINE_DECAY ** np.arange(cap)
    sizes = rng.choice(np.arange(1, cap + 1), size=n_orders, p=p_size / p_size.sum())
    cdf = np.cumsum(np.arange(1, n + 1, dtype=np.float64) ** -float(skew))
    cdf /= cdf[-1]

    def draw(k: int) -> np.ndarray:
        return np.minimum(np.searchsorted(cdf, rng.random(k), side="right"), n - 1)

    ranks = draw(int(sizes.sum()))
    qty = np.minimum(rng.geometric(0.7, size=ranks.size), 5)
    carriers = sorted(cutoffs) if cutoffs else []
    carrier_of = rng.integers(len(carriers), size=n_orders) if carriers else None
    orders: list[Order] = []
    start = 0
    for i, (oid, size) in enumerate(zip(_ids("w", n_orders), sizes.tolist(), strict=True)):
        chosen = ranks[start : start + size]
        start += size
        unique = list(dict.fromkeys(chosen.tolist()))
        while len(unique) < size:  # redraw repeats, keeping the skewed distribution
            unique = list(dict.fromkeys(unique + draw(size - len(unique)).tolist()))
        lines = tuple(
            OrderLine(
                name_of_rank[r],
                int(q),
                unit_volume=float(volume[r]),
                unit_weight=float(weight[r]),
            )
            for r, q in zip(unique, qty[start - size : start].tolist(), strict=True)
        )
        if carrier_of is not None and cutoffs is not None:
            carrier = carriers[int(carrier_of[i])]
            orders.append(Order(oid, lines, due=float(cutoffs[carrier]), carrier=carrier))
        else:
            orders.append(Order(oid, lines))
    return Slotting(bins, name=f"wave-{layout.name}-s{seed}"), orders
