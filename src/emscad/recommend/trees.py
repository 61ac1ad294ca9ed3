"""The reverse searches of recent recommendations, kept by incident position.

The console asks for an incident's recommendation again whenever the board moves, and the
search from the incident is most of the cost of an answer. Its travel times depend only on
the roads and the incident's position, never on where the units are, so it serves every
later answer for that incident: as long as it reaches as far as the new answer needs
(routing.fleet reuses a tree whose limit covers the search it would run), and otherwise a
wider search replaces it. Trees are packed (routing.packed) and the least recently used go
once the budget is spent.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from emscad.routing import Mode, Snap, TreeTo
from emscad.routing.packed import PackedTreeTo, pack, unpack

# About 100 bounded searches on a 200k-junction region (1 MB each at the 99th percentile).
DEFAULT_BUDGET_BYTES = 96 * 2**20

_Key = tuple[Mode, int, float]


def _key(mode: Mode, target: Snap) -> _Key:
    return (mode, target.seg, target.fraction)


def _wider(a: float | None, b: float | None) -> bool:
    """Whether a limit `a` reaches at least as far as `b` (None: the whole map)."""
    return a is None or (b is not None and a >= b)


class TargetTrees:
    def __init__(self, *, budget_bytes: int = DEFAULT_BUDGET_BYTES) -> None:
        self.budget_bytes = budget_bytes
        self._trees: OrderedDict[_Key, PackedTreeTo] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, mode: Mode, target: Snap) -> TreeTo | None:
        key = _key(mode, target)
        with self._lock:
            packed = self._trees.get(key)
            if packed is None:
                return None
            self._trees.move_to_end(key)
        return unpack(packed)

    def put(self, tree: TreeTo) -> None:
        """Keep the tree, unless one reaching at least as far is kept for its target."""
        key = _key(tree.mode, tree.target)
        with self._lock:
            kept = self._trees.get(key)
            if kept is not None and _wider(kept.limit_s, tree.limit_s):
                return
        packed = pack(tree)  # outside the lock: it copies arrays
        if packed.nbytes > self.budget_bytes:
            return
        with self._lock:
            kept = self._trees.get(key)  # another answer may have kept one meanwhile
            if kept is not None and _wider(kept.limit_s, tree.limit_s):
                return
            old = self._trees.pop(key, None)
            if old is not None:
                self._bytes -= old.nbytes
            self._trees[key] = packed
            self._bytes += packed.nbytes
            while self._bytes > self.budget_bytes:
                _, dropped = self._trees.popitem(last=False)
                self._bytes -= dropped.nbytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._trees)

    @property
    def nbytes(self) -> int:
        with self._lock:
            return self._bytes
