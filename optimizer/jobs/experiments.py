"""Experiments: the same orders over a grid of layouts and policies, as a tidy table.

An analyst's questions ("should the next hall be a fishbone?", "what does a
middle cross-aisle buy us?", "is ABC enough or do we need COI?") are each a
grid: layouts x slotting policies x batching x routing x cart sizes, run over
the same order history. :func:`run_experiments` plans every wave of every
scenario with :func:`~optimizer.waves.plan_wave` and returns a pandas
DataFrame with one row per scenario and wave; :func:`saving_vs` adds the
saving against a baseline scenario. Scenarios run on an
:class:`~optimizer.executors.Executor` (in this process by default), with a
progress bar that works in a notebook (``tqdm.auto``).

Two layout measures that need no orders:

- :func:`single_command_travel`: the expected round trip from the depot to
  one slot and back (unit-load, single-command picking), the measure of Gue
  & Meller (2009);
- :func:`pick_list_curve`: the walk of random pick lists of growing size,
  each routed, to see where one layout stops beating another.

Timings (``runtime_s``) exclude JIT compilation: each process plans a small
warm-up wave per layout and method before its first timed one.

Examples
--------
>>> from optimizer import Layout, Order, OrderLine, Slotting
>>> layout = Layout.from_file("layouts/single_block.toml")
>>> orders = [Order(f"o{k}", (OrderLine(layout.slots[40 * k].code),)) for k in range(6)]
>>> frame = run_experiments({"hw": layout}, orders, slottings={"bins": Slotting.identity},
...                         batching=["fcfs", "savings"], carts=[2, 6], progress=False)
>>> frame[["scenario", "tours"]].to_dict("list")
{'scenario': ['fcfs / cart 2', 'fcfs / cart 6', 'savings / cart 2', 'savings / cart 6'], \
'tours': [3, 1, 3, 1]}
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from optimizer.batching import Cart
from optimizer.distance import DistanceOracle
from optimizer.errors import PickoptError
from optimizer.executors import Executor, InProcess
from optimizer.layout import Layout
from optimizer.orders import Order, Slotting
from optimizer.routing import route
from optimizer.slotting import DemandProfile, assign
from optimizer.waves import WavePolicy, plan_wave

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "SCENARIO_COLUMNS",
    "run_experiments",
    "saving_vs",
    "single_command_travel",
    "pick_list_curve",
]

#: The grid's dimensions, the first columns of :func:`run_experiments`' frame.
SCENARIO_COLUMNS = ("layout", "slotting", "batching", "routing", "cart")

SlottingSource = str | Slotting | Callable[[Layout], Slotting]

# Layouts and methods this process has planned a warm-up wave for, so that
# timed runs exclude JIT compilation (one set per process: workers warm too).
_WARMED: set[tuple[str, str, str]] = set()


@dataclass(frozen=True)
class _Task:
    """One scenario on one wave: everything a worker needs, picklable."""

    labels: dict[str, Any]
    layout: Layout
    slotting: Slotting
    orders: tuple[Order, ...]
    cart: Cart
    policy: WavePolicy
    baselines: bool


def _warm(task: _Task) -> None:
    key = (task.layout.version, task.policy.batching, task.policy.routing)
    if key in _WARMED:
        return
    sample = task.orders[:3]
    if sample:
        plan_wave(task.layout, task.slotting, sample, task.cart, task.policy,
                  baselines=task.baselines)  # fmt: skip
    _WARMED.add(key)


def _run(task: _Task) -> dict[str, Any]:
    """Plan one wave of one scenario; its row of the frame."""
    _warm(task)
    t0 = time.perf_counter()
    plan = plan_wave(task.layout, task.slotting, task.orders, task.cart, task.policy,
                     baselines=task.baselines)  # fmt: skip
    runtime = time.perf_counter() - t0
    k = plan.kpis
    return {
        **task.labels,
        "orders": k.orders,
        "lines": k.lines,
        "tours": k.batches,
        "distance_m": k.total_distance_m,
        "distance_per_line_m": k.distance_per_line_m,
        "time_s": k.total_time_s,
        "unassigned": k.unassigned_orders,
        "single_order_distance_m": k.single_order_distance_m,
        "fcfs_distance_m": k.fcfs_distance_m,
        "saving_vs_single_pct": k.saving_vs_single_pct,
        "saving_vs_fcfs_pct": k.saving_vs_fcfs_pct,
        "batching_method": k.batching_method,
        "routing_methods": "/".join(k.routing_methods),
        "runtime_s": runtime,
    }


def _named(items: Mapping[str, Any] | Sequence[Any], name: Callable[[Any], str]) -> dict[str, Any]:
    if isinstance(items, Mapping):
        return {str(k): v for k, v in items.items()}
    return {name(v): v for v in items}


def _cart(c: Cart | int) -> Cart:
    if isinstance(c, Cart):
        return c
    return Cart(max_items=int(c))


def _cart_label(cart: Cart) -> int | str:
    """The item limit of an items-only cart (a number to plot against), else its limits."""
    limits = {f.replace("max_", ""): v for f, v in vars(cart).items() if v is not None}
    if list(limits) == ["items"]:
        return int(limits["items"])
    return ", ".join(f"{k} {v:g}" for k, v in limits.items()) or "unlimited"


def _slotting(source: SlottingSource, layout: Layout, profile: DemandProfile | None) -> Slotting:
    if isinstance(source, Slotting):
        return source
    if isinstance(source, str):
        if profile is None:
            raise PickoptError(f"slotting policy {source!r} needs a demand profile (profile=)")
        return assign(layout, profile, source)
    return source(layout)


def _policy(base: WavePolicy, batching: str, routing: str) -> WavePolicy:
    """``base`` with the grid's methods; its ``effort`` only for methods with a work budget."""
    try:
        return replace(base, batching=batching, routing=routing)
    except PickoptError:
        if base.effort is None:
            raise
        return replace(base, batching=batching, routing=routing, effort=None)


def _scenario_label(row: dict[str, Any], varying: Sequence[str]) -> str:
    parts = []
    for column in varying:
        value = row[column]
        parts.append(f"cart {value}" if column == "cart" else str(value))
    return " / ".join(parts) or "all"


def run_experiments(
    layouts: Mapping[str, Layout] | Sequence[Layout],
    orders: Sequence[Order] | Mapping[str, Sequence[Order]],
    *,
    slottings: Mapping[str, SlottingSource] | Sequence[str] = ("class-based",),
    profile: DemandProfile | None = None,
    batching: Sequence[str] = ("auto",),
    routing: Sequence[str] = ("auto",),
    carts: Sequence[Cart | int] = (45,),
    policy: WavePolicy | None = None,
    baselines: bool = True,
    executor: Executor | None = None,
    progress: bool | None = None,
) -> pd.DataFrame:
    """Plan every wave under every scenario of a grid; one row per scenario and wave.

    Parameters
    ----------
    layouts
        Name -> layout, or layouts (named by ``layout.name``).
    orders
        The order history: one wave (labelled ``"all"``), or wave label (a
        day, a wave id) -> orders. The same orders run in every scenario.
    slottings
        Name -> where the SKUs are in each layout: an
        :func:`~optimizer.slotting.assign` policy name (``"class-based"``,
        ``"turnover"``, ``"coi"``, ``"random"``; needs ``profile``), a
        :class:`~optimizer.orders.Slotting`, or a function of the layout
        (``Slotting.identity`` when SKUs are bin codes). A list of policy
        names names them by themselves.
    profile
        The demand the policies slot by (e.g. ``history.profile()``).
    batching, routing
        Method names (see ``optimizer.batching.METHODS`` and
        ``optimizer.routing.METHODS``).
    carts
        Carts, or item limits (``45`` is ``Cart(max_items=45)``).
    policy
        Timing and search settings shared by every scenario; its
        ``batching`` and ``routing`` are replaced by the grid's, and its
        ``effort`` applies to the batching methods that have a work budget.
    baselines
        Also score one order per tour and FCFS (the ``saving_vs_*`` columns).
    executor
        Where the scenarios run (:func:`optimizer.executors.make_executor`);
        default in this process, with a ``tqdm.auto`` progress bar. Other
        executors draw their own bar when made with ``progress=True``
        (results come back in task order either way).
    progress
        Show the progress bar (``None``: the ``tqdm`` default).

    Returns
    -------
    pandas.DataFrame
        ``scenario`` (the grid values that vary, joined), ``layout``,
        ``slotting``, ``batching``, ``routing``, ``cart``, ``wave``, then
        ``orders``, ``lines``, ``tours``, ``distance_m``,
        ``distance_per_line_m``, ``time_s`` (picker time), ``unassigned``,
        the baselines and savings against them, the methods that ran, and
        ``runtime_s`` (planning wall time, JIT compilation excluded).
    """
    import pandas as pd

    named_layouts = _named(layouts, lambda lay: lay.name)
    if isinstance(slottings, Mapping):
        sources: dict[str, SlottingSource] = dict(slottings)
    else:
        sources = {str(s): s for s in slottings}
    waves = {"all": list(orders)} if not isinstance(orders, Mapping) else dict(orders)
    cart_objects = {_cart_label(c): c for c in map(_cart, carts)}
    if not (named_layouts and sources and batching and routing and cart_objects and waves):
        raise PickoptError("every dimension of the grid needs at least one value")
    base = policy or WavePolicy()
    tasks = []
    grid = itertools.product(named_layouts.items(), sources.items(), batching, routing,
                             cart_objects.items())  # fmt: skip
    placed: dict[tuple[str, str], Slotting] = {}
    for (lname, layout), (sname, source), bmethod, rmethod, (cname, cart) in grid:
        if (lname, sname) not in placed:
            placed[lname, sname] = _slotting(source, layout, profile)
        wave_policy = _policy(base, bmethod, rmethod)
        for wave, wave_orders in waves.items():
            labels = {"layout": lname, "slotting": sname, "batching": bmethod,
                      "routing": rmethod, "cart": cname, "wave": wave}  # fmt: skip
            tasks.append(_Task(labels, layout, placed[lname, sname], tuple(wave_orders), cart,
                               wave_policy, baselines))  # fmt: skip
    rows = _map(executor, tasks, progress)
    frame = pd.DataFrame(rows)
    varying = [c for c in SCENARIO_COLUMNS if frame[c].nunique() > 1]
    frame.insert(0, "scenario", [_scenario_label(r, varying) for r in rows])
    return frame


def _map(executor: Executor | None, tasks: list[_Task], progress: bool | None
         ) -> list[dict[str, Any]]:  # fmt: skip
    """Run the tasks; in this process, under a ``tqdm.auto`` bar."""
    if executor is not None and not isinstance(executor, InProcess):
        return executor.map(_run, tasks, label="experiments")
    from tqdm.auto import tqdm

    with tqdm(total=len(tasks), desc="experiments", disable=progress is False) as bar:

        def run(task: _Task) -> dict[str, Any]:
            row = _run(task)
            bar.update()
            return row

        return (executor or InProcess(progress=False)).map(run, tasks, label="experiments")


def saving_vs(frame: pd.DataFrame, column: str = "distance_m", **baseline: Any) -> pd.DataFrame:
    """The frame with ``saving_vs_<value>_pct``: per cent less ``column`` than the
    baseline scenario's row on the same wave with the other grid values equal.

    Parameters
    ----------
    frame
        A :func:`run_experiments` frame.
    column
        The KPI compared (less is better).
    **baseline
        One grid column and its baseline value, e.g. ``layout="one-block"``.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"layout": ["one", "fish"], "slotting": "abc", "batching": "auto",
    ...                       "routing": "auto", "cart": 45, "wave": "all",
    ...                       "distance_m": [100.0, 80.0]})
    >>> saving_vs(frame, layout="one")["saving_vs_one_pct"].tolist()
    [0.0, 20.0]
    """
    if len(baseline) != 1:
        raise PickoptError("name one grid column and its baseline value, e.g. layout='one-block'")
    ((dim, value),) = baseline.items()
    if dim not in SCENARIO_COLUMNS:
        raise PickoptError(f"{dim!r} is not a grid column ({', '.join(SCENARIO_COLUMNS)})")
    keys = [c for c in (*SCENARIO_COLUMNS, "wave") if c != dim]
    base = frame[frame[dim] == value]
    if base.empty:
        raise PickoptError(f"no rows with {dim} == {value!r}")
    ref = frame[keys].merge(base[[*keys, column]], on=keys, how="left")[column].to_numpy()
    out = frame.copy()
    out[f"saving_vs_{value}_pct"] = np.round(100.0 * (1.0 - frame[column].to_numpy() / ref), 2)
    return out


def single_command_travel(
    layout: Layout,
    picks_by_slot: Mapping[str, float] | None = None,
    *,
    depot: str | None = None,
    oracle: DistanceOracle | None = None,
) -> float:
    """Expected metres of a single-command trip: depot to one slot and back.

    Parameters
    ----------
    layout
        The warehouse.
    picks_by_slot
        Bin code -> how often it is visited; default every slot equally
        (Gue & Meller's unit-load measure).
    depot
        Depot name; default the first.
    oracle
        Distances to reuse.

    Examples
    --------
    >>> layout = Layout.from_spec({"kind": "parallel-aisles", "aisles": 1, "cells": 2,
    ...     "cell_length": 1.0, "aisle_spacing": 3.0, "cross_aisle_to_cell": 1.0,
    ...     "depots": [{"aisle": 1}]})
    >>> single_command_travel(layout)  # cells 1 m and 2 m in: 2 x 1.5 m
    3.0
    """
    oracle = oracle or DistanceOracle.for_layout(layout)
    nodes = np.fromiter((s.node for s in layout.slots), dtype=np.int64, count=len(layout.slots))
    distinct, inverse = np.unique(nodes, return_inverse=True)
    one_way = oracle.from_depot(distinct, depot)[inverse]
    if picks_by_slot is None:
        weights = np.ones(len(layout.slots))
    else:
        weights = np.zeros(len(layout.slots))
        for code, w in picks_by_slot.items():
            weights[layout.slot(code).index] += float(w)
    if not weights.sum() > 0:
        raise PickoptError("single-command travel needs some weight on a slot")
    return float(2.0 * (weights @ one_way) / weights.sum())


@dataclass(frozen=True)
class _CurveTask:
    layout_name: str
    layout: Layout
    picks: int
    sample: int
    codes: tuple[str, ...]
    routing: str


def _route_sample(task: _CurveTask) -> dict[str, Any]:
    r = route(task.layout, list(task.codes), task.routing)
    return {"layout": task.layout_name, "picks": task.picks, "sample": task.sample,
            "distance_m": r.distance, "method": r.method}  # fmt: skip


def pick_list_curve(
    layouts: Mapping[str, Layout] | Sequence[Layout],
    sizes: Sequence[int],
    *,
    samples: int = 20,
    routing: str = "auto",
    seed: int = 0,
    executor: Executor | None = None,
) -> pd.DataFrame:
    """The walk of random pick lists of each size, routed on each layout.

    Pick lists draw distinct slots uniformly (every slot equally likely, as
    in Gue & Meller's unit-load model); equal-capacity layouts are thus
    compared under the same demand.

    Parameters
    ----------
    layouts
        Name -> layout, or layouts (named by ``layout.name``).
    sizes
        Pick-list sizes (slots per tour).
    samples
        Pick lists per layout and size.
    routing
        Routing method.
    seed
        Seed of the draws (each layout and size draws its own lists).
    executor
        Where the routes are computed; default in this process.

    Returns
    -------
    pandas.DataFrame
        One row per pick list: ``layout``, ``picks``, ``sample``,
        ``distance_m``, ``method``.

    Examples
    --------
    >>> layout = Layout.from_file("layouts/single_block.toml")
    >>> curve = pick_list_curve([layout], [1, 10], samples=3)
    >>> curve.groupby("picks")["distance_m"].count().tolist()
    [3, 3]
    """
    import pandas as pd

    tasks = []
    for li, (name, layout) in enumerate(_named(layouts, lambda lay: lay.name).items()):
        for size in sizes:
            if not 1 <= int(size) <= len(layout.slots):
                raise PickoptError(f"pick-list size {size} does not fit {name!r} "
                                   f"({len(layout.slots)} slots)")  # fmt: skip
            rng = np.random.default_rng([seed, li, int(size)])
            for k in range(samples):
                chosen = rng.choice(len(layout.slots), int(size), replace=False)
                codes = tuple(layout.slots[int(i)].code for i in chosen)
                tasks.append(_CurveTask(name, layout, int(size), k, codes, routing))
    rows = (executor or InProcess(progress=False)).map(_route_sample, tasks, label="routes")
    return pd.DataFrame(rows)
