"""The one exception tree of pickopt.

Every error a user can cause derives from :class:`PickoptError` and names its
culprit (file, key, bin code, order id) in the message, so the CLI can print
one readable line and the service can answer with a 4xx body.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "PickoptError",
    "LayoutError",
    "UnknownSlotError",
    "CapacityError",
    "RoutingError",
    "suggest",
]


class PickoptError(Exception):
    """Root of every error pickopt raises on purpose."""


class LayoutError(PickoptError):
    """A layout spec or file is malformed, inconsistent or disconnected."""


class UnknownSlotError(PickoptError, KeyError):
    """A bin code, slot id or SKU that the layout or slotting does not know."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class CapacityError(PickoptError):
    """Something does not fit: an order larger than any cart, a full slot."""


class RoutingError(PickoptError):
    """A route cannot be computed: empty pick list, unreachable pick, bad method."""


def suggest(word: str, choices: Iterable[str]) -> str:
    """Return ``" (did you mean 'x'?)"`` for the closest choice, or ``""``.

    Parameters
    ----------
    word
        What the user wrote.
    choices
        The valid spellings.
    """
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""
