"""Address points grouped by street, sorted by house number: exact hits and neighbours."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

I64 = NDArray[np.int64]

_PARITY_LOOKBACK = 64  # neighbours examined for one of the same parity (same side of the street)


class StreetNumbers:
    """For each street, its address points in house-number order (numpy CSR arrays).

    Points without a street or without a leading integer in their number are left out: they
    can still be found by reverse geocoding, never by number.
    """

    def __init__(self, street: I64, number: I64, n_streets: int) -> None:
        usable = np.flatnonzero((street >= 0) & (number >= 0))
        order = usable[np.lexsort((number[usable], street[usable]))]
        self._order: I64 = order.astype(np.int64)
        self._numbers: I64 = number[order].astype(np.int64)
        self._offsets: I64 = np.searchsorted(street[order], np.arange(n_streets + 1)).astype(
            np.int64
        )
        by_number = usable[np.argsort(number[usable], kind="stable")]
        self._sorted_numbers: I64 = number[by_number].astype(np.int64)
        self._street_by_number: I64 = street[by_number].astype(np.int64)

    def count(self, sid: int) -> int:
        return int(self._offsets[sid + 1] - self._offsets[sid])

    def exact(self, sid: int, n: int) -> I64:
        """Points of street `sid` whose number's leading integer is `n`."""
        a, b = int(self._offsets[sid]), int(self._offsets[sid + 1])
        nums = self._numbers[a:b]
        lo = int(np.searchsorted(nums, n, "left"))
        hi = int(np.searchsorted(nums, n, "right"))
        return self._order[a + lo : a + hi]

    def bracket(self, sid: int, n: int) -> tuple[int, int, int, int]:
        """(point, number) just below and just above `n` on the street, same parity preferred.

        Odd and even numbers stand on opposite sides of most US streets, so a neighbour of the
        same parity is the better guide; -1 where there is none.
        """
        a, b = int(self._offsets[sid]), int(self._offsets[sid + 1])
        nums = self._numbers[a:b]
        i = int(np.searchsorted(nums, n, "left"))
        j = int(np.searchsorted(nums, n, "right"))
        lo = _same_parity(nums[max(0, i - _PARITY_LOOKBACK) : i][::-1], n)
        hi = _same_parity(nums[j : j + _PARITY_LOOKBACK], n)
        lo_idx = i - 1 - lo if lo >= 0 else i - 1
        hi_idx = j + hi if hi >= 0 else j
        below = (int(self._order[a + lo_idx]), int(nums[lo_idx])) if lo_idx >= 0 else (-1, -1)
        above = (
            (int(self._order[a + hi_idx]), int(nums[hi_idx])) if hi_idx < len(nums) else (-1, -1)
        )
        return below[0], below[1], above[0], above[1]

    def streets_with(self, n: int) -> set[int]:
        lo = int(np.searchsorted(self._sorted_numbers, n, "left"))
        hi = int(np.searchsorted(self._sorted_numbers, n, "right"))
        return set(np.unique(self._street_by_number[lo:hi]).tolist())

    def middle(self, sid: int) -> int:
        """The point with the median number: where a street-only answer is placed. -1 if none."""
        a, b = int(self._offsets[sid]), int(self._offsets[sid + 1])
        return int(self._order[(a + b) // 2]) if b > a else -1

    def number_range(self, sid: int) -> tuple[int, int] | None:
        a, b = int(self._offsets[sid]), int(self._offsets[sid + 1])
        return (int(self._numbers[a]), int(self._numbers[b - 1])) if b > a else None

    def points(self, sid: int) -> I64:
        return self._order[int(self._offsets[sid]) : int(self._offsets[sid + 1])]


def _same_parity(nums: I64, n: int) -> int:
    hits = np.flatnonzero(nums % 2 == n % 2)
    return int(hits[0]) if len(hits) else -1
