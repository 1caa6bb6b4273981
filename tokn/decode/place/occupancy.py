"""A collision map of axis-aligned boxes with tags.

Every drawn thing is a box with a tag: a net name for wires and pin lines (things that may
touch other things of the same net), ``None`` for text and bodies (which touch nothing).
A new box may overlap an existing one only when the existing box's tag is in the new box's
``allowed`` set.  Boxes are kept in grid buckets, so a lookup costs what is near it.
"""
from __future__ import annotations

from collections.abc import Iterable

Box = tuple[float, float, float, float]
BUCKET = 10.0


class Occupancy:
    """Boxes drawn so far, with :meth:`free` to test and :meth:`add` to record."""

    def __init__(self) -> None:
        self._boxes: list[tuple[Box, object]] = []
        self._grid: dict[tuple[int, int], list[int]] = {}

    @staticmethod
    def _cells(b: Box):
        for i in range(int(b[0] // BUCKET), int(b[2] // BUCKET) + 1):
            for j in range(int(b[1] // BUCKET), int(b[3] // BUCKET) + 1):
                yield i, j

    def free(self, box: Box, allowed: Iterable = ()) -> bool:
        """True when ``box`` overlaps no recorded box except those tagged in ``allowed``."""
        allowed = set(allowed)
        seen: set[int] = set()
        for c in self._cells(box):
            for k in self._grid.get(c, ()):
                if k in seen:
                    continue
                seen.add(k)
                b, tag = self._boxes[k]
                if tag is not None and tag in allowed:
                    continue
                if box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]:
                    return False
        return True

    def tags_hit(self, box: Box) -> set:
        """Tags of every recorded box that ``box`` overlaps."""
        out = set()
        for c in self._cells(box):
            for k in self._grid.get(c, ()):
                b, tag = self._boxes[k]
                if box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3]:
                    out.add(tag)
        return out

    def all_free(self, items: list[tuple[Box, object, frozenset]]) -> bool:
        """Every (box, tag, allowed) in ``items`` is free against the map (not each other)."""
        return all(self.free(b, allowed) for b, _, allowed in items)

    def add(self, box: Box, tag: object = None) -> None:
        k = len(self._boxes)
        self._boxes.append((box, tag))
        for c in self._cells(box):
            self._grid.setdefault(c, []).append(k)

    def remove(self, tag: object) -> None:
        """Forget every box tagged ``tag`` (a reservation no longer needed)."""
        for k, (b, t) in enumerate(self._boxes):
            if t == tag:
                for c in self._cells(b):
                    self._grid[c].remove(k)
                self._boxes[k] = ((0.0, 0.0, 0.0, 0.0), ("removed", k))

    def mark(self) -> int:
        """A point to :meth:`undo` to."""
        return len(self._boxes)

    def undo(self, mark: int) -> None:
        """Forget every box added after ``mark``."""
        for k in range(mark, len(self._boxes)):
            b, t = self._boxes[k]
            if isinstance(t, tuple) and t[0] == "removed":
                continue
            for c in self._cells(b):
                self._grid[c].remove(k)
        del self._boxes[mark:]

    def extent(self) -> Box | None:
        boxes = [b for b, t in self._boxes if not (isinstance(t, tuple) and t[0] == "removed")]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes),
                max(b[2] for b in boxes), max(b[3] for b in boxes))
