"""A sequence built the first time it is read: the step executors, whose modules (shell
parsing, the kubectl and docker fast paths, SQL) cost a console start tens of milliseconds
and are needed only when the first step runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar, overload

T = TypeVar("T")


class OnFirstUse(Sequence[T]):
    """`build()`'s items, built on the first read (on the loop or in a step's worker)."""

    def __init__(self, build: Callable[[], Sequence[T]]) -> None:
        self._build: Callable[[], Sequence[T]] | None = build
        self._items: Sequence[T] = ()

    def _built(self) -> Sequence[T]:
        if self._build is not None:
            self._items, self._build = tuple(self._build()), None
        return self._items

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self._built()[index]

    def __len__(self) -> int:
        return len(self._built())

    def __iter__(self) -> Iterator[T]:
        return iter(self._built())
