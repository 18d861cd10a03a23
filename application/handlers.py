"""The handler table (命令处理表): which function handles each command, and which
reactions follow each event — written out, as cosmicpython's ``COMMAND_HANDLERS``.

A new command: its model and handler in the subject's module, one row here. The
application is given this table (``application/app.py``); nothing registers itself
on import. Reactions run in the order listed (each event's own, then its bases').
"""

from __future__ import annotations

from application import (
    agents,
    allocation,
    branches,
    callbacks,
    claims,  # SL-03, SL-04
    complaints,  # SL-01
    planners,
    policies,
    renewals,  # SL-02
    service_cases,
    work_orders,
)
from application.messages import Command
from application.personal_data import access, erasure
from application.unit_of_work import Handler, Reaction, Registry
from domain.callback import Callback
from domain.contact_point import ContactPoint
from domain.policy import Policy
from domain.service_case import ServiceCase
from domain.work_order import WorkOrder

COMMAND_HANDLERS: dict[type[Command], Handler] = {
    branches.RegisterBranch: branches.register_branch,
    agents.RegisterAgent: agents.register_agent,
    agents.ChangeAgentRank: agents.change_agent_rank,
    agents.ChangeAgentPhone: agents.change_agent_phone,
    agents.RecordAgentDeparture: agents.record_agent_departure,
    planners.RecordPlannerMonthlyInputs: planners.record_planner_monthly_inputs,
    planners.RecordWorkLogAudit: planners.record_work_log_audit,
    planners.RecordMissedWorkLog: planners.record_missed_work_log,
    planners.RecordFalsifiedWorkLog: planners.record_falsified_work_log,
    allocation.RegisterCustomerResources: allocation.register_customer_resources,
    allocation.AllocateResources: allocation.allocate_resources,
    allocation.ReallocateResources: allocation.reallocate_resources,
    callbacks.RecordCallAttempt: callbacks.record_call_attempt,
    callbacks.CheckIdentity: callbacks.check_identity,
    callbacks.RecordAnswers: callbacks.record_answers,
    callbacks.AbandonCall: callbacks.abandon_call,
    callbacks.CloseExpiredCycle: callbacks.close_expired_cycle,
    callbacks.RecordSignedQuestionnaire: callbacks.record_signed_questionnaire,
    callbacks.ApplySpecialCallback: callbacks.apply_special_callback,
    callbacks.DecideSpecialCallback: callbacks.decide_special_callback,
    claims.ReportClaim: claims.report_claim,
    claims.DispatchClaim: claims.dispatch_claim,
    claims.AgreeClaimArrival: claims.agree_claim_arrival,
    claims.RecordClaimStep: claims.record_claim_step,
    claims.ExcludeClaimStep: claims.exclude_claim_step,
    claims.SettleAssessmentPlan: claims.settle_assessment_plan,
    claims.CompleteClaimDocuments: claims.complete_claim_documents,
    claims.AgreeDifficultClaim: claims.agree_difficult_claim,
    claims.CloseClaim: claims.close_claim,
    claims.RecordCareCall: claims.record_care_call,
    complaints.ReceiveComplaint: complaints.receive_complaint,
    complaints.AcknowledgeComplaint: complaints.acknowledge_complaint,
    complaints.ClassComplaintComplex: complaints.class_complaint_complex,
    complaints.EscalateComplaint: complaints.escalate_complaint,
    complaints.DecideComplaint: complaints.decide_complaint,
    policies.IssuePolicy: policies.issue_policy,
    policies.SignReceipt: policies.sign_receipt,
    policies.RegisterReceipt: policies.register_receipt,
    policies.ChangeContact: policies.change_contact,
    policies.ReassignAgent: policies.reassign_agent,
    policies.CancelInCoolingOff: policies.cancel_in_cooling_off,
    policies.LapsePolicy: policies.lapse_policy,
    policies.ReinstatePolicy: policies.reinstate_policy,
    renewals.OpenRenewalReminders: renewals.open_renewal_reminders,
    renewals.RecordRenewalReminder: renewals.record_renewal_reminder,
    renewals.EndRenewalReminders: renewals.end_renewal_reminders,
    service_cases.OpenServiceCase: service_cases.open_service_case,
    service_cases.AssignServiceCase: service_cases.assign_service_case,
    service_cases.SignServiceList: service_cases.sign_service_list,
    service_cases.RefuseServiceCase: service_cases.refuse_service_case,
    service_cases.CreateServiceCard: service_cases.create_service_card,
    service_cases.RecordContactAttempt: service_cases.record_contact_attempt,
    service_cases.ClassifyDifficultCase: service_cases.classify_difficult_case,
    service_cases.RecordPremiumDueDate: service_cases.record_premium_due_date,
    service_cases.FileDifficultCaseReport: service_cases.file_difficult_case_report,
    service_cases.ScheduleSurvivalBenefitNotice: service_cases.schedule_survival_benefit_notice,
    service_cases.DeliverSurvivalBenefitNotice: service_cases.deliver_survival_benefit_notice,
    service_cases.RecordServiceItem: service_cases.record_service_item,
    service_cases.RecordReinstatementVisit: service_cases.record_reinstatement_visit,
    service_cases.ReviewReinstatementResult: service_cases.review_reinstatement_result,
    service_cases.CloseServiceCase: service_cases.close_service_case,
    work_orders.AssignWorkOrder: work_orders.assign_work_order,
    work_orders.FileOverdueStatement: work_orders.file_overdue_statement,
    work_orders.ResolveWorkOrder: work_orders.resolve_work_order,
    work_orders.RecordExplanationRecheck: work_orders.record_explanation_recheck,
    access.RecordPersonalDataRead: access.record_read,
    access.RecordUnmaskedExport: access.record_unmasked_export,
    erasure.EraseSubject: erasure.erase_subject,
}

EVENT_REACTIONS: dict[type, list[Reaction]] = {
    Policy.ReceiptRegistered: [callbacks.open_callback],
    Policy.ContactChanged: [callbacks.follow_contact_change],
    ContactPoint.DuplicateNumberFlagged: [callbacks.flag_duplicate_numbers],
    ContactPoint.AgentNumberFlagged: [callbacks.flag_duplicate_numbers],
    Policy.CancelledInCoolingOff: [callbacks.exclude_callback],
    Policy.AgentReassigned: [service_cases.open_case_on_reassignment],
    Policy.Lapsed: [service_cases.lapsed_case_on_lapse],
    Policy.Reinstated: [service_cases.normal_case_on_reinstatement],
    ServiceCase.AssignmentRefused: [service_cases.disqualify_on_refusal],
    Callback.OutcomeDecided: [work_orders.open_work_orders],
    WorkOrder.Resolved: [work_orders.reopen_callback],
    WorkOrder.Escalated: [work_orders.open_second_explanation],
    Callback.Excluded: [work_orders.withdraw_work_orders],
}

#: what ``PolicyTrail`` runs commands with
HANDLERS = Registry(COMMAND_HANDLERS, EVENT_REACTIONS)
