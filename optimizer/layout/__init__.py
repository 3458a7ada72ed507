"""The warehouse model: specs, builders, validation, bin codes, ``to_networkx()``."""

from optimizer.layout.model import Depot, DepotPlacement, Layout, ParallelAisles, Slot
from optimizer.layout.spec import build, read_spec

__all__ = ["Layout", "Slot", "Depot", "DepotPlacement", "ParallelAisles", "build", "read_spec"]
