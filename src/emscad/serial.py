"""Plain-JSON conversion of domain values (frozen dataclasses, enums, tuples, datetimes)."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from typing import Any


def iso_ms(when: datetime) -> str:
    """RFC 3339 UTC with milliseconds, e.g. 2026-07-06T12:34:19.123Z."""
    return when.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def to_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso_ms(value)
    if isinstance(value, Enum):
        return value.value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, tuple | list):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}
_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...]] = {}
_DECODERS: dict[Any, Callable[[Any], Any]] = {}


def type_hints(cls: type) -> dict[str, Any]:
    """A class's resolved annotations; resolving them is slow, so once per class."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = typing.get_type_hints(cls)
    return found


def fields_of(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = dataclasses.fields(cls)
    return found


def from_json(hint: Any, value: Any) -> Any:
    """Rebuild a value of type `hint` from what `to_json` made of it."""
    return decoder(hint)(value)


def decoder(hint: Any) -> Callable[[Any], Any]:
    """A function that rebuilds values of type `hint`, worked out once per type.

    Reading the board decodes thousands of rows; inspecting type hints for each value was
    most of the cost, so the inspection happens here once and the result is reused.
    """
    found = _DECODERS.get(hint)
    if found is None:
        found = _DECODERS[hint] = _make_decoder(hint)
    return found


def _make_decoder(hint: Any) -> Callable[[Any], Any]:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        inner = decoder(options[0]) if len(options) == 1 else _same
        return lambda v: None if v is None else inner(v)
    if origin is tuple:
        item = decoder(args[0]) if args else _same
        return lambda v: None if v is None else tuple(item(x) for x in v)
    if origin is dict:
        return lambda v: None if v is None else dict(v)
    if hint is datetime:
        return lambda v: None if v is None else datetime.fromisoformat(v.replace("Z", "+00:00"))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return lambda v: None if v is None else hint(v)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = type_hints(hint)
        parts = [(f.name, decoder(hints[f.name])) for f in fields_of(hint)]

        def build(v: Any) -> Any:
            if v is None:
                return None
            return hint(**{name: dec(v[name]) for name, dec in parts if name in v})

        return build
    if hint is float:
        return lambda v: float(v) if isinstance(v, int) else v
    return _same


def _same(value: Any) -> Any:
    return value
