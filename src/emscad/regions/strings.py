"""A string pool: regions store each distinct string once and refer to it by index."""

from __future__ import annotations

from collections.abc import Iterable

from emscad.regions.model import NO_STRING


class StringPool:
    def __init__(self, initial: Iterable[str] = ()) -> None:
        self._items: list[str] = []
        self._index: dict[str, int] = {}
        for s in initial:
            self._items.append(s)
            self._index.setdefault(s, len(self._items) - 1)

    def add(self, value: str | None) -> int:
        """The index of `value`, adding it if new; NO_STRING for None or ''."""
        if not value:
            return NO_STRING
        found = self._index.get(value)
        if found is not None:
            return found
        self._items.append(value)
        self._index[value] = len(self._items) - 1
        return len(self._items) - 1

    def __len__(self) -> int:
        return len(self._items)

    def freeze(self) -> tuple[str, ...]:
        return tuple(self._items)
