"""Readers for the TSPLIB-like text files of Hessler & Irnich (2024).

One header of ``KEY : value`` lines describes a single-block warehouse
(aisles, cells per side, distances, depot), then sections list articles,
their storage locations (``SKU_SECTION``) and the order(s). Aisles are
numbered from 0 and cells from the *top* cross-aisle, so cell 0 is the one
nearest the back; pickopt counts from the front, and the readers convert.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from optimizer.errors import LayoutError
from optimizer.layout import Layout

__all__ = ["read_sprp", "parse_file", "layout_from_header"]

_SECTIONS = ("ARTICLE_SECTION", "SKU_SECTION", "ORDER_SECTION")


def parse_file(path: str | Path) -> tuple[dict[str, str], dict[str, list[tuple[int, list[str]]]]]:
    """Split a file into its header and sections.

    Returns
    -------
    header
        ``KEY -> value`` of the leading ``KEY : value`` lines.
    sections
        Section name -> list of ``(line number, tokens)`` of its body lines.
    """
    p = Path(path)
    if not p.is_file():
        raise LayoutError(f"{p}: no such file")
    header: dict[str, str] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    text = p.read_bytes().decode("latin-1")  # comments carry non-UTF-8 names
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line == "EOF":
            continue
        if line in _SECTIONS:
            current = line
            sections[current] = []
        elif current is None:
            key, sep, value = line.partition(":")
            if not sep:
                raise LayoutError(f"{p}:{lineno}: expected 'KEY : value', got {line!r}")
            header[key.strip()] = value.strip()
        else:
            sections[current].append((lineno, line.replace(":", " ").split()))
    return header, sections


def _get(header: dict[str, str], key: str, path: str | Path, kind: type = float) -> Any:
    if key not in header:
        raise LayoutError(f"{path}: header has no {key!r}")
    try:
        return kind(header[key])
    except ValueError:
        raise LayoutError(f"{path}: {key} = {header[key]!r} is not a {kind.__name__}") from None


def layout_from_header(header: dict[str, str], path: str | Path) -> Layout:
    """The single-block :class:`Layout` a Hessler-Irnich header describes.

    Parameters
    ----------
    header
        From :func:`parse_file`.
    path
        The file, for error messages and the layout name.
    """
    if header.get("LAYOUT", "single-block") != "single-block":
        raise LayoutError(f"{path}: LAYOUT {header['LAYOUT']!r} is not supported")
    top = _get(header, "DISTANCE_TOP_TO_CELL", path)
    bottom = _get(header, "DISTANCE_BOTTOM_TO_CELL", path)
    if abs(top - bottom) > 1e-12:
        raise LayoutError(f"{path}: different top ({top}) and bottom ({bottom}) cell distances")
    location = header.get("DEPOT_LOCATION", "bottom")
    if location not in ("bottom", "top"):
        raise LayoutError(f"{path}: DEPOT_LOCATION {location!r} is not 'bottom' or 'top'")
    spec = {
        "name": Path(path).stem,
        "kind": "parallel-aisles",
        "aisles": _get(header, "NUM_AISLES", path, int),
        "cells": _get(header, "NUM_CELLS", path, int),
        "cell_length": _get(header, "DISTANCE_CELL_TO_CELL", path),
        "aisle_spacing": _get(header, "DISTANCE_AISLE_TO_AISLE", path),
        "cross_aisle_to_cell": top,
        "sides": 2,
        "levels": 1,
        "depots": [
            {
                "name": "depot",
                "aisle": _get(header, "DEPOT_AISLE", path, int) + 1,
                "at": "front" if location == "bottom" else "back",
                "setback": _get(header, "DISTANCE_TOP_OR_BOTTOM_TO_DEPOT", path),
            }
        ],
    }
    return Layout.from_spec(spec, source=str(path))


def bin_code(layout: Layout, aisle: int, cell: int, side: str, where: str) -> str:
    """Bin code of a Hessler-Irnich location (0-based aisle, cell from the top)."""
    geo = layout.aisles
    assert geo is not None
    if not 0 <= aisle < geo.n_aisles or not 0 <= cell < geo.cells:
        raise LayoutError(f"{where}: location aisle {aisle}, cell {cell} is outside the layout")
    side_code = {"left": "L", "right": "R"}.get(side)
    if side_code is None:
        raise LayoutError(f"{where}: side {side!r} is not 'left' or 'right'")
    code = layout.slots[0].code  # widths of the numbers follow the layout
    wa, wc = len(code.split("-")[0]) - 1, len(code.split("-")[2])
    return f"A{aisle + 1:0{wa}d}-B1-{geo.cells - cell:0{wc}d}-{side_code}-1"


def sku_locations(
    sections: dict[str, list[tuple[int, list[str]]]], layout: Layout, path: str | Path
) -> dict[str, list[str]]:
    """SKU id -> bin codes, from ``SKU_SECTION``."""
    where: dict[str, list[str]] = {}
    for lineno, tok in sections.get("SKU_SECTION", []):
        if tok[0] == "NUM_SKUS":
            continue
        try:
            fields = dict(zip(tok[0::2], tok[1::2], strict=False))
            code = bin_code(
                layout,
                int(fields["AISLE"]),
                int(fields["CELL"]),
                fields.get("LEFT_RIGHT_HAND_SIDE", "left"),
                f"{path}:{lineno}",
            )
            where.setdefault(fields["ID"], []).append(code)
        except (KeyError, ValueError):
            raise LayoutError(f"{path}:{lineno}: malformed SKU line {' '.join(tok)!r}") from None
    return where


def read_sprp(path: str | Path) -> tuple[Layout, list[str]]:
    """Read a single-picker routing (SPRP) instance.

    Parameters
    ----------
    path
        A file such as ``unit_F1_m5_C30_a7_12.txt``.

    Returns
    -------
    layout, picks
        The warehouse and the bin codes to visit (one per ordered article;
        an article stored in several places contributes its first location).
    """
    header, sections = parse_file(path)
    layout = layout_from_header(header, path)
    where = sku_locations(sections, layout, path)
    picks: list[str] = []
    for lineno, tok in sections.get("ORDER_SECTION", []):
        if tok[0] == "NUM_ARTICLES":
            continue
        if tok[0] != "ID" or len(tok) < 2:
            raise LayoutError(f"{path}:{lineno}: malformed order line {' '.join(tok)!r}")
        if tok[1] not in where:
            raise LayoutError(f"{path}:{lineno}: article {tok[1]} has no storage location")
        picks.append(where[tok[1]][0])
    if not picks:
        raise LayoutError(f"{path}: ORDER_SECTION lists no articles")
    return layout, picks
