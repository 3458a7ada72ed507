"""Small hand-checkable specs and a message-matching ``raises`` for the layout tests."""

from __future__ import annotations

import re
from typing import Any

import pytest


def graph_spec() -> dict[str, Any]:
    """A path d - a - b - c with slots on a and b and the depot on d."""
    return {
        "name": "path",
        "kind": "graph",
        "nodes": [
            {"id": "d", "x": 0.0, "y": 0.0, "kind": "depot"},
            {"id": "a", "x": 1.0, "y": 0.0, "kind": "pick"},
            {"id": "b", "x": 2.0, "y": 0.0, "kind": "pick"},
            {"id": "c", "x": 3.0, "y": 0.0},
        ],
        "edges": [
            {"from": "d", "to": "a"},
            {"from": "a", "to": "b", "length": 1.5},
            {"from": "b", "to": "c"},
        ],
        "slots": [
            {"code": "S-a-L", "node": "a", "side": "L", "level": 1},
            {"code": "S-b-L", "node": "b", "zone": "fast", "capacity": 2.5, "aisle": 1},
        ],
        "depots": [{"name": "D1", "node": "d"}],
    }


def raises(exc: type[Exception], *fragments: str) -> Any:
    """``pytest.raises`` that also wants every fragment in the message."""
    return pytest.raises(exc, match=".*".join(re.escape(f) for f in fragments))
