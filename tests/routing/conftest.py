"""Helpers shared by the routing tests: reproducible pick lists, a small
graph-tier layout, and the check that a route is a real walk."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from optimizer.layout import Layout
from optimizer.routing import Route


def random_codes(layout: Layout, n: int, seed: int) -> list[str]:
    """``n`` bin codes on distinct pick nodes, reproducibly."""
    rng = np.random.default_rng(seed)
    nodes = rng.choice(layout.pick_nodes, size=min(n, layout.pick_nodes.size), replace=False)
    first: dict[int, str] = {}
    for s in layout.slots:
        first.setdefault(s.node, s.code)
    return [first[int(v)] for v in nodes]


def assert_walk(layout: Layout, graph: nx.Graph, r: Route, codes: list[str], start: str,
                end: str) -> None:  # fmt: skip
    """The path follows graph edges from the start to the end depot, passes every
    pick, and its edge lengths add up to the route's distance."""
    path = list(r.path)
    assert path[0] == layout.depot(start).node
    assert path[-1] == layout.depot(end).node
    length = 0.0
    for u, v in zip(path[:-1], path[1:], strict=True):
        assert graph.has_edge(u, v), f"{r.method}: {u}-{v} is not an edge"
        length += graph[u][v]["length"]
    assert length == pytest.approx(r.distance, abs=1e-6)
    assert set(r.stops) == set(codes)
    visited = set(path)
    assert all(layout.slot(c).node in visited for c in codes)


def graph_layout() -> Layout:
    """A loop d-a-b-e-c-d with a spur e-f: picks on a, b, c and f."""
    nodes = [
        {"id": n, "x": x, "y": y}
        for n, x, y in [
            ("d", 0, 0),
            ("a", 4, 0),
            ("b", 4, 4),
            ("c", 0, 4),
            ("e", 2, 4),
            ("f", 2, 6),
        ]
    ]
    edges = [
        {"from": u, "to": v, "length": w}
        for u, v, w in [
            ("d", "a", 3),
            ("a", "b", 4),
            ("b", "e", 2),
            ("e", "c", 2),
            ("c", "d", 4),
            ("e", "f", 1),
        ]
    ]
    slots = [{"code": f"S-{n}", "node": n} for n in ("a", "b", "c", "f")]
    return Layout.from_spec({"kind": "graph", "name": "loop", "nodes": nodes, "edges": edges,
                             "slots": slots, "depots": [{"node": "d", "name": "D"}]})  # fmt: skip
