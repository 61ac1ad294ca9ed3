"""Plain-JSON conversion of domain values (frozen dataclasses, enums, tuples, datetimes)."""

from __future__ import annotations

import dataclasses
import types
import typing
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


def from_json(hint: Any, value: Any) -> Any:
    """Rebuild a value of type `hint` from what `to_json` made of it."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in args if a is not type(None)]
        return from_json(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        inner = args[0] if args else Any
        return tuple(from_json(inner, v) for v in value)
    if origin is dict:
        return dict(value)
    if hint is datetime:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = typing.get_type_hints(hint)
        return hint(
            **{
                f.name: from_json(hints[f.name], value[f.name])
                for f in dataclasses.fields(hint)
                if f.name in value
            }
        )
    if hint is float and isinstance(value, int):
        return float(value)
    return value
