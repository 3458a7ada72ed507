"""Restarts of the compiled ALNS (alns.compiled_search's ``restarts`` and ``between``,
alns_kernels.load_batching): a new batching loaded into the search's arrays keeps
the memo, is scored exactly, becomes the best when it is better, and the results
depend on the work only."""

from __future__ import annotations

import numpy as np
import pytest

from optimizer.batching import ALNS, Cart, prepare
from optimizer.batching.alns import Pool, _CompiledState, _groups, compiled_search, mask_of
from optimizer.batching.alns_kernels import C_ENTRIES, V_BEST, V_TOTAL
from optimizer.batching.savings import CompiledWave
from optimizer.layout import Layout
from optimizer.orders import Slotting
from tests.conftest import random_wave


@pytest.fixture(scope="module")
def problem(single_block: Layout):
    """60 random orders, carts of 16 units."""
    orders = random_wave(single_block, 60, np.random.default_rng(29))
    return prepare(single_block, Slotting.identity(single_block), orders, Cart(max_items=16))[0]


def singletons(n: int) -> list[list[int]]:
    return [[i] for i in range(n)]


def test_a_loaded_batching_is_scored_exactly_and_the_memo_is_kept(problem) -> None:
    """After some rounds, loading another batching gives its exact total, keeps every
    memo entry, and leaves the best alone unless the new one is better."""
    wave = CompiledWave.of(problem)
    state = _CompiledState(problem, wave, singletons(problem.size), 12, 0.05, 1.0, 0.05)
    for _ in range(3):
        state.run(1, 100)
    entries, best = int(state.count[C_ENTRIES]), float(state.value[V_BEST])
    best_groups = _groups(state.best_of)
    assert not state.restart(singletons(problem.size))  # worse than the best: a restart only
    assert state.value[V_TOTAL] == pytest.approx(problem.total(singletons(problem.size)))
    assert state.count[C_ENTRIES] == entries  # singletons were all scored at the start
    assert state.value[V_BEST] == best and _groups(state.best_of) == best_groups
    state.run(1, 100)  # the search goes on from there and its best stays exact
    assert state.value[V_BEST] == pytest.approx(problem.total(_groups(state.best_of)))


def test_between_sees_the_best_and_its_batching_becomes_the_best(problem) -> None:
    """``between`` gets the best batching and a pool that holds it; what it returns
    is loaded and, being better, is the best from then on."""
    wave = CompiledWave.of(problem)
    good = compiled_search(problem, wave, singletons(problem.size), 1_500, seed=8).groups
    calls: list[tuple[list[list[int]], Pool]] = []

    def between(groups: list[list[int]], pool: Pool) -> list[list[int]]:
        calls.append((groups, pool))
        return good

    found = compiled_search(problem, wave, singletons(problem.size), 300, seed=9, restarts=2,
                            between=between)  # fmt: skip
    assert len(calls) == 2
    for groups, pool in calls:
        assert all(mask_of(g) in pool.members for g in groups)
    assert problem.total(found.groups) <= problem.total(good) + 1e-9
    assert found.trace[-1][2] == pytest.approx(problem.total(found.groups), abs=1e-6)
    assert sorted(i for g in found.groups for i in g) == list(range(problem.size))


def test_restarts_from_the_best_are_valid_and_reproducible(problem) -> None:
    """Going back to the best batching: a valid partition, the same for the same seed."""
    wave = CompiledWave.of(problem)
    start = singletons(problem.size)
    first = compiled_search(problem, wave, start, 400, seed=4, restarts=3)
    assert compiled_search(problem, wave, start, 400, seed=4, restarts=3).groups == first.groups
    assert all(problem.fits(g) for g in first.groups)
    assert sorted(i for g in first.groups for i in g) == list(range(problem.size))
    assert first.iterations == 400


def test_alns_with_selections_between_phases_is_valid_and_reproducible(problem) -> None:
    """The matheuristic loop (select over the pool so far, polish, restart)."""
    method = ALNS(iterations=600, restarts=2, restart_work=0.02, restart_polish=True)
    first = method.run(problem, seed=3)
    assert method.run(problem, seed=3).groups == first.groups
    assert sorted(i for g in first.groups for i in g) == list(range(problem.size))
    assert all(problem.fits(g) for g in first.groups)
    with pytest.raises(ValueError):
        ALNS(restarts=-1)
