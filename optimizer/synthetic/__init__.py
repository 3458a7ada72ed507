"""Synthetic data: seeded generators of instances and order histories.

Kept apart from the algorithms; tests, benchmarks, ``instances/generate.py``
and the service's warm-up draw their data from here.

- :mod:`~optimizer.synthetic.instances`: :func:`henn_instance` (the Henn &
  Wäscher setting) and :func:`large_wave` (a large Zipf wave for any layout);
- :mod:`~optimizer.synthetic.history`: :func:`generate_history`, days of
  order lines with skewed, drifting, co-ordered demand, as a
  :class:`History`;
- :mod:`~optimizer.synthetic.layouts`: :func:`parallel_aisles` and
  :func:`fishbone`, equal-capacity layouts built in code (and their specs).

Every generator is deterministic for its seed.
"""

from optimizer.synthetic.history import DemandDrift, History, generate_history
from optimizer.synthetic.instances import (
    HENN_CLASSES,
    HENN_SPEC,
    henn_instance,
    henn_layout,
    large_wave,
)
from optimizer.synthetic.layouts import (
    fishbone,
    fishbone_spec,
    parallel_aisles,
    parallel_aisles_spec,
)

__all__ = [
    "henn_instance",
    "henn_layout",
    "large_wave",
    "HENN_SPEC",
    "HENN_CLASSES",
    "generate_history",
    "DemandDrift",
    "History",
    "parallel_aisles",
    "parallel_aisles_spec",
    "fishbone",
    "fishbone_spec",
]
