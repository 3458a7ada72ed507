"""The batch-scoring kernel (``optimizer.routing.scoring``): one signature for
the exact DP's optimum and the local search's estimate on the oracle's matrix."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import Cart, prepare
from optimizer.distance import DistanceOracle
from optimizer.layout import Layout
from optimizer.orders import Slotting
from optimizer.routing import RoutingProblem, scoring
from optimizer.routing.exact import EXACT
from optimizer.routing.local_search import LOCAL_SEARCH, walk_length
from optimizer.routing.scoring import (
    ESTIMATE,
    Estimate,
    clear_memos,
    matrix_form,
    pick_flats,
    scoring_inputs,
    tour_length_kernel,
    union_length,
    unsorted_tour_length,
)
from tests import naive


def _picks(layout: Layout, k: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.sort(rng.choice(layout.pick_nodes, k, replace=False)).astype(np.int64)


def test_matrix_form_is_the_local_search_on_the_gathered_matrix(
    layouts: dict[str, Layout],
) -> None:
    """On a graph layout the kernel returns what the local search's compiled
    length returns on the oracle's matrix of the same rows, with the
    estimate's budget (the full matrix holds the same distances)."""
    layout = layouts["fishbone.json"]
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depot().node
    inputs = scoring_inputs(oracle, depot, depot, ESTIMATE)
    assert inputs is not None and inputs[1][0] < 0
    for k in (1, 5, 8, 9, 20, 35):
        nodes = _picks(layout, k, k)
        dist = oracle.matrix(np.concatenate(([depot], nodes, [depot])))
        kicks = max(ESTIMATE.min_kicks, int(ESTIMATE.kicks_per_pick * 1000) * k // 1000)
        expected = walk_length(dist, kicks, kicks, ESTIMATE.seed, ESTIMATE.exact_max)
        assert tour_length_kernel(nodes, *inputs) == pytest.approx(expected, rel=1e-12)


def test_estimate_is_the_optimum_up_to_its_exact_range(layouts: dict[str, Layout]) -> None:
    """Up to ``exact_max`` picks the estimate is Held-Karp's optimum."""
    layout = layouts["obstacles.json"]
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depot().node
    inputs = scoring_inputs(oracle, depot, depot, ESTIMATE)
    assert inputs is not None
    for seed in range(20):
        nodes = _picks(layout, 2 + seed % (ESTIMATE.exact_max - 1), seed)
        dist = oracle.matrix(np.concatenate(([depot], nodes)))
        best, _ = naive.held_karp(dist, 0)
        assert tour_length_kernel(nodes, *inputs) == pytest.approx(best, abs=1e-6)


def test_estimate_stays_close_to_the_final_route(layouts: dict[str, Layout]) -> None:
    """Above its exact range the estimate is never shorter than a walk exists
    for and, over 30 pick sets of 15 to 40 picks, within 2 % of the final
    route's local search on average."""
    layout = layouts["fishbone.json"]
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depot().node
    inputs = scoring_inputs(oracle, depot, depot, ESTIMATE)
    assert inputs is not None
    gaps = []
    for seed in range(30):
        nodes = _picks(layout, 15 + seed, 100 + seed)
        final = LOCAL_SEARCH.length(RoutingProblem(layout, oracle, nodes, depot, depot))
        estimate = tour_length_kernel(nodes, *inputs)
        gaps.append(estimate / final - 1.0)
    assert np.mean(gaps) < 0.02
    assert min(gaps) > -0.01  # the final search rarely loses to the estimate, never by much


def test_exact_inputs_give_the_dp_optimum(single_block: Layout) -> None:
    """With ``estimate=None`` the inputs are the exact DP's and the kernel its optimum."""
    oracle = DistanceOracle.for_layout(single_block)
    depot = single_block.depot().node
    inputs = scoring_inputs(oracle, depot, depot, None)
    assert inputs is not None and inputs[1][0] > 0
    for seed in range(10):
        nodes = _picks(single_block, 3 + 3 * seed, seed)
        expected = EXACT.length(RoutingProblem(single_block, oracle, nodes, depot, depot))
        assert tour_length_kernel(nodes, *inputs) == pytest.approx(expected, abs=1e-9)


@pytest.mark.parametrize(
    ("name", "exact"),
    [("single_block.toml", True), ("two_block.toml", True), ("multi_block_large.toml", True),
     ("fishbone.json", False)],
)  # fmt: skip
def test_unsorted_nodes_give_the_kernels_length_to_the_bit(
    layouts: dict[str, Layout], name: str, exact: bool
) -> None:
    """The batching's path (nodes in any order, sorted by flat index on the DP's
    layouts) returns exactly what the kernel returns on the sorted nodes; a node
    that is no pick node is named by its place among the sorted ones, as there."""
    layout = layouts[name]
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depot().node
    inputs = scoring_inputs(oracle, depot, depot, None if exact else ESTIMATE)
    assert inputs is not None and (inputs[1][0] > 0) == exact
    rng = np.random.default_rng(5)
    for seed in range(25):
        nodes = _picks(layout, 1 + 3 * seed % 40, seed)
        if seed % 5 == 4:
            nodes = np.sort(np.append(nodes, depot))  # no pick node: -1 - its place
        buf = np.append(rng.permutation(nodes), rng.integers(0, 9, 3))
        assert unsorted_tour_length(buf, nodes.size, *inputs) == tour_length_kernel(nodes, *inputs)


@pytest.mark.parametrize("name", ["single_block.toml", "two_block.toml", "multi_block_large.toml"])
def test_the_union_of_flat_sets_gives_the_kernels_length_to_the_bit(
    layouts: dict[str, Layout], name: str
) -> None:
    """The ALNS's path (pick sets as flat index sets, merged in a bit set) returns
    exactly the kernel's length of their nodes' union, and leaves its bit set empty."""
    layout = layouts[name]
    depot = layout.depot().node
    inputs = scoring_inputs(DistanceOracle.for_layout(layout), depot, depot, None)
    assert inputs is not None
    sets = [_picks(layout, 1 + s % 12, s) for s in range(30)]
    ptr = np.cumsum([0] + [s.size for s in sets]).astype(np.int64)
    fptr, fidx = pick_flats(ptr, np.concatenate(sets), inputs[1])
    assert fptr.size == len(sets) + 1
    words = np.zeros(int(fidx.max()) // 64 + 1, dtype=np.uint64)
    out = np.zeros(layout.n_nodes, dtype=np.int64)
    rng = np.random.default_rng(2)
    for count in (1, 2, 5, 9, 30):
        chosen = rng.permutation(len(sets))[:count].astype(np.int64)
        nodes = np.unique(np.concatenate([sets[c] for c in chosen]))
        length = union_length(chosen, count, fptr, fidx, words, out, *inputs)
        assert length == tour_length_kernel(nodes, *inputs)
        assert not words.any()


def test_pick_flats_are_off_where_the_dp_is(layouts: dict[str, Layout]) -> None:
    """Off the DP's layouts (the matrix form) or with a node that is no pick node,
    there are no flat sets: the batching scores nodes."""
    layout = layouts["single_block.toml"]
    depot = layout.depot().node
    oracle = DistanceOracle.for_layout(layout)
    exact = scoring_inputs(oracle, depot, depot, None)
    assert exact is not None
    nodes = np.append(_picks(layout, 3, 1), depot)
    assert pick_flats(np.array([0, 4]), nodes, exact[1])[0].size == 0
    fishbone = layouts["fishbone.json"]
    fd = fishbone.depot().node
    matrix = scoring_inputs(DistanceOracle.for_layout(fishbone), fd, fd, ESTIMATE)
    assert matrix is not None
    assert pick_flats(np.array([0, 3]), _picks(fishbone, 3, 1), matrix[1])[0].size == 0


def test_a_node_without_slots_is_named(layouts: dict[str, Layout]) -> None:
    """A node that is no pick node gives ``-1 - j`` (``j`` its position), as the DP does."""
    layout = layouts["fishbone.json"]
    depot = layout.depot().node
    inputs = scoring_inputs(DistanceOracle.for_layout(layout), depot, depot, ESTIMATE)
    assert inputs is not None
    nodes = np.sort(np.append(_picks(layout, 4, 1), depot))
    assert tour_length_kernel(nodes, *inputs) == -1.0 - int(np.flatnonzero(nodes == depot)[0])


def test_layouts_too_big_for_the_matrix_get_no_kernel(
    layouts: dict[str, Layout], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above ``MATRIX_MAX_ROWS`` there is no matrix form; batching then scores
    tour by tour through the local search's estimate."""
    from tests.conftest import random_wave

    layout = layouts["obstacles.json"]
    depot = layout.depot().node
    monkeypatch.setattr(scoring, "MATRIX_MAX_ROWS", 10)
    assert scoring_inputs(DistanceOracle.for_layout(layout), depot, depot, ESTIMATE) is None
    orders = random_wave(layout, 6, np.random.default_rng(3))
    problem, _ = prepare(layout, Slotting.identity(layout), orders, Cart(max_items=45))
    assert problem.cost.scoring is None
    assert problem.tour_length(range(problem.size)) > 0


def test_batching_off_the_dp_scores_with_the_kernel(layouts: dict[str, Layout]) -> None:
    """On a graph layout a batching problem's tour cost is the kernel's value
    (``scoring`` set), while ``kernel`` (what the bulk loops need) stays None."""
    from tests.conftest import random_wave

    layout = layouts["fishbone.json"]
    orders = random_wave(layout, 10, np.random.default_rng(4))
    problem, _ = prepare(layout, Slotting.identity(layout), orders, Cart(max_items=45))
    assert problem.cost.kernel is None and problem.cost.scoring is not None
    members = list(range(4))
    nodes = np.array(problem.union(members), dtype=np.int64)
    assert problem.tour_length(members) == tour_length_kernel(nodes, *problem.cost.scoring)
    assert problem.batch_costs([members]) == [problem.batch_cost(members)]


def test_the_memo_returns_what_the_estimate_computes(layouts: dict[str, Layout]) -> None:
    """With a memo of 16 tours (emptied every 8), asking for pick sets again,
    in any order, gives the lengths the kernel computes without a memo."""
    layout = layouts["fishbone.json"]
    oracle = DistanceOracle.for_layout(layout)
    depot = layout.depot().node
    rows = np.concatenate(([depot, depot], layout.pick_nodes)).astype(np.int64)
    row_of = np.full(layout.n_nodes, -1, dtype=np.int64)
    row_of[layout.pick_nodes] = np.arange(2, layout.pick_nodes.size + 2)
    dist = oracle.matrix(rows)
    plain = matrix_form(dist, row_of, ESTIMATE)
    memo = matrix_form(dist, row_of, ESTIMATE, memo_bits=4)
    rng = np.random.default_rng(9)
    sets = [_picks(layout, int(rng.integers(1, 30)), seed) for seed in range(12)]
    expected = [tour_length_kernel(nodes, *plain) for nodes in sets]
    for k in [*range(12), *rng.permutation(12).tolist(), *range(12)]:
        assert tour_length_kernel(sets[k], *memo) == expected[k]


def test_cleared_memos_give_the_same_lengths(layouts: dict[str, Layout]) -> None:
    """``clear_memos`` empties the kept matrices' memos; lengths stay the same."""
    layout = layouts["obstacles.json"]
    depot = layout.depot().node
    inputs = scoring_inputs(DistanceOracle.for_layout(layout), depot, depot, ESTIMATE)
    assert inputs is not None
    sets = [_picks(layout, 12, seed) for seed in range(5)]
    first = [tour_length_kernel(nodes, *inputs) for nodes in sets]
    assert inputs[1][-1] >= len(sets)  # fi's last entry counts the memo's entries
    clear_memos()
    assert inputs[1][-1] == 0
    assert [tour_length_kernel(nodes, *inputs) for nodes in sets] == first


def test_bad_estimates_are_refused() -> None:
    with pytest.raises(ValueError, match="exact_max"):
        Estimate(exact_max=13)
    with pytest.raises(ValueError, match="kicks_per_pick"):
        Estimate(kicks_per_pick=-1)
