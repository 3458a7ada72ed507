"""ABC and COI classes of SKUs.

``classify(profile, method="abc")``
    Rank SKUs by picks (most first) and cut the ranking where the cumulative
    share of picks passes the class shares (default 80/15/5 %): class A
    holds the SKUs that together make the first 80 % of picks, and so on.
    A SKU that straddles a boundary belongs to the earlier class.
``classify(profile, method="coi")``
    Rank SKUs by cube-per-order index (Heskett: space needed per order that
    visits the SKU, smallest first; see :meth:`DemandProfile.coi`) and cut
    that ranking by the same cumulative pick shares, so that the classes
    stay comparable.

Both return :class:`Classes`: the class of every SKU, the ranking, and a
table of what each class holds (SKUs, picks, units and their shares).

Notes
-----
One ``argsort`` of the SKUs and one ``cumsum``: O(n log n) for n SKUs.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from optimizer.errors import PickoptError, suggest
from optimizer.slotting.profile import DemandProfile

__all__ = ["Classes", "ClassRow", "classify", "check_shares", "DEFAULT_SHARES", "CLASS_METHODS"]

DEFAULT_SHARES = (0.80, 0.15, 0.05)
CLASS_METHODS = ("abc", "coi")


@dataclass(frozen=True, slots=True)
class ClassRow:
    """What one class holds."""

    label: str
    skus: int
    sku_share: float
    picks: int
    pick_share: float
    units: int
    unit_share: float
    target_share: float


@dataclass(frozen=True, eq=False)
class Classes:
    """SKU classes of a profile.

    Attributes
    ----------
    method
        ``"abc"`` or ``"coi"``.
    shares
        Target cumulative pick share of each class.
    labels
        Class names (``"A"``, ``"B"``, ...).
    code
        Class index of each SKU (0 = A), indexed like ``profile.skus``.
    ranking
        SKU indices from most to least deserving.
    rows
        One :class:`ClassRow` per class.
    """

    method: str
    shares: tuple[float, ...]
    labels: tuple[str, ...]
    code: np.ndarray
    ranking: np.ndarray
    rows: tuple[ClassRow, ...]

    def label_of(self, index: int) -> str:
        """Class name of the SKU at ``index`` in the profile."""
        return self.labels[int(self.code[index])]

    def counts(self) -> np.ndarray:
        """SKUs per class."""
        return np.bincount(self.code, minlength=len(self.labels))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready summary: method, shares and the class table."""
        return {"method": self.method, "shares": list(self.shares), "classes": self.to_rows()}

    def to_rows(self) -> list[dict[str, Any]]:
        """The class table, one dict per class (for CSV and data frames)."""
        return [
            {
                "class": r.label,
                "skus": r.skus,
                "sku_share_pct": round(100 * r.sku_share, 2),
                "picks": r.picks,
                "pick_share_pct": round(100 * r.pick_share, 2),
                "target_pick_share_pct": round(100 * r.target_share, 2),
                "units": r.units,
                "unit_share_pct": round(100 * r.unit_share, 2),
            }
            for r in self.rows
        ]

    def to_markdown(self) -> str:
        """The class table in Markdown."""
        head = "| class | SKUs | % of SKUs | picks | % of picks (target) | units | % of units |"
        lines = [head, "|---|---:|---:|---:|---:|---:|---:|"]
        for r in self.rows:
            lines.append(
                f"| {r.label} | {r.skus:,} | {100 * r.sku_share:.1f} | {r.picks:,} | "
                f"{100 * r.pick_share:.1f} ({100 * r.target_share:.0f}) | {r.units:,} | "
                f"{100 * r.unit_share:.1f} |"
            )
        return "\n".join(lines)


def check_shares(shares: Sequence[float]) -> tuple[float, ...]:
    """Class shares as fractions adding up to 1 (per cent accepted).

    Raises
    ------
    PickoptError
        For no classes or more than 26, a share that is not positive, or
        shares that add up to neither 1 nor 100.

    Examples
    --------
    >>> check_shares([80, 15, 5])
    (0.8, 0.15, 0.05)
    """
    out = tuple(float(s) for s in shares)
    if not out or len(out) > 26:
        raise PickoptError(f"class shares must list 1 to 26 classes, got {len(out)}")
    if any(not math.isfinite(s) or s <= 0 for s in out):
        raise PickoptError(f"class shares must be positive, got {list(shares)}")
    total = sum(out)
    if abs(total - 1.0) > 1e-6:
        if abs(total - 100.0) < 1e-4:  # given in per cent
            return tuple(s / 100.0 for s in out)
        raise PickoptError(f"class shares must add up to 1 (or 100), got {total:g}")
    return out


def classify(
    profile: DemandProfile,
    method: str = "abc",
    shares: Sequence[float] = DEFAULT_SHARES,
    *,
    cover_days: float = 2.0,
) -> Classes:
    """Split the SKUs of ``profile`` into classes.

    Parameters
    ----------
    profile
        The demand.
    method
        ``"abc"`` (rank by picks) or ``"coi"`` (rank by cube-per-order index).
    shares
        Cumulative pick share of each class, fractions or per cent
        (default 80/15/5).
    cover_days
        Days of demand a slot holds, for the COI space estimate.

    Returns
    -------
    Classes
        With the class table in ``rows``.

    Raises
    ------
    PickoptError
        For an unknown method or shares that are not positive and do not
        add up to 1.

    Examples
    --------
    >>> p = DemandProfile.from_arrays(list("abcdefghij"), list("aaaaaaaabc"), [1] * 10)
    >>> c = classify(p, shares=(0.8, 0.1, 0.1))
    >>> [c.label_of(k) for k in range(3)], c.rows[0].pick_share
    (['A', 'B', 'C'], 0.8)
    """
    if method not in CLASS_METHODS:
        raise PickoptError(
            f"unknown classification {method!r}" + suggest(method, CLASS_METHODS)
            + f"; known: {', '.join(CLASS_METHODS)}"
        )  # fmt: skip
    fractions = check_shares(shares)
    n = len(profile)
    picks = profile.picks.astype(np.float64)
    idx = np.arange(n)
    if method == "abc":
        ranking = np.lexsort((idx, -profile.units, -picks))
    else:
        ranking = np.lexsort((idx, -picks, profile.coi(cover_days)))
    total = picks.sum()
    before = np.concatenate([[0.0], np.cumsum(picks[ranking])[:-1]]) / max(total, 1.0)
    bounds = np.cumsum(fractions)[:-1]
    ranked_code = np.searchsorted(bounds, before + 1e-12, side="right")
    code = np.empty(n, dtype=np.int8)
    code[ranking] = ranked_code
    labels = tuple(chr(ord("A") + k) for k in range(len(fractions)))
    count = np.bincount(code, minlength=len(labels))
    cls_picks = np.bincount(code, weights=picks, minlength=len(labels))
    cls_units = np.bincount(code, weights=profile.units, minlength=len(labels))
    units_total = max(float(profile.units.sum()), 1.0)
    rows = tuple(
        ClassRow(
            label,
            int(count[k]),
            float(count[k] / max(n, 1)),
            int(cls_picks[k]),
            float(cls_picks[k] / max(total, 1.0)),
            int(cls_units[k]),
            float(cls_units[k] / units_total),
            fractions[k],
        )
        for k, label in enumerate(labels)
    )
    code.setflags(write=False)
    ranking.setflags(write=False)
    return Classes(method, fractions, labels, code, ranking, rows)
