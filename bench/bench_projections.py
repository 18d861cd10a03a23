"""Data and raw reads for the projection benchmarks (``bench/scenarios/read_side.py``,
``bench/scenarios/ledger.py``; run them with ``policytrail bench``), not part of the test run.

- ``seed``: a realistic mix of policy and agent commands through ``app.execute``;
- ``multiply``: those events copied in SQL (fresh aggregate ids, same payloads) up to a
  number of events;
- ``raw_read``: a sequential read of the log in pages of ``projection_batch_size``, no
  decoding, with the library's ``select_notifications`` and with the runtime's binary
  reader (the baseline), or that read plus decoding with personal fields withheld (no
  data key: what a projection needing no personal data pays) or with every personal
  field decrypted (``mapper.to_domain_event``).
"""

from __future__ import annotations

import hashlib
import time
import uuid
from datetime import date, timedelta
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent

from application.agents import ChangeAgentRank, RegisterAgent
from application.app import PolicyTrail
from application.policies import (
    ChangeContact,
    IssuePolicy,
    LapsePolicy,
    PersonIn,
    RegisterReceipt,
    ReinstatePolicy,
)
from application.results import CommandResult
from bench.data import execute_all
from domain.agent import Agent
from domain.shared.actor import Actor
from projections.source import ReadSide

ACTOR = Actor("bench", "admin")


def seed(app: PolicyTrail, commands: int) -> None:
    """``commands`` commands (agents, then policies and their life events), stored
    through the application's batch path (``bench.data.execute_all``)."""
    agents = max(commands // 50, 1)
    batch: list[Any] = [
        RegisterAgent(
            code=f"A{a:05d}",
            name="李四",
            id_number=f"1101011985{a:08d}",
            rank_series="销售",
            rank_level="中级",
            branch="北京分公司",
            phone=f"139{a:08d}",
            joined_on=date(2020, 1, 1),
        )
        for a in range(agents)
    ]
    senior: set[str] = set()  # agents whose rank was toggled to 高级 (toggle_rank, batched)
    done, i = agents, 0
    while done < commands:
        number = f"P{i:010d}"
        holder = PersonIn(
            name="张三",
            id_number=f"1101011990{i:08d}",
            birthday=date(1990, 1, 1),
            phone=f"138{i:08d}",
            address="北京市朝阳区建国路1号",
        )
        batch.append(
            IssuePolicy(
                number=number,
                channel="个险" if i % 3 else "银保",
                product_type="分红",
                term_value=20,
                payment_mode="期缴",
                payment_period_years=10,
                payment_frequency="年交",
                premium="12000.00",
                policyholder=holder,
                insured=holder,
                agent_code=f"A{i % agents:05d}",
                branch="北京分公司",
                underwritten_on=date(2026, 2, 20),
            )
        )
        signed = date(2026, 2, 21)
        batch.append(
            RegisterReceipt(
                policy_number=number, signed_on=signed, registered_on=signed + timedelta(days=1 + i % 3)
            )
        )
        done += 2
        if i % 4 == 0:
            batch.append(ChangeContact(policy_number=number, phone=f"137{i:08d}"))
            done += 1
        if i % 10 == 0:
            batch.append(LapsePolicy(policy_number=number, lapsed_on=date(2026, 2, 25)))
            batch.append(ReinstatePolicy(policy_number=number, reinstated_on=date(2026, 2, 26)))
            done += 2
        if i % 25 == 0:
            code = f"A{i % agents:05d}"
            senior ^= {code}
            batch.append(rank_change(code, "高级" if code in senior else "中级"))
            done += 1
        i += 1
    execute_all(app, batch, ACTOR)


def rank_change(code: str, level: str) -> ChangeAgentRank:
    return ChangeAgentRank(code=code, rank_series="销售", rank_level=level, effective_on=date(2026, 2, 1))


def toggle_rank(app: PolicyTrail, code: str) -> CommandResult:
    level = app.get(Agent, Agent.id_for(code)).rank.level
    return app.execute(rank_change(code, "高级" if level == "中级" else "中级"), ACTOR)


def multiply(app: PolicyTrail, target: int) -> None:
    """Copy the seeded events under fresh aggregate ids until the log holds ``target``.

    Each copy is sealed again for its new row (``PersonalDataMapper.seal_row``): a state
    copied as stored into another row would be refused on read (RC-03)."""
    have = app.max_position()
    copies = max(target // max(have, 1) - 1, 0)
    mapper = app.mapper
    ids, keys = app.personal.ids, mapper.fields.keys
    with psycopg.connect(app.database.url, autocommit=True) as conn:
        seeded = conn.execute(
            f"SELECT originator_id, originator_version, topic, state FROM {app.events_table} "
            "ORDER BY notification_id"
        ).fetchall()
        plain = [(o, v, t, mapper.opened_state(StoredEvent(o, v, t, bytes(s)))) for o, v, t, s in seeded]
        # Aggregates with fields sealed under their own key (not a person's): each copy
        # needs a fresh key, created for a whole copy at once (one round trip, not two per
        # subject with a commit each: that was 60 % of the quick scenario on the embedded server)
        own_key = sorted({o for o, _, _, s in seeded if f'"_pd_":"{ids.aggregate(o).hex}"'.encode() in s})
        with conn.cursor() as cur:
            for g in range(1, copies + 1):
                rows = []
                copy_ids = {o: uuid.UUID(hashlib.md5(f"{o}{g}".encode()).hexdigest()) for o, *_ in seeded}
                keys.create(ids.aggregate(copy_ids[o]) for o in own_key)
                for originator_id, version, topic, state in plain:
                    copy_id = copy_ids[originator_id]
                    rows.append((copy_id, version, topic, mapper.seal_row(state, copy_id, version, topic)))
                with cur.copy(
                    f"COPY {app.events_table} (originator_id, originator_version, topic, state) FROM STDIN"
                ) as copy:
                    for row in rows:
                        copy.write_row(row)
        conn.execute(f"ANALYZE {app.events_table}")


def raw_read(app: PolicyTrail, page: int, how: str) -> float:
    """Events/s of a sequential read of the whole log: ``library`` (select_notifications),
    ``binary`` (the runtime's reader), ``decode`` (binary + decode with personal fields
    withheld: no data key, what read models needing no personal data pay),
    ``decode-personal`` (binary + decode with every personal field decrypted, each page's
    data keys fetched in one query as the runtime does)."""
    source = ReadSide.from_app(app).source
    started, after, n = time.perf_counter(), 0, 0
    while True:
        if how == "library":
            batch: Any = app.recorder.select_notifications(start=after + 1, limit=page)
        else:
            batch = source.read(after, page)
        if not batch:
            break
        if how == "decode":
            for item in batch:
                source.decode(item)
        elif how == "decode-personal":
            source.preload_keys(batch)  # as the runtime does: the page's data keys in one query
            for item in batch:
                source.decode_personal(item)
        n += len(batch)
        after = batch[-1].id
    return n / (time.perf_counter() - started)
