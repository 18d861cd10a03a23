"""The ServiceCase aggregate's obligations and records (时效义务与服务记录): PS-04, PS-05.

Command methods mixed into ``ServiceCase`` (``case.py``), which holds the events and
the state they use; the checks they apply live in ``rules``.
"""

from __future__ import annotations

from datetime import date, timedelta

from domain.service_case import rules
from domain.service_case.vocabulary import (
    ServiceClass,
    ServiceItem,
    parse_enum,
)
from domain.shared.aggregate import Context
from domain.shared.errors import AlreadyExists, RuleViolation


class ServiceCaseObligations:
    """疑难件报告书, 生存金返还通知书 and service records of a ServiceCase."""

    def _difficult_report_due(self, ctx: Context) -> None:
        due_on = self.premium_due_on - timedelta(days=1) if self.premium_due_on else None
        self._record(
            self.DifficultCaseReportDue,
            ctx,
            premium_due_on=self.premium_due_on,
            due_on=due_on,
            rule_id="PS-04",
        )

    def record_premium_due_date(self, premium_due_on: date, ctx: Context) -> None:
        """PS-04: the next premium due date orders the contacting and dates the report."""
        self._require_open()
        if premium_due_on == self.premium_due_on:
            return
        self._record(self.PremiumDueDateRecorded, ctx, premium_due_on=premium_due_on, rule_id="PS-04")
        if self.service_class == ServiceClass.DIFFICULT and self.difficult_report_filed_on is None:
            self._difficult_report_due(ctx)

    def file_difficult_case_report(self, filed_on: date, ctx: Context) -> None:
        """PS-04: the 疑难件报告书 goes to quality control before the premium due date;
        a later filing is recorded as late."""
        self.require_existed_at("filed_on", filed_on)  # RC-01b
        self._require_in_service("PS-04")
        if self.service_class != ServiceClass.DIFFICULT:
            raise RuleViolation(
                "PS-04",
                "a difficult-case report is filed for a 困难件 only",
                "只有困难件需要递交疑难件报告书",
                service_class=self.service_class,
            )
        if self.difficult_report_filed_on is not None:
            if self.difficult_report_filed_on == filed_on:
                return
            raise AlreadyExists(
                f"the report was filed on {self.difficult_report_filed_on}",
                f"疑难件报告书已于 {self.difficult_report_filed_on} 递交",
            )
        self._require_since_assignment(filed_on, "report filing", "报告递交日期", ctx)
        due_on = self.difficult_report_due_on
        self._record(
            self.DifficultCaseReportFiled,
            ctx,
            filed_on=filed_on,
            premium_due_on=self.premium_due_on,
            due_on=due_on,
            late=due_on is not None and filed_on > due_on,
            rule_id="PS-04",
        )

    def schedule_survival_benefit_notice(self, anniversary_on: date, ctx: Context) -> None:
        """PS-04: a survival benefit is payable at ``anniversary_on``; the notice is due
        the day before (生效对应日前送达)."""
        self._require_open()
        if anniversary_on in self.survival_notices:
            return
        self._record(
            self.SurvivalBenefitNoticeDue,
            ctx,
            anniversary_on=anniversary_on,
            due_on=anniversary_on - timedelta(days=1),
            rule_id="PS-04",
        )

    def deliver_survival_benefit_notice(
        self, *, anniversary_on: date, delivered_on: date, ctx: Context
    ) -> None:
        """PS-04: the notice was delivered; after the due day it is recorded as late."""
        self.require_existed_at("delivered_on", delivered_on)  # RC-01b
        self._require_in_service("PS-04")
        self._require_since_assignment(delivered_on, "notice delivery", "通知书送达日期", ctx)
        self.schedule_survival_benefit_notice(anniversary_on, ctx)
        delivered = self.survival_notices[anniversary_on]
        if delivered is not None:
            if delivered == delivered_on:
                return
            raise AlreadyExists(
                f"the {anniversary_on} notice was delivered on {delivered}",
                f"{anniversary_on} 的生存金返还通知书已于 {delivered} 送达",
            )
        due_on = anniversary_on - timedelta(days=1)
        self._record(
            self.SurvivalBenefitNoticeDelivered,
            ctx,
            anniversary_on=anniversary_on,
            due_on=due_on,
            delivered_on=delivered_on,
            late=delivered_on > due_on,
            rule_id="PS-04",
        )

    # ----- service items (PS-05) -------------------------------------------------------
    def record_service_item(
        self,
        *,
        item: str,
        served_on: date,
        content: str,
        customer_attitude: str,
        result: str,
        ctx: Context,
    ) -> None:
        """PS-05: a delivered item, recorded on the service card with the three things
        every record needs (服务内容、客户态度、问题解答及处理结果)."""
        self._require_in_service("PS-05")
        item = parse_enum(ServiceItem, item, "service item 服务项目", "PS-05")
        if not self.card_number:
            raise RuleViolation(
                "PS-05",
                "service records go on the customer service card; create the card first",
                "服务记录填写在客户服务卡上，请先建立客户服务卡",
            )
        rules.require_complete_record(content, customer_attitude, result)
        self._require_since_assignment(served_on, "service date", "服务日期", ctx)
        self._record(
            self.ServiceItemRecorded,
            ctx,
            item=item,
            served_on=served_on,
            content=content.strip(),
            customer_attitude=customer_attitude.strip(),
            result=result.strip(),
            card_number=self.card_number,
            rule_id="PS-05",
        )
