"""DemandProfile: counts against a plain count, chunked and columnar reading agree,
malformed rows counted, clear errors for unreadable histories.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optimizer.slotting import (
    DemandProfile,
    HistoryError,
)
from tests.slotting.conftest import write_csv


def naive_profile(rows: list[tuple[str, str, int]]) -> dict[str, tuple[int, int, int]]:
    """SKU -> (picks, units, orders), by plain counting."""
    picks: Counter[str] = Counter()
    units: Counter[str] = Counter()
    orders: dict[str, set[str]] = {}
    for oid, sku, qty in rows:
        picks[sku] += 1
        units[sku] += qty
        orders.setdefault(sku, set()).add(oid)
    return {s: (picks[s], units[s], len(orders[s])) for s in picks}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["o1", "o2", "o3", "o4", "o5"]),
            st.sampled_from(["a", "b", "c", "d", "e", "f"]),
            st.integers(1, 9),
        ),
        min_size=1,
        max_size=60,
    )
)
def test_profile_counts_match_naive(rows: list[tuple[str, str, int]]) -> None:
    """Picks, units and distinct orders per SKU equal a plain count."""
    oids, skus, qty = zip(*rows, strict=True)
    p = DemandProfile.from_arrays(list(oids), list(skus), list(qty))
    got = {s: (int(p.picks[k]), int(p.units[k]), int(p.orders[k])) for k, s in enumerate(p.skus)}
    assert got == naive_profile(rows)
    assert p.n_lines == len(rows) and p.n_orders == len(set(oids))


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 10_000))
def test_copick_pairs_match_naive(seed: int) -> None:
    """The top co-picked pairs and their counts are those of a plain count."""
    rng = np.random.default_rng(seed)
    rows = [(f"o{rng.integers(20)}", f"s{rng.integers(8)}", 1) for _ in range(80)]
    oids, skus, qty = zip(*rows, strict=True)
    p = DemandProfile.from_arrays(list(oids), list(skus), list(qty), top_pairs=100)
    by_order: dict[str, set[str]] = {}
    for oid, sku, _ in rows:
        by_order.setdefault(oid, set()).add(sku)
    naive = Counter(
        pair for skus_ in by_order.values() for pair in itertools.combinations(sorted(skus_), 2)
    )
    assert {(c.a, c.b): c.orders for c in p.pairs} == dict(naive)
    counts = [c.orders for c in p.pairs]
    assert counts == sorted(counts, reverse=True)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_chunked_reading_equals_one_chunk(tmp_path: Path, history, suffix: str) -> None:
    """Reading in small chunks (orders straddle chunks) gives the same profile."""
    path = history.write(tmp_path / f"h{suffix}")
    whole = DemandProfile.from_file(path)
    chunked = DemandProfile.from_file(path, chunk_rows=7)
    assert whole.skus == chunked.skus
    for name in ("picks", "units", "orders"):
        assert np.array_equal(getattr(whole, name), getattr(chunked, name))
    assert whole.n_orders == chunked.n_orders and whole.pairs == chunked.pairs


def test_csv_and_parquet_agree(tmp_path: Path, history) -> None:
    """The same history as CSV and as Parquet gives the same profile."""
    a = DemandProfile.from_file(history.write(tmp_path / "h.csv"))
    b = DemandProfile.from_file(history.write(tmp_path / "h.parquet"))
    assert dict(zip(a.skus, a.picks.tolist(), strict=True)) == dict(
        zip(b.skus, b.picks.tolist(), strict=True)
    )
    assert (a.n_orders, a.n_days, a.first_day, a.last_day) == (
        b.n_orders, b.n_days, b.first_day, b.last_day)  # fmt: skip
    assert a.pairs[0] == b.pairs[0]


def test_generated_profile_matches_generator(history, profile: DemandProfile) -> None:
    """The profile of a generated history counts exactly its lines, orders and days."""
    assert profile.n_lines == history.n_lines
    assert profile.n_orders == history.n_orders
    assert profile.n_days == 21 and profile.first_day == dt.date(2024, 1, 1)


BAD_CSV = """order_id,sku,qty,date
o1,a,1,2024-01-01
o1,b,x,2024-01-01

,,,
o2,a,2
o3,,1,2024-01-02
,c,1,2024-01-02
o4,c,-1,2024-01-02
o5,d,1.5,2024-01-02
o6,d,3,2024-01-0x
o7,e,2,2024-01-03T10:00:00
o7,a,1,2024-01-03
"""


def test_malformed_rows_are_counted_and_the_rest_processed(tmp_path: Path) -> None:
    """Each kind of bad row is counted with its line; the good rows still count."""
    p = DemandProfile.from_file(write_csv(tmp_path / "bad.csv", BAD_CSV))
    assert dict(p.issues.counts) == {
        "empty row": 2,
        "wrong number of fields": 1,
        "missing order_id": 1,
        "missing sku": 1,
        "bad qty": 3,
        "bad date": 1,
    }
    assert p.issues.total == 9
    assert dict(zip(p.skus, p.picks.tolist(), strict=True)) == {"a": 2, "e": 1}
    assert any("line 3" in e and "'x'" in e for e in p.issues.examples["bad qty"])
    assert any("line 6" in e for e in p.issues.examples["wrong number of fields"])
    assert any("line 11" in e for e in p.issues.examples["bad date"])
    assert "9 rows skipped" in p.issues.describe()


def test_missing_column_is_named(tmp_path: Path) -> None:
    """A history without ``qty`` is rejected naming the column and the near miss."""
    path = write_csv(tmp_path / "h.csv", "order_id,sku,qtty\no1,a,1\n")
    with pytest.raises(HistoryError, match=r"missing column 'qty'.*did you mean 'qtty'"):
        DemandProfile.from_file(path)


@pytest.mark.parametrize(
    ("name", "text", "match"),
    [
        ("h.txt", "order_id,sku,qty\n", "unknown history file type"),
        ("missing.csv", None, "no such history file"),
        ("empty.csv", "", "empty file"),
        ("allbad.csv", "order_id,sku,qty\no1,,1\n,a,1\n", "no usable order lines.*2 rows skipped"),
    ],
)
def test_unreadable_histories_are_clear_errors(
    tmp_path: Path, name: str, text: str | None, match: str
) -> None:
    """Wrong type, missing file, empty file, no usable row: one clear HistoryError each."""
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    with pytest.raises(HistoryError, match=match):
        DemandProfile.from_file(path)


def test_sku_master_gives_cubes(tmp_path: Path) -> None:
    """Master cubes join by SKU; SKUs it lacks stay unknown; its extra SKUs are counted."""
    hist = write_csv(tmp_path / "h.csv", "order_id,sku,qty\no1,a,1\no1,b,2\n")
    master = write_csv(tmp_path / "m.csv", "sku,unit_cube\na,2.5\nz,1\n")
    p = DemandProfile.from_file(hist, sku_master=master)
    assert p.unit_cube[p.index["a"]] == 2.5 and np.isnan(p.unit_cube[p.index["b"]])
    assert p.master_only == 1 and p.known_cube == 1


def test_sku_master_bad_cube_names_line(tmp_path: Path) -> None:
    """A negative unit cube in the master is an error naming the line and SKU."""
    hist = write_csv(tmp_path / "h.csv", "order_id,sku,qty\no1,a,1\n")
    master = write_csv(tmp_path / "m.csv", "sku,unit_cube\na,1\nb,-3\n")
    with pytest.raises(HistoryError, match=r"line 3: SKU 'b'"):
        DemandProfile.from_file(hist, sku_master=master)


def test_date_window_keeps_only_those_days(tmp_path: Path, history) -> None:
    """``since``/``until`` keep the lines of those days and count the others."""
    path = history.write(tmp_path / "h.parquet")
    p = DemandProfile.from_file(path, since="2024-01-08", until=dt.date(2024, 1, 14))
    assert (p.first_day, p.last_day, p.n_days) == (dt.date(2024, 1, 8), dt.date(2024, 1, 14), 7)
    assert p.n_lines + p.outside == history.n_lines
