"""规划师 Planners: SC-01 monthly inputs and SC-02 work-log records (key: agent code)."""

from __future__ import annotations

from application.planners import (
    RecordFalsifiedWorkLog,
    RecordMissedWorkLog,
    RecordPlannerMonthlyInputs,
    RecordWorkLogAudit,
)
from interfaces.api.commands import CommandRoute
from interfaces.api.owners import of_agent
from interfaces.api.permissions import Capability as C

TAG = "planners 规划师"

COMMANDS: list[CommandRoute] = [
    CommandRoute(
        "/planners/{agent_code}/monthly-inputs",
        RecordPlannerMonthlyInputs,
        C.PLANNER_RECORDS,
        of_agent("agent_code"),
        example={
            "month": "2026-02",
            "premium_task_rate": "0.85",
            "attendance_rate": "0.9",
            "work_log_pass_rate": "1",
            "discretion_points": 8,
        },
    ),
    CommandRoute(
        "/planners/{owner_code}/work-log-audits",
        RecordWorkLogAudit,
        C.PLANNER_RECORDS,
        of_agent("owner_code"),
        example={
            "log_date": "2026-02-25",
            "supervisor_code": "A0003",
            "supervisor_mark": "18",
            "audited_mark": "11",
        },
    ),
    CommandRoute(
        "/planners/{agent_code}/missed-work-logs",
        RecordMissedWorkLog,
        C.PLANNER_RECORDS,
        of_agent("agent_code"),
        example={"log_date": "2026-02-26"},
    ),
    CommandRoute(
        "/planners/{agent_code}/falsified-work-logs",
        RecordFalsifiedWorkLog,
        C.PLANNER_RECORDS,
        of_agent("agent_code"),
        example={"log_date": "2026-02-24", "note": "日志内容与拜访记录不符"},
    ),
]
