"""Where each projection stands (投影状态): position, lag, events/s, state."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from projections import registry
from projections.runtime import connect
from projections.source import ReadSide
from projections.tracking import Positions, build_key


@dataclass(frozen=True)
class Status:
    name: str
    title: str
    position: int | None
    head: int
    rate: float | None  # events per busy second of the last runner
    state: str
    running: bool
    error: str | None = None
    rebuild_position: int | None = None  # a blue-green rebuild under way
    updated_at: datetime | None = None

    @property
    def lag(self) -> int | None:
        return None if self.position is None else max(self.head - self.position, 0)

    @property
    def caught_up(self) -> bool:
        return self.lag == 0 and self.error is None


def status(side: ReadSide, names: list[str] | None = None) -> list[Status]:
    projections = registry.resolve(names)
    head = side.source.head()
    positions = Positions(side.schema)
    with connect(side.url) as conn:
        positions.ensure(conn)
        with conn.cursor() as cur:
            rows = positions.all(cur)
            keys = [p.name for p in projections] + [build_key(p.name) for p in projections]
            held = positions.holders(cur, keys)
    result = []
    for p in projections:
        row = rows.get(p.name)
        build = rows.get(build_key(p.name))
        running = p.name in held
        rebuilding = build is not None and build_key(p.name) in held
        if row is None:
            state = "not started 未开始"
        elif row.error:
            state = "failed 故障"
        elif row.version != p.version:
            state = f"rebuild needed 需重建 (v{row.version} → v{p.version})"
        elif head - row.position <= 0:
            state = "live 实时" if running else "caught up 已追平"
        else:
            state = "catching up 追赶中" if running else "stopped 已停止"
        if rebuilding:
            state += " · rebuilding 重建中"
        result.append(
            Status(
                name=p.name,
                title=p.title,
                position=row.position if row else None,
                head=head,
                rate=row.rate if row else None,
                state=state,
                running=running,
                error=row.error if row else None,
                rebuild_position=build.position if build is not None and rebuilding else None,
                updated_at=row.updated_at if row else None,
            )
        )
    return result
