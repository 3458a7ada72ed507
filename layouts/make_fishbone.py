"""Write ``layouts/fishbone.json``, the fishbone warehouse of Gue & Meller (2009).

The generator is :func:`optimizer.synthetic.layouts.fishbone_spec` (its
docstring draws the geometry); this script only writes its default spec.
Run ``python layouts/make_fishbone.py``; the output is deterministic, and
``tests/layout/test_shipped.py`` checks the committed file is what the
generator produces.
"""

from __future__ import annotations

from pathlib import Path

from optimizer.layout import format_spec_json
from optimizer.synthetic.layouts import fishbone_spec

OUT = Path(__file__).resolve().parent / "fishbone.json"


def main() -> None:
    """Write ``layouts/fishbone.json`` and print its size."""
    spec = fishbone_spec()
    OUT.write_text(format_spec_json(spec), encoding="utf-8")
    print(f"wrote {OUT.name}: {len(spec['nodes'])} nodes, {len(spec['edges'])} edges, "
          f"{len(spec['slots'])} slots")  # fmt: skip


if __name__ == "__main__":
    main()
