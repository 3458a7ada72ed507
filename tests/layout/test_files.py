"""Bad layout files: missing, unreadable, malformed or of an unknown type,
always naming the file."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from optimizer.errors import LayoutError
from optimizer.layout import Layout
from tests.layout.conftest import graph_spec, raises


def test_malformed_toml(tmp_path: Path) -> None:
    """Broken TOML is reported with the file and the line."""
    path = tmp_path / "broken.toml"
    path.write_text('name = "x"\nkind = "parallel-aisles"\naisles = \n', encoding="utf-8")
    with raises(LayoutError, str(path), "malformed TOML", "line 3"):
        Layout.from_file(path)


def test_malformed_json(tmp_path: Path) -> None:
    """Broken JSON is reported with the file and the line number."""
    path = tmp_path / "broken.json"
    path.write_text('{\n  "kind": "graph",\n  "nodes": [,]\n}\n', encoding="utf-8")
    with raises(LayoutError, str(path), "malformed JSON at line 3"):
        Layout.from_file(path)


def test_json_top_level_must_be_object(tmp_path: Path) -> None:
    """A JSON file whose top level is not an object is refused by name."""
    path = tmp_path / "list.json"
    path.write_text("[1, 2]\n", encoding="utf-8")
    with raises(LayoutError, str(path), "top level", "list"):
        Layout.from_file(path)


def test_unknown_file_type(tmp_path: Path) -> None:
    """Only .toml and .json are layout files; others are named."""
    path = tmp_path / "layout.yaml"
    path.write_text("kind: graph\n", encoding="utf-8")
    with raises(LayoutError, str(path), "unknown layout file type '.yaml'"):
        Layout.from_file(path)


def test_missing_file(tmp_path: Path) -> None:
    """A missing file is named."""
    path = tmp_path / "nowhere.toml"
    with raises(LayoutError, str(path), "no such layout file"):
        Layout.from_file(path)


def test_not_utf8(tmp_path: Path) -> None:
    """A file that is not UTF-8 text is refused with the byte offset."""
    path = tmp_path / "latin.toml"
    path.write_bytes(b'name = "Lager M\xfcnchen"\n')
    with raises(LayoutError, str(path), "not UTF-8", "at byte 15"):
        Layout.from_file(path)


def test_spec_errors_name_the_file(tmp_path: Path) -> None:
    """Errors found after parsing still name the file they came from."""
    path = tmp_path / "typo.json"
    s = copy.deepcopy(graph_spec())
    s["edges"][0]["lenght"] = 1.0
    path.write_text(json.dumps(s), encoding="utf-8")
    with raises(LayoutError, f"{path}: edges[0]", "did you mean 'length'"):
        Layout.from_file(path)


def test_a_5000_digit_number_or_deep_nesting_is_one_error(tmp_path: Path) -> None:
    """Past Python's 4,300-digit limit, or nested 100,000 deep: a LayoutError naming the
    file and the cause, not a ValueError or RecursionError traceback (issue 11)."""
    cases = {
        "huge.toml": 'name = "x"\nkind = "parallel-aisles"\naisles = ' + "9" * 5000 + "\n",
        "huge.json": '{"name": "x", "kind": "parallel-aisles", "aisles": ' + "9" * 5000 + "}",
        "deep.json": "[" * 100_000 + "]" * 100_000,
    }
    for name, text in cases.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        cause = "nested too deeply" if name.startswith("deep") else "a number is too long"
        with raises(LayoutError, str(path), cause):
            Layout.from_file(path)
