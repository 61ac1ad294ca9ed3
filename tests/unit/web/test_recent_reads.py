"""RecentReads: an unchanged answer to the same reader counts as read for a window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from emscad.web.recent_reads import RecentReads, digest

T0 = datetime(2026, 7, 6, 22, 20, tzinfo=UTC)


def test_only_an_audited_answer_counts_and_only_for_its_window() -> None:
    reads = RecentReads(window=timedelta(minutes=10))
    key = digest([{"id": "n1", "status": "failed"}])
    assert not reads.audited_lately("sue", key, T0)  # never recorded: audit it
    assert not reads.audited_lately("sue", key, T0)  # asking does not record
    reads.audited("sue", key, T0)
    assert reads.audited_lately("sue", key, T0 + timedelta(minutes=9, seconds=59))
    assert not reads.audited_lately("sue", key, T0 + timedelta(minutes=10))
    assert not reads.audited_lately("ann", key, T0)  # another reader
    assert not reads.audited_lately("sue", digest([{"id": "n1", "status": "sent"}]), T0)
    assert not reads.audited_lately("sue", key, T0 - timedelta(seconds=1))  # clock went back


def test_the_memory_is_bounded_oldest_first() -> None:
    reads = RecentReads(size=2)
    for reader in ("a", "b", "c"):
        reads.audited(reader, "k", T0)
    assert not reads.audited_lately("a", "k", T0)
    assert reads.audited_lately("b", "k", T0)
    assert reads.audited_lately("c", "k", T0)
