"""Rows skipped while reading a file, counted by reason with a few examples.

Readers that skip what they cannot use, instead of failing on the first bad
row, keep an :class:`IssueLog` while they read and hand out its frozen
:class:`RowIssues`, which says in one line what was left out and where.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["RowIssues", "IssueLog", "REASONS", "KEEP_EXAMPLES"]

#: Examples kept per reason.
KEEP_EXAMPLES = 3
#: Reasons a history row is skipped, in the order they are checked (a row counts once).
REASONS = (
    "empty row",
    "wrong number of fields",
    "missing order_id",
    "missing sku",
    "bad qty",
    "bad date",
)


@dataclass(frozen=True)
class RowIssues:
    """Rows skipped while reading a history, by reason.

    Attributes
    ----------
    counts
        Reason -> number of rows (reasons as in ``REASONS``).
    examples
        Reason -> up to three descriptions naming the line, order and SKU.
    """

    counts: Mapping[str, int] = field(default_factory=dict)
    examples: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Rows skipped in all."""
        return sum(self.counts.values())

    def describe(self) -> str:
        """One line for people, e.g. ``"2 rows skipped: 1 bad qty (line 3: ...)"``."""
        if not self.total:
            return "no rows skipped"
        parts = []
        for reason, n in self.counts.items():
            ex = self.examples.get(reason, ())
            parts.append(f"{n:,} {reason}" + (f" ({'; '.join(ex)})" if ex else ""))
        return f"{self.total:,} row{'s' if self.total != 1 else ''} skipped: " + ", ".join(parts)


class IssueLog:
    """Mutable tally behind :class:`RowIssues`.

    Examples
    --------
    >>> log = IssueLog()
    >>> log.add("bad qty", 2, ["line 3: qty 'x'", "line 7: qty '-1'"])
    >>> log.add("empty row", 1, ["line 5"])
    >>> log.freeze().describe()
    "3 rows skipped: 1 empty row (line 5), 2 bad qty (line 3: qty 'x'; line 7: qty '-1')"
    """

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.examples: dict[str, list[str]] = {}

    def add(self, reason: str, n: int = 1, examples: Iterable[str] = ()) -> None:
        """Count ``n`` rows skipped for ``reason``, keeping the first few examples."""
        if n <= 0:
            return
        self.counts[reason] = self.counts.get(reason, 0) + n
        kept = self.examples.setdefault(reason, [])
        for ex in examples:
            if len(kept) >= KEEP_EXAMPLES:
                break
            kept.append(ex)

    def wants_examples(self, reason: str) -> bool:
        """Whether more examples of ``reason`` would be kept (so worth describing)."""
        return len(self.examples.get(reason, ())) < KEEP_EXAMPLES

    def freeze(self) -> RowIssues:
        """The tally so far, reasons in the order of :data:`REASONS`."""
        order = {r: k for k, r in enumerate(REASONS)}
        reasons = sorted(self.counts, key=lambda r: order.get(r, len(order)))
        return RowIssues(
            {r: self.counts[r] for r in reasons},
            {r: tuple(self.examples.get(r, ())) for r in reasons},
        )
