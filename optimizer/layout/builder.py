"""A mutable builder for graph layouts, for people and generators, apart from
the immutable :class:`~optimizer.layout.spec.GraphSpec` it produces (as
PyVRP's ``Model`` is apart from ``ProblemData``).

Examples
--------
A path depot - a - b with one slot on each side of ``b``:

>>> b = GraphBuilder("path")
>>> depot = b.add_node(0.0, 0.0, id="d")
>>> a = b.add_node(1.0, 0.0)
>>> pick = b.add_node(2.5, 0.0)
>>> b.add_edge(depot, a)
>>> b.add_edge(a, pick)
>>> b.add_slot("S-1-L", pick, side="L")
>>> b.add_slot("S-1-R", pick, side="R")
>>> b.add_depot(depot, name="dock")
>>> layout = b.build()
>>> layout.slot("S-1-R").node == layout.slot("S-1-L").node, layout.edge_length.tolist()
(True, [1.0, 1.5])
"""

from __future__ import annotations

from optimizer.layout.model import Layout
from optimizer.layout.spec import DepotSpec, EdgeSpec, GraphSpec, NodeSpec, SlotSpec

__all__ = ["GraphBuilder"]


class GraphBuilder:
    """Collects nodes, edges, slots and depots; :meth:`spec` checks and freezes
    them into a :class:`~optimizer.layout.spec.GraphSpec`, :meth:`build`
    compiles that to a :class:`~optimizer.layout.model.Layout`.

    Parameters
    ----------
    name
        The layout's name.
    """

    def __init__(self, name: str | None = None) -> None:
        self.name = name
        self._nodes: list[NodeSpec] = []
        self._edges: list[EdgeSpec] = []
        self._slots: list[SlotSpec] = []
        self._depots: list[DepotSpec] = []

    def add_node(self, x: float, y: float, *, id: str | int | None = None, kind: str = "plain"
                 ) -> str:  # fmt: skip
        """Add a node at ``(x, y)`` metres and return its id (default: its number)."""
        node = NodeSpec(id=len(self._nodes) if id is None else id, x=x, y=y, kind=kind)
        self._nodes.append(node)
        return str(node.id)

    def add_edge(self, frm: str | int, to: str | int, length: float | None = None) -> None:
        """Connect two nodes; the length defaults to their straight-line distance."""
        self._edges.append(EdgeSpec(frm=frm, to=to, length=length))

    def add_slot(
        self,
        code: str,
        node: str | int,
        *,
        zone: str | None = None,
        capacity: float | None = None,
        aisle: int | None = None,
        level: int | None = None,
        side: str | None = None,
    ) -> None:
        """Add a slot with bin code ``code``, reached from ``node``."""
        self._slots.append(SlotSpec(code=code, node=node, zone=zone, capacity=capacity,
                                    aisle=aisle, level=level, side=side))  # fmt: skip

    def add_depot(self, node: str | int, name: str | None = None) -> None:
        """Put a depot on ``node`` (named ``D1``, ``D2``, ... by default)."""
        self._depots.append(DepotSpec(node=node, name=name))

    def spec(self) -> GraphSpec:
        """The immutable spec of everything added so far."""
        return GraphSpec(name=self.name, nodes=tuple(self._nodes), edges=tuple(self._edges),
                         slots=tuple(self._slots), depots=tuple(self._depots))  # fmt: skip

    def build(self, source: str | None = None) -> Layout:
        """Compile the spec to a frozen layout."""
        return Layout.from_spec(self.spec(), source=source)
