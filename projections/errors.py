"""Errors of the read side, each one readable line (Chinese and English)."""

from __future__ import annotations


class ProjectionError(Exception):
    """Base of read-side errors."""


class UnknownProjection(ProjectionError):
    def __init__(self, name: str, known: list[str]) -> None:
        super().__init__(f"unknown projection {name!r} (known: {', '.join(known)}) 未知的投影 {name!r}")


class ProjectionFailed(ProjectionError):
    """A projection met an event it cannot handle (poison) and stopped there.

    Everything before the event is committed; the projection does not move past it
    until the code is fixed (events are never skipped silently).
    """

    def __init__(self, projection: str, position: int, topic: str, reason: str) -> None:
        self.projection = projection
        self.position = position
        self.topic = topic
        self.reason = reason
        super().__init__(
            f"projection {projection} stopped at event {position} ({topic}): {reason} "
            f"投影 {projection} 停在第 {position} 号事件"
        )


class PositionMoved(ProjectionError):
    """Someone else moved the tracking position (a rebuild swap or another runner):
    the batch was rolled back and the runner reloads its position."""
