"""The class machine of the exact DP: the equivalence classes a partial tour
falls into at a column of the sweep, and the transitions between them.

Generated from the rules in :mod:`optimizer.routing.exact` (aisle
configurations, cross-aisle edge counts, degree parity, connectivity), not
tabulated by hand, once per number of blocks and process, and kept on disk:
four blocks take seconds of CPU to generate and a fraction of a second to
load. The cache directory is ``$PICKOPT_CACHE_DIR`` if set (an empty value
turns the disk cache off), else ``$XDG_CACHE_HOME/pickopt`` or
``~/.cache/pickopt``; a file's name carries a hash of this module's source,
so a changed generator never reads stale tables.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from optimizer._jit import user_cache_dir

__all__ = [
    "Machine",
    "machine",
    "build_machine",
    "load_or_build",
    "State",
    "CLOSED",
    "N_CONFIGS",
    "NONE",
    "PASS1",
    "PASS2",
    "BOTTOM",
    "TOP",
    "GAP",
    "ZERO",
    "EVEN",
    "ODD",
]

# Aisle configurations: what the optimal tour does inside one aisle of one block.
NONE, PASS1, PASS2, BOTTOM, TOP, GAP = range(6)
N_CONFIGS = 6
# Per configuration: degree added at the lower end, at the upper end, and
# whether the aisle joins the two ends into one component.
_EFFECT = (
    (0, 0, False),  # NONE: not entered (only without picks)
    (1, 1, True),  # PASS1: traversed once
    (2, 2, True),  # PASS2: traversed twice
    (2, 0, False),  # BOTTOM: entered from below up to the last pick, and back
    (0, 2, False),  # TOP: entered from above down to the first pick, and back
    (2, 2, False),  # GAP: from both ends, leaving out the largest gap between picks
)

# Degree classes of a frontier vertex.
ZERO, EVEN, ODD = 0, 1, 2

# A class is (degree class per vertex..., component label per vertex...),
# labels canonical by first appearance and -1 for degree zero. The empty
# tuple is "closed": the one component of the tour is complete, and nothing
# may follow.
State = tuple[int, ...]
CLOSED: State = ()


@dataclass(frozen=True)
class Machine:
    """Classes and transitions of the sweep for one number of blocks.

    The aisle step is factorised by block (a column's aisle configurations
    are applied one block at a time, and a class after part of them is a
    class after the whole step with ``NONE`` in the other blocks), and the
    cross step is stored as short option lists: once the parity each vertex
    must end with is known, the parity of each edge count is forced, leaving
    at most ``2^(m+1)`` of the ``3^(m+1)`` choices.

    Attributes
    ----------
    states
        The classes, index = state id.
    vnext
        ``vnext[b, s, cfg]``: class after configuration ``cfg`` in the aisle of
        block ``b`` from class ``s``; -1 if infeasible.
    hcount, hcode, hto
        From class ``s`` when the vertices in bit mask ``odd`` must end with
        odd degree, the feasible cross steps to the next column are
        ``hcode[odd, s, j]`` (edge counts in base 3, one digit per
        cross-aisle), leading to class ``hto[odd, s, j]``, for
        ``j < hcount[odd, s]``.
    hvisit
        ``hvisit[s, x]``: bit mask of the vertices of the column left behind
        that the tour visits after cross step ``x`` from class ``s``.
    xsum
        ``xsum[x]``: number of cross-aisle edges walked, times the gap width
        gives the cost.
    empty, closed
        Ids of the "nothing yet" and "closed" classes.
    """

    n_blocks: int
    states: tuple[State, ...]
    vnext: np.ndarray
    hcount: np.ndarray
    hcode: np.ndarray
    hto: np.ndarray
    hvisit: np.ndarray
    xsum: np.ndarray
    empty: int
    closed: int


def _canonical(cls: list[int], lab: list[int]) -> State:
    """Relabel components by first appearance so equal classes compare equal."""
    names: dict[int, int] = {}
    out = [-1 if label < 0 else names.setdefault(label, len(names)) for label in lab]
    return (*cls, *out)


def _add_degree(cls: int, add: int) -> int:
    """Degree class after adding ``add`` edge ends to a vertex of class ``cls``."""
    if add == 0:
        return cls
    odd = (cls == ODD) != (add % 2 == 1)
    return ODD if odd else EVEN


def _aisle_step(state: State, b: int, cfg: int) -> State | None:
    """Class after configuration ``cfg`` in the aisle of block ``b``."""
    if state == CLOSED:
        return CLOSED if cfg == NONE else None
    n = len(state) // 2
    cls, lab = list(state[:n]), list(state[n:])
    fresh = n  # canonical labels are < n, so these never collide
    lower, upper, joins = _EFFECT[cfg]
    for v, add in ((b, lower), (b + 1, upper)):
        if add:
            cls[v] = _add_degree(cls[v], add)
            if lab[v] < 0:  # a new component starts here
                lab[v], fresh = fresh, fresh + 1
    if joins:
        gone = lab[b + 1]
        lab = [lab[b] if label == gone else label for label in lab]
    return _canonical(cls, lab)


def _visited(state: State, xs: tuple[int, ...]) -> int:
    """Bit mask of the vertices of a column that end with positive degree."""
    if state == CLOSED:
        return 0
    return sum(1 << v for v, x in enumerate(xs) if state[v] != ZERO or x)


def _cross_step(state: State, xs: tuple[int, ...]) -> tuple[int, State] | None:
    """Walk each cross-aisle edge to the next column ``xs[c]`` times.

    The vertices of the column left behind get no more edges, so their final
    degree parity is fixed here: returned as the bit mask of odd vertices,
    with the class that follows. Components that do not reach the next column
    are complete: allowed only for the one and last. Returns ``None`` if
    infeasible.
    """
    if state == CLOSED:
        return (0, CLOSED) if not any(xs) else None
    n = len(state) // 2
    cls, lab = state[:n], state[n:]
    new_cls, new_lab = [ZERO] * n, [-1] * n
    going_on: set[int] = set()
    odd = 0
    for v, x in enumerate(xs):
        if (cls[v] == ODD) != (x % 2 == 1):
            odd |= 1 << v
        if x:
            new_cls[v] = ODD if x == 1 else EVEN
            if cls[v] != ZERO:
                new_lab[v] = lab[v]
                going_on.add(lab[v])
            else:  # starts a component at the edge, e.g. at the depot
                new_lab[v] = n + v
    finished = {label for label in lab if label >= 0} - going_on
    if finished:
        return (odd, CLOSED) if len(finished) == 1 and not any(xs) else None
    return odd, _canonical(new_cls, new_lab)


@cache
def machine(n_blocks: int) -> Machine:
    """The classes and transition tables for ``n_blocks`` blocks, once per
    process: read from the disk cache (:func:`~optimizer._jit.user_cache_dir`)
    or generated and written there.

    Parameters
    ----------
    n_blocks
        Number of blocks; the sweep tracks ``n_blocks + 1`` cross-aisles.
    """
    return load_or_build(n_blocks, user_cache_dir())


_ARRAYS = ("vnext", "hcount", "hcode", "hto", "hvisit", "xsum")


@cache
def _source_key() -> str:
    """A hash of this module's source: tables of another generator never match."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


def _cache_file(directory: Path, n_blocks: int) -> Path:
    return directory / f"exact-classes-{n_blocks}-blocks-{_source_key()}.npz"


def _states_array(m: Machine) -> np.ndarray:
    """The classes as rows of an int8 array; the closed class as a row of -2."""
    width = 2 * (m.n_blocks + 1)
    rows = [[-2] * width if s == CLOSED else list(s) for s in m.states]
    return np.array(rows, dtype=np.int8)


def _read(path: Path, n_blocks: int) -> Machine:
    """The machine stored in ``path`` (raises if it is not one of ``n_blocks``)."""
    with np.load(path, allow_pickle=False) as data:
        head = data["head"].tolist()
        if head[0] != n_blocks:
            raise ValueError(f"{path} holds {head[0]} blocks, not {n_blocks}")
        rows = data["states"].tolist()
        arrays = {name: data[name] for name in _ARRAYS}
    states = tuple(CLOSED if row[0] == -2 else tuple(row) for row in rows)
    return Machine(n_blocks, states, empty=head[1], closed=head[2], **arrays)


def _write(path: Path, m: Machine) -> None:
    """Store ``m`` in ``path`` atomically (a reader never sees half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npz.tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, head=np.array([m.n_blocks, m.empty, m.closed]),
                     states=_states_array(m), **{n: getattr(m, n) for n in _ARRAYS})  # fmt: skip
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load_or_build(n_blocks: int, directory: Path | None) -> Machine:
    """The machine of ``n_blocks`` blocks from ``directory``, or generated and
    stored there (not stored if ``directory`` is None or cannot be written).

    Parameters
    ----------
    n_blocks
        Number of blocks.
    directory
        The disk cache; a missing, unreadable or stale file is regenerated.
    """
    if directory is None:
        return build_machine(n_blocks)
    path = _cache_file(directory, n_blocks)
    if path.exists():
        try:
            return _read(path, n_blocks)
        except (OSError, ValueError, KeyError):
            pass  # damaged or foreign: generate it again below
    m = build_machine(n_blocks)
    with contextlib.suppress(OSError):  # a read-only cache costs only the time to generate
        _write(path, m)
    return m


def build_machine(n_blocks: int) -> Machine:
    """Generate the classes and transition tables for ``n_blocks`` blocks.

    Parameters
    ----------
    n_blocks
        Number of blocks; the sweep tracks ``n_blocks + 1`` cross-aisles.
    """
    n = n_blocks + 1
    # Reversed so that the index is sum(xs[c] * 3**c).
    xs_all = [xs[::-1] for xs in itertools.product(range(3), repeat=n)]
    empty: State = (ZERO,) * n + (-1,) * n
    index: dict[State, int] = {empty: 0, CLOSED: 1}
    order: list[State] = [empty, CLOSED]
    edges_v: dict[tuple[int, int, int], int] = {}
    edges_h: dict[tuple[int, int], list[tuple[int, int]]] = {}
    visit: dict[tuple[int, int], int] = {}

    def intern(state: State) -> int:
        if state not in index:
            index[state] = len(order)
            order.append(state)
        return index[state]

    pos = 0
    while pos < len(order):  # breadth-first over every reachable class
        state, s = order[pos], pos
        pos += 1
        for b in range(n_blocks):
            for cfg in range(N_CONFIGS):
                nxt = _aisle_step(state, b, cfg)
                if nxt is not None:
                    edges_v[b, s, cfg] = intern(nxt)
        for x, xs in enumerate(xs_all):
            visit[s, x] = _visited(state, xs)
            step = _cross_step(state, xs)
            if step is not None:
                edges_h.setdefault((step[0], s), []).append((x, intern(step[1])))
    n_states = len(order)
    vnext = np.full((n_blocks, n_states, N_CONFIGS), -1, dtype=np.int64)
    for (b, s, cfg), t in edges_v.items():
        vnext[b, s, cfg] = t
    width = max(len(options) for options in edges_h.values())  # at most 2^n
    hcount = np.zeros((2**n, n_states), dtype=np.int64)
    hcode = np.zeros((2**n, n_states, width), dtype=np.int64)
    hto = np.full((2**n, n_states, width), -1, dtype=np.int64)
    for (odd, s), options in edges_h.items():
        hcount[odd, s] = len(options)
        for j, (x, t) in enumerate(options):
            hcode[odd, s, j], hto[odd, s, j] = x, t
    hvisit = np.zeros((n_states, len(xs_all)), dtype=np.int64)
    for (s, x), seen in visit.items():
        hvisit[s, x] = seen
    return Machine(
        n_blocks=n_blocks,
        states=tuple(order),
        vnext=vnext,
        hcount=hcount,
        hcode=hcode,
        hto=hto,
        hvisit=hvisit,
        xsum=np.array([float(sum(xs)) for xs in xs_all]),
        empty=0,
        closed=1,
    )
