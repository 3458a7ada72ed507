"""How each field of a layout spec is checked: one small check per kind of
value (integer, length, text, node id, ...), each normalising what it accepts
and describing itself as JSON Schema, and :class:`SpecError`, which names the
place and key of a mistake.

:mod:`optimizer.layout.spec` declares the spec classes with these checks, so
the same rule reads a file, an HTTP body or a spec built by hand, and writes
the documented schema.

Examples
--------
>>> Integer()(3.0, "aisles"), Number()(2, "cell_length")
(3, 2.0)
>>> Number()(-1.5, "cell_length")
Traceback (most recent call last):
...
optimizer.layout.checks.SpecError: layout spec: 'cell_length' must be > 0, got -1.5
>>> Number().schema(ref=lambda cls: {})
{'type': 'number', 'exclusiveMinimum': 0.0, 'maximum': 1000000.0}
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from types import MappingProxyType
from typing import Any, TypeAlias

from optimizer.errors import LayoutError, suggest

__all__ = [
    "SpecError",
    "KeyPath",
    "Check",
    "Integer",
    "Number",
    "Text",
    "Choice",
    "NodeId",
    "CrossAisle",
    "Zones",
    "Nullable",
    "Items",
    "SpecBase",
    "spec_field",
    "key_of",
    "from_mapping",
    "object_schema",
    "LENGTH",
    "COUNT",
    "NAME",
    "MAX_COUNT",
    "MAX_LENGTH",
    "MAX_COORDINATE",
    "MAX_TEXT",
    "MAX_NODE_ID",
]

MAX_COUNT = 1_000_000  # aisles, cells, levels, ...: more is a typo
MAX_LENGTH = 1e6  # metres; one kilometre-long cell is already absurd
MAX_COORDINATE = 1e7  # metres
MAX_TEXT = 128  # characters of a name, bin code, zone or side
MAX_NODE_ID = 2**53  # integer ids survive a round trip through JSON numbers

KeyPath: TypeAlias = tuple[str | int, ...]


class SpecError(LayoutError):
    """A layout spec is wrong at one place.

    ``where`` is the path of the table holding the mistake (``("depots", 0)``),
    ``key`` the key at fault (or None), ``reason`` the sentence without the
    place; ``str()`` reads ``"<source>: depots[0]: <reason>"``.
    """

    def __init__(
        self,
        reason: str,
        *,
        where: KeyPath = (),
        key: str | None = None,
        source: str | None = None,
    ) -> None:
        self.reason = reason
        self.where = where
        self.key = key
        self.source = source
        place = _render(where)
        head = source or "layout spec"
        super().__init__(f"{head}: {place}: {reason}" if place else f"{head}: {reason}")

    @property
    def path(self) -> KeyPath:
        """Where the mistake is, down to the key: ``("depots", 0, "aisle")``."""
        return self.where + ((self.key,) if self.key is not None else ())

    def within(self, *outer: str | int) -> SpecError:
        """The same error, seen from the table that holds ``outer``."""
        return SpecError(self.reason, where=outer + self.where, key=self.key, source=self.source)

    def located(self, source: str | None) -> SpecError:
        """The same error, naming the file (or upload) it came from."""
        return SpecError(self.reason, where=self.where, key=self.key, source=source)


def _render(where: KeyPath) -> str:
    """``("depots", 0)`` -> ``"depots[0]"``; ``("zones", "fast")`` -> ``"zones.fast"``."""
    out = ""
    for part in where:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


# ---- checks: one per kind of value, each also its own JSON Schema -------------
class Check(ABC):
    """Validates (and normalises) one value; knows its JSON Schema."""

    @abstractmethod
    def __call__(self, value: Any, key: str) -> Any:
        """The value as the spec keeps it, or a :class:`SpecError` naming ``key``."""

    @abstractmethod
    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        """The JSON Schema of the values this check accepts (``ref`` spells a
        reference to a spec class)."""


@dataclass(frozen=True)
class Integer(Check):
    """An integer in ``minimum .. maximum``; whole floats (``3.0``) count, bools do not."""

    minimum: int = 1
    maximum: int = MAX_COUNT
    too_large: str | None = None  # the sentence when above maximum, if not the generic one

    def __call__(self, value: Any, key: str) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise SpecError(f"{key!r} must be an integer, got {value!r}", key=key)
        if value < self.minimum:
            raise SpecError(f"{key!r} must be >= {self.minimum}, got {value!r}", key=key)
        if value > self.maximum:
            rule = self.too_large or f"must be <= {self.maximum:,}"
            raise SpecError(f"{key!r} {rule}, got {value!r}", key=key)
        return value

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"type": "integer", "minimum": self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Number(Check):
    """A finite float >= minimum (> minimum when ``strict``) and <= maximum."""

    minimum: float = 0.0
    strict: bool = True
    maximum: float = MAX_LENGTH

    def __call__(self, value: Any, key: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise SpecError(f"{key!r} must be a number, got {value!r}", key=key)
        v = float(value)
        if not math.isfinite(v):
            raise SpecError(f"{key!r} must be finite, got {value!r}", key=key)
        if v < self.minimum or (self.strict and v == self.minimum):
            op = ">" if self.strict else ">="
            raise SpecError(f"{key!r} must be {op} {self.minimum:g}, got {value!r}", key=key)
        if v > self.maximum:
            raise SpecError(f"{key!r} must be <= {self.maximum:g}, got {value!r}", key=key)
        return v

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        bound = "exclusiveMinimum" if self.strict else "minimum"
        return {"type": "number", bound: self.minimum, "maximum": self.maximum}


@dataclass(frozen=True)
class Text(Check):
    """A string of ``min_length`` to ``MAX_TEXT`` characters."""

    min_length: int = 0

    def __call__(self, value: Any, key: str) -> str:
        if not isinstance(value, str):
            raise SpecError(f"{key!r} must be a string, got {value!r}", key=key)
        if len(value) < self.min_length:
            raise SpecError(f"{key!r} must not be empty", key=key)
        if len(value) > MAX_TEXT:
            raise SpecError(f"{key!r} must be at most {MAX_TEXT} characters long", key=key)
        return value

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"type": "string", "minLength": self.min_length, "maxLength": MAX_TEXT}


@dataclass(frozen=True)
class Choice(Check):
    """One of ``choices``; a near miss is answered with the closest one."""

    choices: tuple[str, ...]
    label: str  # "node kind": "unknown node kind 'pik' (did you mean 'pick'?)"

    def __call__(self, value: Any, key: str) -> str:
        if value not in self.choices:
            raise SpecError(
                f"unknown {self.label} {value!r}" + suggest(str(value), self.choices), key=key
            )
        return str(value)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"enum": list(self.choices)}


class NodeId(Check):
    """A node id: a string or an integer, used as its text."""

    def __call__(self, value: Any, key: str) -> str:
        if type(value) is str and 0 < len(value) <= MAX_TEXT:  # the common case, first
            return value
        if isinstance(value, float) and value.is_integer():  # JSON's 1e3 is an integer
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise SpecError(f"node ids must be strings or integers, got {value!r}", key=key)
        if isinstance(value, int) and abs(value) > MAX_NODE_ID:
            raise SpecError(f"node id {value} is out of range (|id| <= 2**53)", key=key)
        if isinstance(value, str) and not 1 <= len(value) <= MAX_TEXT:
            raise SpecError(f"node ids must have 1 to {MAX_TEXT} characters", key=key)
        return str(value)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "string", "minLength": 1, "maxLength": MAX_TEXT},
                {"type": "integer", "minimum": -MAX_NODE_ID, "maximum": MAX_NODE_ID},
            ]
        }


class CrossAisle(Check):
    """``"front"``, ``"back"`` or a cross-aisle index; the range is checked by
    :class:`~optimizer.layout.spec.ParallelAislesSpec`, which knows the number of blocks."""

    def __call__(self, value: Any, key: str) -> Any:
        return int(value) if isinstance(value, float) and value.is_integer() else value

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {
            "anyOf": [
                {"enum": ["front", "back"]},
                {"type": "integer", "minimum": 0, "maximum": MAX_COUNT},
            ]
        }


class Zones(Check):
    """Zone name -> aisle numbers; the aisles are checked by
    :class:`~optimizer.layout.spec.ParallelAislesSpec`, which knows how many there are."""

    def __call__(self, value: Any, key: str) -> Mapping[str, tuple[int, ...]]:
        if not isinstance(value, Mapping):
            raise SpecError("expected a table of zone -> list of aisles", where=(key,))
        zones: dict[str, tuple[int, ...]] = {}
        for zone, aisles in value.items():
            if not isinstance(aisles, list | tuple):
                raise SpecError("expected a list of aisle numbers", where=(key, str(zone)))
            zones[str(zone)] = tuple(aisles)
        return MappingProxyType(zones)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        aisle = {"type": "integer", "minimum": 1, "maximum": MAX_COUNT}
        return {"type": "object", "additionalProperties": {"type": "array", "items": aisle}}


@dataclass(frozen=True)
class Nullable(Check):
    """``None`` (JSON ``null``, or left out) or a value ``inner`` accepts."""

    inner: Check

    def __call__(self, value: Any, key: str) -> Any:
        return None if value is None else self.inner(value, key)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"anyOf": [self.inner.schema(ref), {"type": "null"}]}


@dataclass(frozen=True)
class Items(Check):
    """A non-empty list of tables, each read into ``item`` (or already one)."""

    item: type

    def __call__(self, value: Any, key: str) -> tuple[Any, ...]:
        if not isinstance(value, list | tuple):
            raise SpecError(f"{key!r} must be a list, got {type(value).__name__}", key=key)
        if not value:
            raise SpecError(f"{key!r} must not be empty", key=key)
        out = []
        for k, raw in enumerate(value):
            if isinstance(raw, self.item):
                out.append(raw)
                continue
            try:
                out.append(from_mapping(self.item, raw))
            except SpecError as exc:
                raise exc.within(key, k) from None
        return tuple(out)

    def schema(self, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
        return {"type": "array", "items": ref(self.item), "minItems": 1}


def spec_field(check: Check, default: Any = MISSING, *, key: str | None = None) -> Any:
    """A dataclass field with its check and, if not its name, its key in files
    (a mapping default, always ``{}`` here, becomes an empty read-only mapping)."""
    metadata = {"check": check, "key": key}
    if isinstance(default, Mapping):
        return field(default_factory=lambda: MappingProxyType({}), metadata=metadata)
    return field(default=default, metadata=metadata)


LENGTH = Number()  # metres, > 0
COUNT = Integer()  # >= 1
NAME = Nullable(Text())  # optional text


class SpecBase:
    """Shared behaviour of the spec dataclasses: per-field checks on
    construction, keys, ``to_dict``."""

    def __post_init__(self) -> None:
        for f in _layout_of(type(self)).fields:
            value = f.check(getattr(self, f.name), f.key)
            object.__setattr__(self, f.name, value)
        self._check()

    def _check(self) -> None:
        """Checks across fields (after every field passed its own)."""

    def to_dict(self) -> dict[str, Any]:
        """The spec as plain data (``None`` and defaults left out), as a file holds it."""
        out: dict[str, Any] = {}
        for f in fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None or (f.init and f.default is not MISSING and value == f.default):
                continue
            if isinstance(value, Mapping) and not value:
                continue
            if isinstance(value, tuple) and value and isinstance(value[0], SpecBase):
                value = [v.to_dict() for v in value]
            elif isinstance(value, Mapping):
                value = {k: list(v) for k, v in value.items()}
            if f.init or f.name == "kind":
                out[key_of(f)] = value
        return out


def key_of(f: Any) -> str:
    """The key of dataclass field ``f`` in spec files (``frm`` is ``from``)."""
    return f.metadata.get("key") or f.name


def from_mapping(cls: type, raw: Any) -> Any:
    """Check the keys of ``raw`` and build ``cls`` from it."""
    if type(raw) is not dict and not isinstance(raw, Mapping):  # dicts skip the ABC check
        raise SpecError(f"expected a table/object, got {type(raw).__name__}")
    layout = _layout_of(cls)
    for key in raw:
        if key not in layout.allowed:
            raise SpecError(f"unknown key {key!r}" + suggest(str(key), layout.allowed),
                            key=str(key))  # fmt: skip
    for f in layout.fields:
        if f.required and f.key not in raw:
            raise SpecError(f"missing key {f.key!r}", key=f.key)
    return cls(**{f.name: raw[f.key] for f in layout.fields if f.key in raw})


@dataclass(frozen=True)
class _Field:
    name: str
    key: str
    check: Check
    required: bool


@dataclass(frozen=True)
class _ClassLayout:
    fields: tuple[_Field, ...]  # the ones set in __init__, in order
    allowed: tuple[str, ...]  # every key a file may use


_CLASS_LAYOUTS: dict[type, _ClassLayout] = {}


def _layout_of(cls: type) -> _ClassLayout:
    """The fields of a spec class, read once per class (``dataclasses.fields``
    is slow for specs with thousands of slots)."""
    found = _CLASS_LAYOUTS.get(cls)
    if found is None:
        init = tuple(
            _Field(
                f.name,
                key_of(f),
                f.metadata["check"],
                f.default is MISSING and f.default_factory is MISSING,
            )  # fmt: skip
            for f in fields(cls)
            if f.init
        )
        found = _CLASS_LAYOUTS[cls] = _ClassLayout(init, tuple(key_of(f) for f in fields(cls)))
    return found


def object_schema(cls: type, ref: Callable[[type], dict[str, Any]]) -> dict[str, Any]:
    """The JSON Schema of spec class ``cls``, from its fields' checks and defaults."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for f in fields(cls):
        key = key_of(f)
        if not f.init:  # the tier's "kind": required and constant
            properties[key] = {"const": f.default, "type": "string"}
            required.append(key)
            continue
        prop = f.metadata["check"].schema(ref)
        if f.default is not MISSING:
            prop["default"] = f.default
        elif f.default_factory is MISSING:
            required.append(key)
        properties[key] = prop
    doc = (cls.__doc__ or "").strip().split("\n\n")[0]
    return {
        "title": cls.__name__,
        "description": " ".join(doc.split()),
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": False,
    }
