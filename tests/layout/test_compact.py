"""Slots as columns: the table behaves as the tuple of slots it replaces, bin
codes are found by arithmetic in parallel-aisle layouts, and the version
hash made from columns has the bytes of the slot-by-slot one."""

from __future__ import annotations

import dataclasses
import hashlib
import pickle
from typing import Any

import pytest

from optimizer.errors import UnknownSlotError
from optimizer.layout import Layout
from optimizer.layout.digest import digest_slots, python_lines, slot_lines
from optimizer.layout.parts import Slot, SlotTable
from tests.conftest import LAYOUTS, SHIPPED, pa_spec
from tests.layout.conftest import graph_spec


def naive_lines(slots: Any) -> bytes:
    """The version lines as they were written before slots became columns."""
    return "".join(f"{s.code}|{s.node}|{s.zone}|{s.capacity}|{s.level}\n" for s in slots).encode()


def odd_graph() -> Layout:
    """A graph layout with every optional slot field missing somewhere."""
    spec = graph_spec()
    spec["slots"] += [
        {"code": "Ü-c", "node": "c", "zone": "fast", "capacity": 1e-05, "level": 12},
        {"code": "S-d", "node": "d", "capacity": 999999.75},
    ]
    return Layout.from_spec(spec)


LAYOUTS_UNDER_TEST = {
    **{name: lambda name=name: Layout.from_file(LAYOUTS / name) for name in SHIPPED},
    "zones": lambda: Layout.from_spec(
        pa_spec(levels=3, slot_capacity=2.5, zones={"A": [1], "B": [2, 3]}, blocks=2)
    ),
    "graph": odd_graph,
}


@pytest.mark.parametrize("name", sorted(LAYOUTS_UNDER_TEST))
def test_version_bytes_are_the_slot_by_slot_ones(name: str) -> None:
    """The columns give the same version lines, byte for byte, as the per-slot
    f-string of every earlier release (versions name stored layouts)."""
    layout = LAYOUTS_UNDER_TEST[name]()
    expected = naive_lines(layout.slots)
    assert slot_lines(layout.table, 0, len(layout.slots)) == expected  # the kernel
    assert python_lines(layout.table) == expected
    h = hashlib.sha256()
    digest_slots(layout.table, h)
    assert h.hexdigest() == hashlib.sha256(expected).hexdigest()


@pytest.mark.parametrize("name", sorted(LAYOUTS_UNDER_TEST))
def test_table_acts_as_the_tuple_of_slots(name: str) -> None:
    """Iteration, indexing, slices and code lookups agree, slot by slot; a
    table rebuilt from the slot objects is the same layout (same version)."""
    layout = LAYOUTS_UNDER_TEST[name]()
    slots = list(layout.slots)
    assert len(slots) == len(layout.slots)
    assert [s.index for s in slots] == list(range(len(slots)))
    for s in slots:
        assert layout.slots[s.index] == s
        assert layout.slot(s.code) == s and layout.slot_index(s.code) == s.index
    assert layout.slots[-1] == slots[-1] and layout.slots[1:4] == tuple(slots[1:4])
    again = dataclasses.replace(layout, slots=tuple(slots))
    assert again.version == layout.version
    assert (layout.nodes_of([s.code for s in slots[:5]]) == [s.node for s in slots[:5]]).all()


@pytest.mark.parametrize(
    "code",
    [
        "A1-B1-001-L-1",
        "A01-B1-1-L-1",
        "A01-B1-001-X-1",
        "A01-B1-001-L-9",
        "A01-B2-001-L-1",
        "A00-B1-001-L-1",
        "A01-B1-001-L-01",
        "A01-B1-001-L-1 ",
        "A٠1-B1-001-L-1",
    ],
)
def test_codes_off_the_pattern_are_unknown(code: str) -> None:
    """A code that is not exactly one of the layout's (unpadded, other side,
    level or block, zero, extra characters, other digits) is not found."""
    layout = Layout.from_spec(pa_spec())
    assert layout.table.index_of(code) is None
    assert layout.table.index_of("A01-B1-001-L-1") == 0


def test_slots_cost_tens_of_bytes() -> None:
    """A 120,000-slot layout holds its slots in under 40 bytes each."""
    layout = Layout.from_spec(pa_spec(aisles=60, cells=500, levels=2))
    assert len(layout.slots) == 120_000
    assert layout.table.nbytes < 40 * len(layout.slots)


def test_replace_with_other_slots_changes_the_version() -> None:
    """Slots given to ``dataclasses.replace`` become a table; a changed capacity
    changes the version."""
    layout = Layout.from_spec(pa_spec())
    changed = (dataclasses.replace(layout.slots[0], capacity=9.0), *layout.slots[1:])
    other = dataclasses.replace(layout, slots=changed)
    assert isinstance(other.slots, SlotTable) and other.slot(0).capacity == 9.0
    assert other.version != layout.version


def test_from_slots_keeps_every_field() -> None:
    """A table of hand-made slots gives them back equal."""
    slots = [Slot("a", 3, 0, 1, 2, 3, "L", 4, "z", 1.5), Slot("b", 4, 1)]
    assert list(SlotTable.from_slots(slots)) == slots


def test_a_large_layout_suggests_from_the_aisle_named() -> None:
    """An unknown code in a 120,000-slot layout is answered with the nearest code
    of the aisle it names, without comparing it to every code."""
    layout = Layout.from_spec(pa_spec(aisles=60, cells=500, levels=2))
    with pytest.raises(UnknownSlotError, match="did you mean 'A42-B1-317-R-2'"):
        layout.slot("A42-B1-317-R-7")


def test_a_pickled_layout_leaves_its_lookups_behind() -> None:
    """Pickling (how workers receive layouts) keeps the slots, not the memo of
    recently looked-up ones; the copy answers the same."""
    layout = Layout.from_spec(pa_spec(aisles=20, cells=100))
    for s in layout.slots[::7]:
        layout.slot(s.code)
    copy = pickle.loads(pickle.dumps(layout))
    assert copy.version == layout.version and copy.slot("A07-B1-033-R-1") == layout.slot(
        "A07-B1-033-R-1"
    )
    assert len(pickle.dumps(layout)) < 60 * len(layout.slots) + 20_000
