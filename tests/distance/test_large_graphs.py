"""The oracle on the shapes that used to hit the junction-table cliff: pick
faces on spurs, deep dead-end trees, and junction graphs too large for a
table (hub labels), each against scipy's Dijkstra on the full graph."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

from optimizer.distance import DistanceOracle
from optimizer.distance.labels import dissection_order
from optimizer.distance.oracle import MAX_JUNCTIONS
from optimizer.layout import Layout
from optimizer.synthetic.spurs import spur_spec

ATOL = 1e-9


def dijkstra_rows(layout: Layout, sources: np.ndarray) -> np.ndarray:
    """Distances from each source to every node, on the full graph."""
    u, v = layout.edges[:, 0], layout.edges[:, 1]
    g = csr_matrix((layout.edge_length, (u, v)), shape=(layout.n_nodes, layout.n_nodes))
    return dijkstra(g, directed=False, indices=sources)


def check_against_dijkstra(layout: Layout, oracle: DistanceOracle, seed: int) -> None:
    """Rows from 40 random sources (and the depot), a matrix, pairs and paths."""
    rng = np.random.default_rng(seed)
    sources = np.unique(np.r_[rng.integers(0, layout.n_nodes, 40), layout.depots[0].node])
    ref = dijkstra_rows(layout, sources)
    np.testing.assert_allclose(
        oracle.between(sources, np.arange(layout.n_nodes)), ref, rtol=0, atol=ATOL
    )
    m = oracle.matrix(sources)
    np.testing.assert_allclose(m, ref[:, sources], rtol=0, atol=ATOL)
    np.testing.assert_array_equal(m, m.T)
    targets = rng.integers(0, layout.n_nodes, sources.size)
    np.testing.assert_allclose(
        oracle.pairwise(sources, targets), ref[np.arange(sources.size), targets], rtol=0, atol=ATOL
    )
    lengths = {}
    for (a, b), w in zip(layout.edges.tolist(), layout.edge_length.tolist(), strict=True):
        lengths[(a, b)] = lengths[(b, a)] = w
    for p, t in zip(range(sources.size), targets.tolist(), strict=True):
        walk = oracle.path(int(sources[p]), t)
        assert walk[0] == sources[p] and walk[-1] == t
        total = sum(lengths[(a, b)] for a, b in zip(walk[:-1], walk[1:], strict=True))
        assert total == pytest.approx(ref[p, t], abs=ATOL, rel=0)


def grid_spec(width: int, height: int, seed: int, dead_ends: int = 0) -> dict[str, Any]:
    """A width x height grid of random edge lengths, with random dead-end
    chains hanging from random nodes: many junctions, no two paths alike."""
    rng = np.random.default_rng(seed)
    nodes = [
        {"id": f"{i}-{j}", "x": float(i), "y": float(j)}
        for i in range(width)
        for j in range(height)
    ]
    edges = [
        {"from": f"{i}-{j}", "to": f"{i + 1}-{j}", "length": float(rng.uniform(0.5, 2))}
        for i in range(width - 1)
        for j in range(height)
    ]
    edges += [
        {"from": f"{i}-{j}", "to": f"{i}-{j + 1}", "length": float(rng.uniform(0.5, 2))}
        for i in range(width)
        for j in range(height - 1)
    ]
    for k in range(dead_ends):
        prev = f"{rng.integers(width)}-{rng.integers(height)}"
        for q in range(int(rng.integers(1, 4))):
            nodes.append({"id": f"t{k}-{q}", "x": float(rng.uniform(0, width)), "y": -1.0 - q})
            edges.append({"from": prev, "to": f"t{k}-{q}", "length": float(rng.uniform(0.1, 1))})
            prev = f"t{k}-{q}"
    return {
        "kind": "graph",
        "name": "grid",
        "nodes": nodes,
        "edges": edges,
        "slots": [{"code": f"S{k}", "node": n["id"]} for k, n in enumerate(nodes[::3])],
        "depots": [{"node": "0-0"}],
    }


@pytest.mark.parametrize("max_junctions", [MAX_JUNCTIONS, 0])
def test_spur_faces_are_folded_into_their_aisle(max_junctions: int) -> None:
    """A layout whose every pick face is a spur has as few junctions as its
    aisles and cross-aisles make (not one per node) and exact distances and
    paths, with the table and with hub labels."""
    layout = Layout.from_spec(spur_spec(aisles=6, cells=12, blocks=2, levels=2))
    oracle = DistanceOracle(layout, max_junctions=max_junctions)
    assert oracle.n_junctions <= 6 * 3 + 1
    check_against_dijkstra(layout, oracle, seed=1)


def test_labels_past_the_table_bound_are_exact() -> None:
    """A 40 x 40 grid (1,600 junctions, more than a table holds) with dead ends
    answers from hub labels, exactly."""
    layout = Layout.from_spec(grid_spec(40, 40, seed=3, dead_ends=30))
    oracle = DistanceOracle(layout)
    assert oracle.mode == "labels" and oracle.n_junctions > MAX_JUNCTIONS
    check_against_dijkstra(layout, oracle, seed=4)


@pytest.mark.parametrize("seed", range(3))
def test_small_grids_with_labels(seed: int) -> None:
    """Hub labels on small random grids with dead-end chains equal Dijkstra."""
    layout = Layout.from_spec(grid_spec(7 + seed, 5, seed=seed, dead_ends=6))
    check_against_dijkstra(layout, DistanceOracle(layout, max_junctions=0), seed=seed)


def test_a_deep_tree_is_all_one_root() -> None:
    """A caterpillar (a 300-node path with a leaf on every node, one dead-end
    aisle with spur faces) is one hanging tree: one junction, exact distances
    and paths through lowest common ancestors."""
    n = 300
    nodes = [{"id": f"p{i}", "x": float(i), "y": 0.0} for i in range(n)]
    nodes += [{"id": f"f{i}", "x": float(i), "y": 1.0} for i in range(n)]
    edges = [{"from": f"p{i}", "to": f"p{i + 1}"} for i in range(n - 1)]
    edges += [{"from": f"p{i}", "to": f"f{i}", "length": 0.5 + (i % 3)} for i in range(n)]
    spec = {
        "kind": "graph",
        "nodes": nodes,
        "edges": edges,
        "slots": [{"code": f"S{i}", "node": f"f{i}"} for i in range(n)],
        "depots": [{"node": "p150"}],
    }
    layout = Layout.from_spec(spec)
    oracle = DistanceOracle(layout)
    assert oracle.n_junctions == 1
    check_against_dijkstra(layout, oracle, seed=5)


def test_memory_stays_linear_with_spurs() -> None:
    """With spur faces the oracle holds about a hundred bytes per node: no
    table of pick nodes squared."""
    layout = Layout.from_spec(spur_spec(aisles=30, cells=60, levels=1))
    oracle = DistanceOracle(layout)
    assert oracle.n_junctions < 100
    assert oracle.nbytes < 200 * layout.n_nodes + 8 * oracle.n_junctions**2


def test_dissection_order_is_a_permutation() -> None:
    """The order ranks every junction exactly once."""
    layout = Layout.from_spec(grid_spec(9, 6, seed=0))
    u, v = layout.edges[:, 0], layout.edges[:, 1]
    g = csr_matrix(
        (np.r_[layout.edge_length, layout.edge_length], (np.r_[u, v], np.r_[v, u])),
        shape=(layout.n_nodes,) * 2,
    )
    order = dissection_order(g, layout.xy)
    assert sorted(order.tolist()) == list(range(layout.n_nodes))
