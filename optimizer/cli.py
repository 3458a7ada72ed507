"""``pickopt``: the command line, thin over the library.

Every :class:`~optimizer.errors.PickoptError` becomes one readable line on
stderr and exit code 2; nothing else is caught. Output paths are checked
before the work that fills them, so a typo costs no minutes of planning.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from optimizer.errors import PickoptError
from optimizer.files import output_dir, output_file

__all__ = ["main", "PICTURE_FORMATS"]

#: Picture types ``--plot`` writes (matplotlib picks the format from the suffix).
PICTURE_FORMATS = (".png", ".svg", ".pdf")


def _count(text: str) -> int:
    """An argparse type: a whole number >= 0 (a negative count would slice from the end)."""
    try:
        n = int(text)
    except ValueError:
        n = -1
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return n


class _Choices(Sequence[str]):
    """The allowed values of an option, read from the library when argparse first
    needs them (to check a value given, or for help and error messages), so
    that building the parser imports no solver: ``pickopt route`` never loads
    batching or slotting. Options using it need a ``metavar``, else argparse
    lists the choices while the parser is built."""

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        self._values: tuple[str, ...] | None = None

    def _get(self) -> tuple[str, ...]:
        if self._values is None:
            self._values = tuple(self._load())
        return self._values

    def __getitem__(self, index: Any) -> Any:
        return self._get()[index]

    def __len__(self) -> int:
        return len(self._get())

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __contains__(self, value: object) -> bool:
        return value in self._get()


def _routing_methods() -> Sequence[str]:
    from optimizer.routing import METHODS

    return METHODS


def _batching_methods() -> Sequence[str]:
    from optimizer.batching import METHODS

    return METHODS


def _slotting_policies() -> Sequence[str]:
    from optimizer.slotting.assignment import POLICIES

    return POLICIES


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2)
    sys.stdout.write("\n")


def _save_picture(ax: Any, path: Path) -> None:
    """Save a picture whose path was checked; a disk that fills up meanwhile is one line too."""
    from optimizer.plot import save_figure

    try:
        save_figure(ax, path)
    except OSError as exc:
        raise PickoptError(f"{path}: cannot write the picture ({exc.strerror or exc})") from None


# ---- layout ------------------------------------------------------------------
def _layout_info(args: argparse.Namespace) -> None:
    from optimizer.distance import DistanceOracle
    from optimizer.layout import Layout

    layout = Layout.from_file(args.file)
    info = layout.to_dict()
    info["junctions"] = DistanceOracle.for_layout(layout).n_junctions
    if args.json:
        _print_json(info)
        return
    width = max(len(k) for k in info)
    for key, value in info.items():
        shown = ", ".join(value) if isinstance(value, list) else value
        print(f"{key:<{width}}  {shown}")


# ---- distance ----------------------------------------------------------------
def _distance(args: argparse.Namespace) -> None:
    import numpy as np

    from optimizer.distance import DistanceOracle
    from optimizer.layout import Layout

    layout = Layout.from_file(args.file)
    nodes = layout.nodes_of(args.codes)
    matrix = DistanceOracle.for_layout(layout).matrix(nodes)
    if args.json:
        _print_json({"codes": args.codes, "matrix_m": np.round(matrix, 6).tolist()})
        return
    width = max(10, *(len(c) for c in args.codes))
    print(" " * width + "".join(f"{c:>{width + 2}}" for c in args.codes))
    for code, row in zip(args.codes, matrix, strict=True):
        print(f"{code:<{width}}" + "".join(f"{v:>{width + 2}.2f}" for v in row))


# ---- route -------------------------------------------------------------------
def _route(args: argparse.Namespace) -> None:
    from optimizer.layout import Layout
    from optimizer.plot import plot_route
    from optimizer.routing import route

    if args.plot:
        output_file(args.plot, PickoptError, kind="picture", formats=PICTURE_FORMATS)
    if args.sprp:
        from optimizer.io import read_sprp

        layout, picks = read_sprp(args.sprp)
    elif args.layout and args.picks:
        layout, picks = Layout.from_file(args.layout), args.picks
    else:
        raise PickoptError("route needs --layout FILE --picks CODE... or --sprp FILE")
    r = route(layout, picks, method=args.method, start=args.start, end=args.end,
              time_limit=args.time_limit)  # fmt: skip
    if args.plot:
        _save_picture(plot_route(r), Path(args.plot))
    if args.json:
        _print_json(r.to_dict())
        return
    print(f"layout    {layout.name} ({layout.version})")
    print(f"method    {r.method}{' (optimal)' if r.optimal else ''}")
    print(f"distance  {r.distance:.2f} m over {len(r.stops)} picks, {r.start} -> {r.end}")
    print("stops     " + " ".join(r.stops))
    if args.plot:
        print(f"picture   {args.plot}")


# ---- wave --------------------------------------------------------------------
def _cart(args: argparse.Namespace) -> Any:
    from optimizer.batching import Cart

    return Cart(
        max_items=args.cart_items,
        max_volume=args.cart_volume,
        max_weight=args.cart_weight,
        totes=args.totes,
        tote_capacity=args.tote_capacity,
    )


def _nothing_planned(reasons: Sequence[str], slotting_given: bool) -> str:
    """One line for a wave whose every order is unassigned: the commonest reasons.

    Reasons are counted by their shape (quoted names and numbers masked), and
    each shape is shown by its first example.
    """
    shapes: Counter[str] = Counter()
    example: dict[str, str] = {}
    for reason in reasons:
        shape = re.sub(r"'[^']*'|\"[^\"]*\"|\d+(?:\.\d+)?", "_", reason)
        shapes[shape] += 1
        example.setdefault(shape, reason)
    commonest = "; ".join(
        f"{example[shape]} ({n} order{'s' if n > 1 else ''})" for shape, n in shapes.most_common(3)
    )
    n = len(reasons)
    line = (
        f"no order could be batched: all {n} order{'s' if n > 1 else ''} unassigned: {commonest}"
    )
    if not slotting_given and any("unknown SKU" in r for r in reasons):
        line += " (no --slotting given, so every SKU must be a bin code of the layout)"
    return line


def _wave(args: argparse.Namespace) -> None:
    from optimizer.io import read_orders, read_slotting
    from optimizer.layout import Layout
    from optimizer.orders import Slotting
    from optimizer.plot import plot_route
    from optimizer.waves import WavePolicy, plan_wave

    if args.plot:
        output_dir(args.plot, PickoptError, kind="picture")
    layout = Layout.from_file(args.layout)
    orders = read_orders(args.orders)
    slotting = read_slotting(args.slotting) if args.slotting else Slotting.identity(layout)
    policy = WavePolicy(batching=args.batching, routing=args.routing, seed=args.seed,
                        effort=args.effort, time_limit=args.time_limit)  # fmt: skip
    plan = plan_wave(layout, slotting, orders, _cart(args), policy, start=args.start, end=args.end)
    if orders and len(plan.unassigned) == len(orders):
        # Some orders left out is a normal wave (they are listed); none planned is a failure.
        reasons = [u.reason for u in plan.unassigned]
        raise PickoptError(_nothing_planned(reasons, slotting_given=args.slotting is not None))
    if args.plot:
        out = Path(args.plot)
        _save_picture(plan.plot(), out / "wave.png")
        for k, b in enumerate(plan.batches[: args.max_plots], start=1):
            _save_picture(plot_route(b.route), out / f"batch_{k:03d}.png")
    if args.json:
        _print_json(plan.to_dict())
        return
    kpis = plan.kpis.to_dict()
    width = max(len(k) for k in kpis)
    for key, value in kpis.items():
        print(f"{key:<{width}}  {value}")
    for k, b in enumerate(plan.batches, start=1):
        ids = ", ".join(o.id for o in b.orders)
        print(f"batch {k:>3}: {b.distance:8.1f} m  {len(b.steps):3d} lines  orders {ids}")
    for u in plan.unassigned:
        print(f"unassigned {u.order_id}: {u.reason}")
    if args.plot:
        print(f"pictures in {args.plot}/")


# ---- executors ---------------------------------------------------------------
def _add_executor_options(parser: argparse.ArgumentParser) -> None:
    from optimizer.executors import EXECUTORS

    parser.add_argument("--executor", default="inline", choices=EXECUTORS,
                        help="where tasks run: here, in local processes, or on Ray")  # fmt: skip
    parser.add_argument("--ray-address", metavar="auto|HOST:PORT",
                        help="join this Ray cluster (default: start a local Ray)")  # fmt: skip
    parser.add_argument("--workers", type=int, help="local processes or local Ray CPUs")


def _executor(args: argparse.Namespace) -> contextlib.closing[Any]:
    """The executor the options ask for, closed after use (a local Ray stops), drawing
    tasks done when ``--progress`` is given or stderr is a terminal."""
    from optimizer.executors import make_executor

    return contextlib.closing(make_executor(args.executor, workers=args.workers,
                                            address=args.ray_address,
                                            progress=True if args.progress else None))  # fmt: skip


# ---- waves (a backlog) ---------------------------------------------------------
def _waves(args: argparse.Namespace) -> None:
    from optimizer.io import read_orders, read_slotting
    from optimizer.jobs.backlog import plan_backlog
    from optimizer.layout import Layout
    from optimizer.orders import Slotting
    from optimizer.waves import WavePolicy

    layout = Layout.from_file(args.layout)
    orders = read_orders(args.backlog)
    slotting = read_slotting(args.slotting) if args.slotting else Slotting.identity(layout)
    policy = WavePolicy(batching=args.batching, routing=args.routing, seed=args.seed,
                        effort=args.effort)  # fmt: skip
    with _executor(args) as executor:
        plan = plan_backlog(layout, slotting, orders, _cart(args), pickers=args.pickers,
                            window_s=60.0 * args.window_min, policy=policy,
                            executor=executor)  # fmt: skip
    if args.json:
        _print_json(plan.to_dict())
        return
    for row in plan.to_rows():
        print(f"wave {row['wave']:>3}: {row['orders']:5,} orders  {row['tours']:4,} tours  "
              f"{row['distance_m']:10,.1f} m  {row['unassigned']:,} unassigned")  # fmt: skip
    n = sum(len(ids) for ids in plan.released)
    print(f"total     {n:5,} orders  {plan.tours:4,} tours  {plan.distance_m:10,.1f} m  "
          f"{plan.unassigned:,} unassigned; {len(plan.waves)} waves planned on "
          f"{plan.executor} in {plan.seconds:.1f} s")  # fmt: skip


def _add_wave_options(parser: argparse.ArgumentParser) -> None:
    """The cart and the methods of a wave plan (``pickopt wave`` and ``pickopt waves``)."""
    parser.add_argument("--cart-items", type=int, help="units per tour")
    parser.add_argument("--cart-volume", type=float, help="litres per tour")
    parser.add_argument("--cart-weight", type=float, help="kilograms per tour")
    parser.add_argument("--totes", type=int, help="totes per cart (cluster picking)")
    parser.add_argument("--tote-capacity", type=int, help="units per tote")
    parser.add_argument("--batching", default="auto", choices=_Choices(_batching_methods),
                        metavar="METHOD", help="one of %(choices)s")  # fmt: skip
    parser.add_argument("--routing", default="auto", choices=_Choices(_routing_methods),
                        metavar="METHOD", help="one of %(choices)s")  # fmt: skip


def _add_waves_parser(sub: Any) -> None:
    wv = sub.add_parser("waves", help="release a backlog into waves and plan every wave")
    wv.add_argument("--layout", required=True, help="layout file")
    wv.add_argument("--backlog", required=True, metavar="FILE",
                    help="orders (CSV or JSON) with due (cut-off) and priority")  # fmt: skip
    wv.add_argument("--slotting", help="sku,bin CSV (default: SKUs are bin codes)")
    wv.add_argument("--pickers", type=int, default=10, help="pickers per wave")
    wv.add_argument("--window-min", type=float, default=30.0, help="length of a wave, minutes")
    _add_wave_options(wv)
    wv.add_argument("--seed", type=int, default=0)
    wv.add_argument("--effort", type=_count, help="work budget of each wave's batching search")
    _add_executor_options(wv)
    wv.add_argument("--json", action="store_true")
    wv.add_argument("--progress", action="store_true", help="progress bar even if not a TTY")
    wv.set_defaults(run=_waves)


# ---- slot --------------------------------------------------------------------
def _slot(args: argparse.Namespace) -> None:
    import os

    from optimizer.batching import Cart
    from optimizer.io import read_slotting
    from optimizer.jobs.nightly import push_slotting, run_nightly
    from optimizer.layout import Layout

    try:
        shares = [float(x) for x in args.shares.split(",")]
    except ValueError:
        raise PickoptError(f"--shares {args.shares!r}: expected numbers like 80,15,5") from None
    key: str = args.push_key or os.environ.get("PICKOPT_PUSH_KEY", "")
    if args.push and not key:
        raise PickoptError("--push needs the service's API key: --push-key KEY or "
                           "PICKOPT_PUSH_KEY")  # fmt: skip
    if args.push and not args.replay_days:
        raise PickoptError("--push uploads only a slotting whose replayed saving clears "
                           "--push-min-saving: it needs a replay (--replay-days > 0)")  # fmt: skip
    output_dir(args.out, PickoptError)
    layout = Layout.from_file(args.layout)
    current = read_slotting(args.current) if args.current else None
    with _executor(args) as executor:
        result = run_nightly(
            layout, args.history, args.out, current=current, max_moves=args.max_moves,
            policy=args.policy, sku_master=args.sku_master, shares=shares,
            replay_days=args.replay_days, replay_orders=args.replay_orders or None,
            cart=Cart(max_items=args.cart_items), seed=args.seed,
            progress=True if args.progress else None, in_sample=args.in_sample,
            estimate_days=args.estimate_days, min_gain=args.min_gain,
            labour_minutes=args.labour_minutes, pictures=args.plot, executor=executor,
        )  # fmt: skip
    pushed: dict[str, Any] | None = None
    push_note = ""
    if args.push:
        saving = result.saving_pct
        if saving is not None and saving >= args.push_min_saving:
            pushed = push_slotting(args.push, args.push_layout or layout.name, result.slotting,
                                   key)  # fmt: skip
            push_note = f"pushed as slotting version {pushed.get('version')} to {args.push}"
        else:
            push_note = (f"not pushed: replayed saving {saving:.1f} % is below "
                         f"--push-min-saving {args.push_min_saving:g} %")  # fmt: skip
    if args.json:
        summary = result.to_dict()
        summary["push"] = None if not args.push else {
            "url": args.push, "pushed": pushed is not None, "answer": pushed,
            "min_saving_pct": args.push_min_saving, "note": push_note}  # fmt: skip
        _print_json(summary)
        return
    _print_slot(args, result)
    if push_note:
        print(f"push      {push_note}")


def _print_slot(args: argparse.Namespace, result: Any) -> None:
    s = result.profile.to_dict()
    skipped = result.profile.issues.describe()
    print(f"history   {args.history}: {s['lines']:,} lines, {s['orders']:,} orders, "
          f"{s['skus']:,} SKUs, {s['days']} day(s); {skipped}")  # fmt: skip
    classes = [f"{r.label} {r.skus:,} SKUs {100 * r.pick_share:.1f} % picks"
               for r in result.classes.rows]  # fmt: skip
    print("classes   " + " | ".join(classes))
    print(
        f"slotting  {args.policy}, version {result.slotting.version}, "
        f"{len(result.slotting):,} SKUs slotted, {len(result.unslotted):,} unslotted"
    )
    if result.plan is not None:
        plan = result.plan
        budget = "unlimited" if args.max_moves is None else f"{args.max_moves:,}"
        labour = sum(m.labour_min for m in plan.moves if m.kind != "put-away")
        gain = sum(m.expected_gain_m for m in plan.moves)
        print(f"moves     {plan.moves_used:,} of {budget}; {labour:,.0f} labour minutes; "
              f"expected {gain:,.1f} m/day less walking (calibrated on the profile "
              "window)")  # fmt: skip
    if result.curve is not None:
        cells = []
        for p in result.curve.points:
            rep = "" if p.replayed_m_per_day is None else f"/{p.replayed_m_per_day:,.0f}"
            cells.append(f"{p.label} {p.moves}: {p.expected_m_per_day:,.0f}{rep}")
        print("curve     m/day saved, expected/replayed, by moves: " + " | ".join(cells))
    if result.report is not None and result.baseline is not None:
        d = result.report.distance
        label = "IN SAMPLE" if result.in_sample else "out of sample"
        pw, rw = result.profile_window, result.replay_window
        print(f"windows   profile {pw.first} to {pw.last}, replay {rw.first} to {rw.last} "
              f"({label})")  # fmt: skip
        print(f"replay    {len(result.report.days)} day(s), {result.report.orders:,} orders: "
              f"{result.baseline} {d[result.baseline]:,.0f} m -> new {d['new']:,.0f} m "
              f"({result.saving_pct:.1f} % less walking)")  # fmt: skip
    print("files     " + ", ".join(str(f) for f in result.files.values()))


def _minutes(text: str) -> float:
    """An argparse type: a number of minutes >= 0."""
    try:
        v = float(text)
    except ValueError:
        v = -1.0
    if not (v >= 0 and v != float("inf")):
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return v


def _add_slot_parser(sub: Any) -> None:
    sl = sub.add_parser("slot", help="nightly slotting: profile, slot or re-slot, replay")
    sl.add_argument("--layout", required=True, help="layout file")
    sl.add_argument("--history", required=True, help="order lines, CSV or Parquet")
    sl.add_argument("--current", help="current sku,bin CSV: re-slot with a move budget")
    sl.add_argument("--max-moves", type=_count, help="move budget of the re-slot (a swap is 2)")
    sl.add_argument("--min-gain", type=float, default=0.0, metavar="M_PER_DAY",
                    help="stop before the first move saving less than this many metres a day "
                    "(calibrated)")  # fmt: skip
    sl.add_argument("--labour-minutes", type=_minutes, metavar="MIN",
                    help="stop before the move taking the labour past this")  # fmt: skip
    sl.add_argument("--policy", default="class-based", choices=_Choices(_slotting_policies),
                    metavar="POLICY", help="one of %(choices)s")  # fmt: skip
    sl.add_argument("--out", required=True, metavar="DIR", help="folder for the outputs")
    sl.add_argument("--sku-master", help="sku,unit_cube[,zone] file (CSV or Parquet)")
    sl.add_argument("--shares", default="80,15,5", help="ABC pick shares, per cent")
    sl.add_argument("--replay-days", type=_count, default=7,
                    help="the last days of the history to replay, out of sample: the profile "
                    "uses the days before them (0: no replay)")  # fmt: skip
    sl.add_argument("--in-sample", action="store_true",
                    help="profile every day, replayed ones included (labelled)")  # fmt: skip
    sl.add_argument("--estimate-days", type=_count, default=7,
                    help="last profile days replayed for expected savings")  # fmt: skip
    sl.add_argument("--replay-orders", type=_count, default=500,
                    help="at most this many orders a day in the replay (0: all)")  # fmt: skip
    sl.add_argument("--cart-items", type=int, default=45, help="units per tour in the replay")
    sl.add_argument("--seed", type=int, default=0)
    sl.add_argument("--json", action="store_true", help="print a machine-readable summary")
    sl.add_argument("--plot", action="store_true",
                    help="also write heatmap.png (picks per slot) and curve.png")  # fmt: skip
    sl.add_argument("--push", metavar="URL",
                    help="upload the new slotting to the service at URL if the replayed saving "
                    "clears --push-min-saving")  # fmt: skip
    sl.add_argument("--push-key", help="the service's API key (default: $PICKOPT_PUSH_KEY)")
    sl.add_argument("--push-layout", metavar="NAME",
                    help="layout name on the service (default: the layout's name)")  # fmt: skip
    sl.add_argument("--push-min-saving", type=float, default=1.0, metavar="PCT",
                    help="replayed saving, per cent, a push needs (default 1)")  # fmt: skip
    sl.add_argument("--progress", action="store_true", help="progress bars even if not a TTY")
    _add_executor_options(sl)
    sl.set_defaults(run=_slot)


# ---- warmup ------------------------------------------------------------------
def _warmup(args: argparse.Namespace) -> None:
    from optimizer.jobs.warmup import warm_up

    result = warm_up()
    if args.json:
        _print_json(result.to_dict())
    else:
        print("\n".join(result.describe()))
    if result.missing:
        raise PickoptError(f"warm-up did not reach {len(result.missing)} kernel(s)")


def _add_warmup_parser(sub: Any) -> None:
    wu = sub.add_parser(
        "warmup",
        help="compile every numba kernel into the cache (for container images)",
        description="Compile every numba kernel into the cache and build the exact DP's "
        "class tables, so that later processes load them instead of compiling. The cache "
        "is NUMBA_CACHE_DIR if set, else __pycache__ beside the sources, or "
        "~/.cache/pickopt/numba if those are read-only.",
    )
    wu.add_argument("--json", action="store_true")
    wu.set_defaults(run=_warmup)


# ---- parser ------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    routing = _Choices(_routing_methods)
    p = argparse.ArgumentParser(prog="pickopt", description="Warehouse pick-route optimizer.")
    sub = p.add_subparsers(dest="command", required=True)

    layout = sub.add_parser("layout", help="inspect a layout").add_subparsers(
        dest="layout_command", required=True
    )
    info = layout.add_parser("info", help="sizes, counts and version of a layout file")
    info.add_argument("file")
    info.add_argument("--json", action="store_true", help="machine-readable output")
    info.set_defaults(run=_layout_info)

    dist = sub.add_parser("distance", help="walking distance matrix between bin codes")
    dist.add_argument("file", help="layout file")
    dist.add_argument("codes", nargs="+", metavar="CODE")
    dist.add_argument("--json", action="store_true")
    dist.set_defaults(run=_distance)

    rt = sub.add_parser("route", help="plan one walk through a pick list")
    rt.add_argument("--layout", help="layout file")
    rt.add_argument("--picks", nargs="+", metavar="CODE", help="bin codes to pick")
    rt.add_argument("--sprp", help="a Hessler-Irnich SPRP instance instead of layout + picks")
    rt.add_argument("--method", default="auto", choices=routing, metavar="METHOD",
                    help="one of %(choices)s")  # fmt: skip
    rt.add_argument("--start", help="start depot (default: the first)")
    rt.add_argument("--end", help="end depot (default: the start)")
    rt.add_argument("--time-limit", type=float, help="seconds for search methods")
    rt.add_argument("--json", action="store_true")
    rt.add_argument(
        "--plot", metavar="FILE", help="write a picture of the route (.png, .svg, .pdf)"
    )
    rt.set_defaults(run=_route)

    wv = sub.add_parser("wave", help="batch and route a wave of orders")
    wv.add_argument("--layout", required=True, help="layout file")
    wv.add_argument("--orders", required=True, help="orders (CSV or JSON)")
    wv.add_argument("--slotting", help="sku,bin CSV (default: SKUs are bin codes)")
    _add_wave_options(wv)
    wv.add_argument("--start", help="start depot")
    wv.add_argument("--end", help="end depot")
    wv.add_argument("--seed", type=int, default=0)
    wv.add_argument("--effort", type=_count,
                    help="work budget of the batching search (ALNS iterations, local-search "
                    "kicks); default: the method's own")  # fmt: skip
    wv.add_argument("--time-limit", type=float,
                    help="wall-clock safety cap of the batching search, seconds")  # fmt: skip
    wv.add_argument("--json", action="store_true")
    wv.add_argument("--plot", metavar="DIR", help="write wave.png and one picture per tour")
    wv.add_argument("--max-plots", type=_count, default=50, help="tours to draw with --plot")
    wv.set_defaults(run=_wave)

    # The service parses its own options (see main()), so it never imports the CLI.
    sub.add_parser("serve", add_help=False, help="run the HTTP API (keys from PICKOPT_API_KEYS)")

    _add_slot_parser(sub)
    _add_waves_parser(sub)
    _add_warmup_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``pickopt`` command line; returns the exit code."""
    parser = _parser()
    args, rest = parser.parse_known_args(argv)
    if args.command == "serve":
        from optimizer.service.server import main as serve

        return serve(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    run: Callable[[argparse.Namespace], None] = args.run
    try:
        run(args)
    except PickoptError as exc:
        print(f"pickopt: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `pickopt ... | head`
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
