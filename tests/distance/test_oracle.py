"""The distance oracle against scipy's Dijkstra on the full graph: shipped
layouts, random layouts of both spec tiers (with dead-end trees), paths, the
query family, the hub-label mode, bad node ids and the kernels run as plain
Python."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from optimizer.distance import DistanceOracle
from optimizer.distance.kernels import first_outside
from optimizer.errors import LayoutError, PickoptError
from optimizer.layout import Layout
from tests.conftest import ROOT, SHIPPED

ATOL = 1e-9
PROPERTY = settings(
    max_examples=400,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


# ---- references ---------------------------------------------------------------


def close(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal to ``ATOL`` metres, element by element."""
    np.testing.assert_allclose(actual, expected, rtol=0, atol=ATOL)


def reference_graph(layout: Layout) -> csr_matrix:
    """The layout's edges as a one-directional sparse matrix; scipy treats it
    as undirected with ``directed=False``. Built without the oracle's code."""
    u, v = layout.edges[:, 0], layout.edges[:, 1]
    return csr_matrix((layout.edge_length, (u, v)), shape=(layout.n_nodes, layout.n_nodes))


def reference_rows(layout: Layout, sources: np.ndarray) -> np.ndarray:
    """Dijkstra distances from each source to every node (len(sources) x n)."""
    return dijkstra(reference_graph(layout), directed=False, indices=sources)


def edge_lengths(layout: Layout) -> dict[tuple[int, int], float]:
    """Undirected edge -> length."""
    out: dict[tuple[int, int], float] = {}
    for (u, v), w in zip(layout.edges.tolist(), layout.edge_length.tolist(), strict=True):
        out[(u, v)] = out[(v, u)] = w
    return out


def check_path(
    oracle: DistanceOracle, lengths: dict[tuple[int, int], float], u: int, v: int, expected: float
) -> None:
    """``oracle.path(u, v)`` starts at u, ends at v, steps along edges, and is
    exactly as long as the shortest distance."""
    walk = oracle.path(u, v)
    assert walk[0] == u and walk[-1] == v
    total = 0.0
    for a, b in zip(walk[:-1], walk[1:], strict=True):
        assert (a, b) in lengths, f"path {u}->{v} steps {a}->{b}, which is not an edge"
        total += lengths[(a, b)]
    assert total == pytest.approx(expected, abs=ATOL, rel=0)


def check_everything(layout: Layout, rng: np.random.Generator, n_paths: int = 25) -> None:
    """The full oracle matrix equals all-pairs Dijkstra in both modes (junction
    table and hub labels), and sampled paths walk edges with the right length."""
    ref = reference_rows(layout, np.arange(layout.n_nodes))
    everything = np.arange(layout.n_nodes)
    for oracle in (DistanceOracle(layout), DistanceOracle(layout, max_junctions=0)):
        m = oracle.matrix(everything)
        close(m, ref)
        np.testing.assert_array_equal(np.diag(m), 0.0)
        np.testing.assert_array_equal(m, m.T)
        lengths = edge_lengths(layout)
        for u, v in rng.integers(0, layout.n_nodes, size=(n_paths, 2)).tolist():
            check_path(oracle, lengths, u, v, ref[u, v])


# ---- shipped layouts ------------------------------------------------------------


@pytest.fixture(scope="module")
def oracles(layouts: dict[str, Layout]) -> dict[str, DistanceOracle]:
    """One oracle per shipped layout, kernels warmed."""
    out = {name: DistanceOracle(layout) for name, layout in layouts.items()}
    for oracle in out.values():
        oracle.warm_up()
    return out


@pytest.mark.parametrize("name", SHIPPED)
def test_matches_dijkstra_on_shipped(
    layouts: dict[str, Layout], oracles: dict[str, DistanceOracle], name: str
) -> None:
    """On every shipped layout, 10,000 random node pairs (sources from a pool
    of 100 random nodes plus the depots, targets anywhere) and whole rows from
    those sources have the Dijkstra distance to 1e-9."""
    layout, oracle = layouts[name], oracles[name]
    rng = np.random.default_rng(20240611)
    depots = np.array([d.node for d in layout.depots])
    pool = np.unique(np.concatenate([rng.integers(0, layout.n_nodes, 100), depots]))
    ref = reference_rows(layout, pool)
    row = rng.integers(0, pool.size, 10_000)
    targets = rng.integers(0, layout.n_nodes, 10_000)
    got = oracle.pairwise(pool[row], targets)
    close(got, ref[row, targets])
    close(oracle.between(pool, np.arange(layout.n_nodes)), ref)


@pytest.mark.parametrize("name", SHIPPED)
def test_paths_on_shipped(
    layouts: dict[str, Layout], oracles: dict[str, DistanceOracle], name: str
) -> None:
    """On every shipped layout, ``path(u, v)`` walks edges from u to v and is
    as long as the distance, for random pairs and depot-to-pick pairs."""
    layout, oracle = layouts[name], oracles[name]
    rng = np.random.default_rng(7)
    lengths = edge_lengths(layout)
    pairs = rng.integers(0, layout.n_nodes, size=(150, 2)).tolist()
    pairs += [[layout.depots[0].node, int(p)] for p in rng.choice(layout.pick_nodes, 50)]
    pairs += [[pairs[0][0], pairs[0][0]]]
    for u, v in pairs:
        check_path(oracle, lengths, u, v, oracle.distance(u, v))
    assert oracle.path(pairs[0][0], pairs[0][0]) == [pairs[0][0]]
    walk = oracle.walk([pairs[0][0], pairs[1][1], pairs[2][0]])
    assert walk[0] == pairs[0][0] and walk[-1] == pairs[2][0]
    assert all((a, b) in lengths for a, b in zip(walk[:-1], walk[1:], strict=True))


@pytest.mark.parametrize("name", SHIPPED)
def test_matrix_symmetric_zero_diagonal(
    oracles: dict[str, DistanceOracle], layouts: dict[str, Layout], name: str
) -> None:
    """``matrix`` is exactly symmetric with an exact zero diagonal, repeats
    included (a repeated node is 0 m from itself), and positive elsewhere,
    in the junction-table mode and in the hub-label mode."""
    layout = layouts[name]
    rng = np.random.default_rng(3)
    nodes = rng.choice(layout.pick_nodes, 300)
    same = nodes[:, None] == nodes[None, :]
    for oracle in (oracles[name], DistanceOracle(layout, max_junctions=0)):
        m = oracle.matrix(nodes)
        assert m.shape == (300, 300) and m.dtype == np.float64
        np.testing.assert_array_equal(m, m.T)
        np.testing.assert_array_equal(np.diag(m), 0.0)
        assert (m[same] == 0).all() and (m[~same] > 0).all()


@pytest.mark.parametrize("name", SHIPPED)
def test_queries_agree_with_matrix(
    oracles: dict[str, DistanceOracle], layouts: dict[str, Layout], name: str
) -> None:
    """``between``, ``pairwise``, ``distance`` and ``from_depot`` give the same
    numbers as ``matrix`` (to rounding)."""
    layout, oracle = layouts[name], oracles[name]
    rng = np.random.default_rng(11)
    depot = layout.depots[0].node
    nodes = np.concatenate([[depot], rng.choice(layout.n_nodes, 120)])
    m = oracle.matrix(nodes)
    close(oracle.between(nodes, nodes), m)
    close(oracle.between(nodes[:7], nodes), m[:7])
    p, q = rng.integers(0, nodes.size, (2, 500))
    close(oracle.pairwise(nodes[p], nodes[q]), m[p, q])
    assert oracle.distance(int(nodes[1]), int(nodes[2])) == pytest.approx(m[1, 2], abs=ATOL)
    close(oracle.from_depot(nodes[1:]), m[0, 1:])
    everywhere = oracle.from_depot()
    assert everywhere.shape == layout.pick_nodes.shape
    close(everywhere, oracle.between([depot], layout.pick_nodes)[0])
    for d in layout.depots:
        close(oracle.from_depot(nodes, depot=d.name), oracle.between([d.node], nodes)[0])
    assert oracle.matrix([]).shape == (0, 0)
    assert oracle.between(nodes[:3], []).shape == (3, 0)


@pytest.mark.parametrize("name", SHIPPED)
def test_labels_give_same_answers(
    oracles: dict[str, DistanceOracle], layouts: dict[str, Layout], name: str
) -> None:
    """``DistanceOracle(layout, max_junctions=0)`` (hub labels, no table)
    answers every query like the junction-table oracle."""
    layout, fast = layouts[name], oracles[name]
    slow = DistanceOracle(layout, max_junctions=0)
    assert slow.mode == "labels" and fast.mode == "table"
    rng = np.random.default_rng(5)
    nodes = rng.choice(layout.n_nodes, 60)
    close(slow.matrix(nodes), fast.matrix(nodes))
    close(slow.between(nodes[:5], nodes), fast.between(nodes[:5], nodes))
    close(slow.pairwise(nodes, nodes[::-1]), fast.pairwise(nodes, nodes[::-1]))
    close(slow.from_depot(), fast.from_depot())
    lengths = edge_lengths(layout)
    for u, v in zip(nodes[:10].tolist(), nodes[10:20].tolist(), strict=True):
        check_path(slow, lengths, u, v, fast.distance(u, v))
    assert slow.nbytes > 0


def test_memory_is_linear_in_nodes(layouts: dict[str, Layout]) -> None:
    """The oracle's tables grow with nodes and junctions squared, never with
    pick nodes squared: a few MB at most for 36,000 slots."""
    layout = layouts["multi_block_large.toml"]
    oracle = DistanceOracle(layout)
    assert oracle.n_junctions < 400
    assert oracle.nbytes < 8 * (20 * layout.n_nodes + 2 * oracle.n_junctions**2)
    assert oracle.nbytes < layout.pick_nodes.size**2


def test_shared_oracle_per_version(layouts: dict[str, Layout]) -> None:
    """``DistanceOracle.for_layout`` returns one oracle per layout version."""
    name = "two_block.toml"
    again = Layout.from_file(ROOT / "layouts" / name)
    first = DistanceOracle.for_layout(layouts[name])
    assert DistanceOracle.for_layout(again) is first


# ---- bad node ids --------------------------------------------------------------


@pytest.mark.parametrize("max_junctions", [4096, 0])
def test_bad_node_ids_name_the_node(single_block: Layout, max_junctions: int) -> None:
    """Node ids outside the layout raise PickoptError naming the node, in
    every query and in both modes."""
    oracle = DistanceOracle(single_block, max_junctions=max_junctions)
    n = single_block.n_nodes
    calls = [
        (lambda: oracle.matrix([0, n]), n),
        (lambda: oracle.matrix(np.array([3, -1])), -1),
        (lambda: oracle.between([0], [n + 5]), n + 5),
        (lambda: oracle.between([-7], [0]), -7),
        (lambda: oracle.pairwise([0, 1], [2, n]), n),
        (lambda: oracle.distance(0, 10**9), 10**9),
        (lambda: oracle.from_depot([n]), n),
        (lambda: oracle.path(n, 0), n),
        (lambda: oracle.walk([0, n]), n),
    ]
    for call, bad in calls:
        with pytest.raises(PickoptError, match=rf"node {bad} is not in layout 'single_block'"):
            call()
    with pytest.raises(PickoptError, match="must be integers"):
        oracle.matrix([0.5, 1.0])
    with pytest.raises(PickoptError, match="equal lengths, got 2 and 1"):
        oracle.pairwise([0, 1], [2])
    with pytest.raises(LayoutError, match="unknown depot 'D9'"):
        oracle.from_depot(depot="D9")


def test_first_outside_finds_the_first_node_out_of_range() -> None:
    """``first_outside`` (the queries' one-pass node check) gives the index of
    the first entry outside ``0..n - 1``, or -1 when there is none."""
    rng = np.random.default_rng(4)
    for _ in range(200):
        n = int(rng.integers(1, 50))
        nodes = rng.integers(-3, n + 3, int(rng.integers(0, 12))).astype(np.int64)
        outside = np.flatnonzero((nodes < 0) | (nodes >= n))
        assert first_outside(nodes, n) == (int(outside[0]) if outside.size else -1)


# ---- random layouts --------------------------------------------------------------


@st.composite
def parallel_aisle_specs(draw: st.DrawFn) -> dict[str, Any]:
    """Random rectangular warehouses: 1-7 aisles, 1-4 blocks, 1-6 cells,
    random lengths, 1-3 depots on any cross-aisle, between aisles or not,
    with or without a setback."""
    aisles = draw(st.integers(1, 7))
    blocks = draw(st.integers(1, 4))
    length = st.one_of(st.sampled_from([1.0, 2.5]), st.floats(0.05, 20.0))
    spacing = draw(length)
    depots: list[dict[str, Any]] = []
    for k in range(draw(st.integers(1, 3))):
        aisle = draw(st.integers(1, aisles))
        at = draw(st.one_of(st.sampled_from(["front", "back"]), st.integers(0, blocks)))
        span = (aisles - 1) * spacing
        x = draw(st.one_of(st.just(None), st.floats(0.0, 1.0), st.sampled_from([0.0, 1.0])))
        depot: dict[str, Any] = {"name": f"D{k + 1}", "aisle": aisle, "at": at}
        if x is not None:
            depot["offset"] = x * span - (aisle - 1) * spacing
        if at in ("front", "back", 0, blocks) and draw(st.booleans()):
            depot["setback"] = draw(length)
        depots.append(depot)
    return {
        "name": "random-pa",
        "kind": "parallel-aisles",
        "aisles": aisles,
        "blocks": blocks,
        "cells": draw(st.integers(1, 6)),
        "cell_length": draw(length),
        "aisle_spacing": spacing,
        "cross_aisle_to_cell": draw(length),
        "sides": draw(st.integers(1, 2)),
        "depots": depots,
    }


@st.composite
def graph_specs(draw: st.DrawFn) -> dict[str, Any]:
    """Random connected graphs: trees, a pure ring, and mixed graphs with
    extra cycles, parallel edges, long chains of degree-2 nodes, hanging
    rings and dead ends; lengths random (ties included) or Euclidean."""
    family = draw(st.sampled_from(["mixed", "mixed", "tree", "ring"]))
    length = st.one_of(st.sampled_from([1.0, 1.0, 2.0]), st.floats(0.01, 50.0))
    edges: list[tuple[int, int, float | None]] = []
    n = draw(st.integers(3, 25)) if family == "ring" else draw(st.integers(2, 14))
    if family == "ring":
        edges = [(i, (i + 1) % n, draw(length)) for i in range(n)]
    else:
        for i in range(1, n):
            edges.append((draw(st.integers(0, i - 1)), i, draw(length)))
    if family == "mixed":
        for u, v in draw(
            st.lists(st.tuples(st.integers(0, n - 1), st.integers(0, n - 1)), max_size=6)
        ):
            if u != v:
                edges.append((u, v, draw(length)))  # may repeat an edge: parallel edges
        for _ in range(draw(st.integers(0, 2))):  # rings hanging from one node
            root, size = draw(st.integers(0, n - 1)), draw(st.integers(2, 5))
            ring = [root, *range(n, n + size), root]
            n += size
            edges.extend((a, b, draw(length)) for a, b in zip(ring[:-1], ring[1:], strict=True))
        for _ in range(draw(st.integers(0, 3))):  # dead ends
            root, size = draw(st.integers(0, n - 1)), draw(st.integers(1, 3))
            chain = [root, *range(n, n + size)]
            n += size
            edges.extend((a, b, draw(length)) for a, b in zip(chain[:-1], chain[1:], strict=True))
        split: list[tuple[int, int, float | None]] = []
        for u, v, _ in edges:  # chains of degree-2 nodes
            pieces = draw(st.integers(0, 3))
            chain = [u, *range(n, n + pieces), v]
            n += pieces
            split.extend((a, b, draw(length)) for a, b in zip(chain[:-1], chain[1:], strict=True))
        edges = split
    euclid = draw(st.booleans())  # no lengths: the builder measures coordinates
    nodes = [{"id": f"n{i}", "x": float(i), "y": float(i * 7 % 5)} for i in range(n)]
    picks = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n, unique=True))
    depots = draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=2, unique=True))
    return {
        "name": f"random-{family}",
        "kind": "graph",
        "nodes": nodes,
        "edges": [
            {"from": f"n{u}", "to": f"n{v}"}
            if euclid
            else {"from": f"n{u}", "to": f"n{v}", "length": w}
            for u, v, w in edges
        ],
        "slots": [{"code": f"S{p}", "node": f"n{p}"} for p in picks],
        "depots": [{"name": f"D{k}", "node": f"n{d}"} for k, d in enumerate(depots)],
    }


@PROPERTY
@given(spec=parallel_aisle_specs(), seed=st.integers(0, 2**32 - 1))
def test_random_parallel_aisles_match_dijkstra(spec: dict[str, Any], seed: int) -> None:
    """On random parallel-aisle warehouses the oracle (and its fallback)
    equals all-pairs Dijkstra on every node pair, and paths are exact."""
    layout = Layout.from_spec(spec)
    check_everything(layout, np.random.default_rng(seed))


@PROPERTY
@given(spec=graph_specs(), seed=st.integers(0, 2**32 - 1))
def test_random_graphs_match_dijkstra(spec: dict[str, Any], seed: int) -> None:
    """On random connected graphs (trees, rings, cycles of degree-2 nodes,
    parallel edges, dead ends) the oracle (and its fallback) equals all-pairs
    Dijkstra on every node pair, and paths are exact."""
    layout = Layout.from_spec(spec)
    check_everything(layout, np.random.default_rng(seed))


def test_pure_ring() -> None:
    """A ring of degree-2 nodes with the depot on it: distances go the short
    way round, and the path does too."""
    n = 12
    spec = {
        "kind": "graph",
        "nodes": [{"id": i, "x": float(i), "y": 0.0} for i in range(n)],
        "edges": [{"from": i, "to": (i + 1) % n, "length": 1.0} for i in range(n)],
        "slots": [{"code": f"S{i}", "node": i} for i in range(1, n)],
        "depots": [{"node": 0}],
    }
    oracle = DistanceOracle(Layout.from_spec(spec))
    assert oracle.n_junctions == 1
    d = oracle.from_depot(np.arange(n))
    np.testing.assert_array_equal(d, [min(i, n - i) for i in range(n)])
    assert oracle.distance(2, 9) == 5.0
    assert oracle.path(2, 9) == [2, 1, 0, 11, 10, 9]
    assert oracle.path(3, 5) == [3, 4, 5]


# ---- kernels without the JIT -----------------------------------------------------

_NO_JIT_SCRIPT = textwrap.dedent(
    """
    import numba, numpy as np
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import dijkstra
    from optimizer.distance import DistanceOracle, kernels
    from optimizer.layout import Layout

    assert numba.config.DISABLE_JIT and not hasattr(kernels.square_matrix, "py_func")
    rng = np.random.default_rng(1)
    for name in ("single_block.toml", "two_block.toml", "fishbone.json"):
        layout = Layout.from_file("layouts/" + name)
        oracle = DistanceOracle(layout)
        nodes = rng.choice(layout.n_nodes, 40)
        e = layout.edges
        g = csr_matrix((layout.edge_length, (e[:, 0], e[:, 1])), shape=(layout.n_nodes,) * 2)
        ref = dijkstra(g, directed=False, indices=nodes)[:, nodes]
        assert np.allclose(oracle.matrix(nodes), ref, rtol=0, atol=1e-9), name
        assert np.allclose(oracle.between(nodes[:9], nodes), ref[:9], rtol=0, atol=1e-9), name
        rev = np.arange(40)[::-1]
        assert np.allclose(oracle.pairwise(nodes, nodes[rev]), ref[np.arange(40), rev],
                           rtol=0, atol=1e-9), name
    print("kernels ok")
    """
)


def test_kernels_without_jit() -> None:
    """With NUMBA_DISABLE_JIT=1 the kernel bodies run as Python (keeping them
    covered) and still agree with Dijkstra."""
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    done = subprocess.run(
        [sys.executable, "-c", _NO_JIT_SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "kernels ok" in done.stdout


def test_shared_oracles_are_dropped_past_the_byte_budget(single_block, two_block):
    """With a budget smaller than two oracles, the least recently used one is
    dropped (a new object comes back), and the newest always stays."""
    DistanceOracle.set_shared_budget(0)
    try:
        first = DistanceOracle.for_layout(single_block)
        assert DistanceOracle.for_layout(single_block) is first  # alone: kept though over
        DistanceOracle.for_layout(two_block)
        assert DistanceOracle.for_layout(single_block) is not first
    finally:
        DistanceOracle.set_shared_budget(None)
    kept = DistanceOracle.for_layout(single_block)
    DistanceOracle.for_layout(two_block)
    assert DistanceOracle.for_layout(single_block) is kept  # no budget: both kept


def test_a_negative_shared_budget_is_refused():
    with pytest.raises(PickoptError, match="budget"):
        DistanceOracle.set_shared_budget(-1)
