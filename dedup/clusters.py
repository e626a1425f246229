"""Union-find over verified pairs and the choice of a cluster's canonical record."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from datetime import datetime, timezone
from typing import Any, NamedTuple


class UnionFind:
    """Disjoint sets over arbitrary hashable ids (union by size, path halving)."""

    def __init__(self, ids: Iterable[Hashable] = ()) -> None:
        self._parent: dict[Hashable, Hashable] = {}
        self._size: dict[Hashable, int] = {}
        for x in ids:
            self.add(x)

    def add(self, x: Hashable) -> None:
        if x not in self._parent:
            self._parent[x] = x
            self._size[x] = 1

    def find(self, x: Hashable) -> Hashable:
        self.add(x)
        parent = self._parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a: Hashable, b: Hashable) -> Hashable:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        if self._size[ra] < self._size[rb]:
            ra, rb = rb, ra
        self._parent[rb] = ra
        self._size[ra] += self._size.pop(rb)
        return ra

    def groups(self) -> Iterator[list[Hashable]]:
        """Each set as a list of its members, in insertion order."""
        by_root: dict[Hashable, list[Hashable]] = {}
        for x in self._parent:
            by_root.setdefault(self.find(x), []).append(x)
        return iter(by_root.values())

    def __contains__(self, x: Hashable) -> bool:
        return x in self._parent

    def __len__(self) -> int:
        return len(self._parent)


class Member(NamedTuple):
    """What the canonical rule looks at; ``order`` may be an ingestion time or rank."""

    id: Hashable
    published_at: datetime | None
    order: Any
    body_len: int
    url: str


def _as_member(m: Any) -> Member:
    if isinstance(m, Member):
        return m
    if isinstance(m, tuple) and not hasattr(m, "_fields"):
        return Member(*m)
    order = getattr(m, "ingested_at", None)
    if order is None:
        order = m.order
    return Member(m.id, m.published_at, order, m.body_len, m.url)


_EPOCH = datetime.min.replace(tzinfo=timezone.utc)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def canonical_key(m: Member) -> tuple:
    """Earliest published (unknown last), then earliest ingested, longest body, url."""
    published = _utc(m.published_at) if m.published_at is not None else _EPOCH
    return (m.published_at is None, published, m.order, -m.body_len, m.url)


def choose_canonical(members: Iterable[Any]) -> Hashable:
    """Id of the canonical member. Members are ``Member`` tuples, plain tuples in
    ``Member`` field order, or objects with ``id``, ``published_at``, ``ingested_at``
    (or ``order``), ``body_len`` and ``url``. Naive datetimes are taken as UTC."""
    return min((_as_member(m) for m in members), key=canonical_key).id
