"""A small progress bar on stderr for long steps (reading a history, replay, the nightly job).

No dependency: one line redrawn with ``\\r`` at most ten times a second. It
draws only when asked (``enabled=True``) or, by default, when the stream is
a terminal, so logs and tests stay clean.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO

__all__ = ["Progress"]


class Progress:
    """A text progress bar: ``label [#####-----]  52%  3.1 s``.

    Parameters
    ----------
    label
        What is running, e.g. ``"reading history"``.
    total
        The amount of work (rows, bytes, days); ``None`` shows only a count.
    enabled
        ``True`` draws, ``False`` never draws, ``None`` draws when ``stream``
        is a terminal.
    stream
        Where to draw (default ``sys.stderr``).
    unit
        Shown after the count when there is no total, e.g. ``"rows"``.

    Examples
    --------
    >>> with Progress("replay", total=3, enabled=False) as bar:
    ...     for _ in range(3):
    ...         bar.advance()
    >>> bar.done
    3.0
    """

    WIDTH = 28
    INTERVAL = 0.1

    def __init__(
        self,
        label: str,
        total: float | None = None,
        *,
        enabled: bool | None = None,
        stream: TextIO | None = None,
        unit: str = "",
    ) -> None:
        self.label = label
        self.total = total if total and total > 0 else None
        self.stream = stream if stream is not None else sys.stderr
        self.unit = unit
        if enabled is None:
            isatty = getattr(self.stream, "isatty", None)
            enabled = bool(isatty and isatty())
        self.enabled = enabled
        self.done = 0.0
        self._t0 = time.perf_counter()
        self._last = -1.0

    def __enter__(self) -> Progress:
        if self.total:
            self._draw(force=True)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def advance(self, amount: float = 1.0) -> None:
        """Count ``amount`` more units of work done."""
        self.done += amount
        self._draw()

    def update(self, done: float) -> None:
        """Set the work done so far."""
        self.done = done
        self._draw()

    def close(self) -> None:
        """Draw the final state and end the line."""
        if self.enabled:
            self._draw(force=True)
            self.stream.write("\n")
            self.stream.flush()
            self.enabled = False

    def _draw(self, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self._last < self.INTERVAL:
            return
        self._last = now
        elapsed = now - self._t0
        if self.total:
            frac = min(1.0, self.done / self.total)
            filled = int(round(frac * self.WIDTH))
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            text = f"{self.label} [{bar}] {100 * frac:3.0f}%  {elapsed:.1f} s"
        else:
            unit = f" {self.unit}" if self.unit else ""
            text = f"{self.label}  {self.done:,.0f}{unit}  {elapsed:.1f} s"
        self.stream.write("\r" + text)
        self.stream.flush()
