"""Readers for the legacy order-batching files of the OBP collection.

The collection of Gil-Borrás et al. (github ``SergioGilBorras/instancesOBP``,
non-commercial research licence) keeps two classic benchmark families in
their original text formats:

:func:`read_henn`
    Henn & Wäscher (2012): one block of 10 aisles x 45 cells per side, ABC
    or random storage, 40-100 orders, capacity 30-75 articles. A
    ``sett<N>.txt`` file of ``key: value`` lines gives the geometry and the
    capacity; ``<N>[s|l]-<orders>-<capacity>-0.txt`` lists the orders.
:func:`read_albareda`
    Albareda-Sambola et al. (2009), warehouses W1-W4: a positional layout
    file (aisle count, shelf and aisle sizes, capacity, aisle distances to
    the depot) and an order file with due dates, positions and weights.

Both return ``(layout, slotting, orders, cart)``: a :class:`Layout` with
WMS bin codes ``A<aisle>-B1-<cell>-<side>-1`` (aisles 1-based from the
left, cells 1-based from the front cross-aisle, sides ``L``/``R``), a
:class:`Slotting` of the SKUs the orders use, the orders, and the
:class:`Cart` of the instance. Every problem is reported with the file and
line.

Modules: :mod:`~optimizer.io.obp.henn`, :mod:`~optimizer.io.obp.albareda`,
and :mod:`~optimizer.io.obp.text` for what both formats share (non-blank
lines, grid bin codes, merging repeated articles into one order line).
"""

from optimizer.io.obp.albareda import read_albareda
from optimizer.io.obp.henn import read_henn

__all__ = ["read_henn", "read_albareda"]
