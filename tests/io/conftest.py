"""Helpers shared by the reader tests: writing a made-up file, matching an error's place."""

from __future__ import annotations

import re
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import pytest


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def raises_at(
    error: type[Exception], path: Path, line: int | None, message: str
) -> AbstractContextManager[Any]:
    """``pytest.raises`` for a message starting with ``path:line:`` and containing ``message``."""
    where = re.escape(f"{path}:{line}: " if line is not None else f"{path}: ")
    return pytest.raises(error, match=rf"^{where}.*{re.escape(message)}")


def replace_line(text: str, line: int, new: str) -> str:
    lines = text.splitlines()
    lines[line - 1] = new
    return "\n".join(lines) + "\n"


#: The CSV dialects every reader accepts: name -> delimiter.
DIALECTS = {
    "utf-8 bom": ",",
    "crlf": ",",
    "semicolon": ";",
    "tab": "\t",
    "semicolon bom crlf": ";",
}


def in_dialect(text: str, dialect: str) -> bytes:
    """Comma-separated ``text`` (no commas inside fields) as a file in ``dialect``."""
    text = text.replace(",", DIALECTS[dialect])
    if "crlf" in dialect:
        text = text.replace("\n", "\r\n")
    data = text.encode("utf-8")
    return b"\xef\xbb\xbf" + data if "bom" in dialect else data
