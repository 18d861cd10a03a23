"""What the demo insurer sells and who works there (产品、渠道、机构、人员) — synthetic.

Weights are rough shares of a mid-sized Chinese life insurer's new business: agency
(个险) sells critical-illness and participating products, bancassurance (银保) sells
single-premium participating / universal / unit-linked products, telesales and online
sell term life and one-year accident / medical cover (which needs no callback, CB-01).
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.shared.actor import Actor, Role


@dataclass(frozen=True)
class Branch:
    name: str  # 机构
    code: str  # prefix of agent codes, staff ids and policy numbers
    city: str
    districts: tuple[str, ...]
    area_codes: tuple[str, ...]  # first 6 digits of resident ID numbers issued there


BRANCHES: tuple[Branch, ...] = (
    Branch(
        "北京分公司",
        "BJ",
        "北京市",
        ("朝阳区", "海淀区", "东城区", "西城区", "丰台区", "通州区", "昌平区"),
        ("110105", "110108", "110101", "110102", "110106", "110112", "110114"),
    ),
    Branch(
        "上海分公司",
        "SH",
        "上海市",
        ("浦东新区", "徐汇区", "静安区", "杨浦区", "闵行区", "黄浦区", "宝山区"),
        ("310115", "310104", "310106", "310110", "310112", "310101", "310113"),
    ),
    Branch(
        "广东分公司",
        "GD",
        "广州市",
        ("天河区", "越秀区", "海珠区", "白云区", "番禺区", "荔湾区", "黄埔区"),
        ("440106", "440104", "440105", "440111", "440113", "440103", "440112"),
    ),
)

#: channel → share of individual new business
CHANNEL_SHARES: dict[str, float] = {"个险": 0.55, "银保": 0.25, "电销": 0.07, "网销": 0.08, "经代": 0.05}

#: (payment mode, payment years, frequency)
Payment = tuple[str, int, str]
SINGLE: Payment = ("趸交", 0, "趸交")


@dataclass(frozen=True)
class Product:
    name: str
    product_type: str  # 传统/分红/万能/投连 (QN-01)
    terms: tuple[tuple[int, str], ...]  # (value, unit) choices
    payments: tuple[Payment, ...]
    premium: tuple[int, int]  # yuan per payment, drawn log-uniformly
    group: bool = False

    @property
    def short_term(self) -> bool:
        """Term of one year or less: no callback (CB-01)."""
        return all(unit == "年" and value <= 1 for value, unit in self.terms)


PRODUCTS: dict[str, Product] = {
    p.name: p
    for p in (
        Product(
            "康宁终身重大疾病保险",
            "传统",
            ((0, "终身"),),
            (("期缴", 10, "年交"), ("期缴", 20, "年交"), ("期缴", 30, "年交")),
            (3_000, 20_000),
        ),
        Product(
            "守护定期寿险",
            "传统",
            ((20, "年"), (30, "年")),
            (("期缴", 20, "年交"), ("期缴", 20, "月交"), ("期缴", 30, "年交")),
            (600, 6_000),
        ),
        Product("安心意外伤害保险", "传统", ((1, "年"),), (SINGLE,), (100, 600)),
        Product("e康住院医疗保险", "传统", ((1, "年"),), (SINGLE,), (200, 1_500)),
        Product("少儿学平险", "传统", ((1, "年"),), (SINGLE,), (80, 300)),
        Product(
            "鑫享人生两全保险（分红型）",
            "分红",
            ((20, "年"), (15, "年")),
            (("期缴", 10, "年交"), ("期缴", 5, "年交"), ("期缴", 3, "年交")),
            (10_000, 50_000),
        ),
        Product(
            "金满仓年金保险（分红型）",
            "分红",
            ((0, "终身"),),
            (("期缴", 5, "年交"), ("期缴", 10, "年交"), SINGLE),
            (20_000, 200_000),
        ),
        Product(
            "金账户终身寿险（万能型）",
            "万能",
            ((0, "终身"),),
            (SINGLE, ("期缴", 5, "年交")),
            (50_000, 500_000),
        ),
        Product("智盈投资连结保险", "投连", ((0, "终身"), (10, "年")), (SINGLE,), (100_000, 1_000_000)),
        Product("团体意外伤害保险", "传统", ((1, "年"),), (SINGLE,), (20_000, 200_000), group=True),
        Product(
            "团体年金保险（分红型）",
            "分红",
            ((10, "年"),),
            (("期缴", 10, "年交"),),
            (100_000, 900_000),
            group=True,
        ),
    )
}

#: channel → product name → weight
CHANNEL_PRODUCTS: dict[str, dict[str, float]] = {
    "个险": {
        "康宁终身重大疾病保险": 30,
        "守护定期寿险": 10,
        "安心意外伤害保险": 8,
        "少儿学平险": 3,
        "鑫享人生两全保险（分红型）": 25,
        "金满仓年金保险（分红型）": 15,
        "金账户终身寿险（万能型）": 6,
        "智盈投资连结保险": 3,
    },
    "银保": {
        "鑫享人生两全保险（分红型）": 30,
        "金满仓年金保险（分红型）": 35,
        "金账户终身寿险（万能型）": 25,
        "智盈投资连结保险": 10,
    },
    "电销": {"康宁终身重大疾病保险": 30, "守护定期寿险": 20, "安心意外伤害保险": 40, "e康住院医疗保险": 10},
    "网销": {"e康住院医疗保险": 40, "安心意外伤害保险": 30, "守护定期寿险": 20, "康宁终身重大疾病保险": 10},
    "经代": {
        "康宁终身重大疾病保险": 40,
        "金账户终身寿险（万能型）": 20,
        "金满仓年金保险（分红型）": 20,
        "守护定期寿险": 20,
    },
}

GROUP_PRODUCTS = tuple(p.name for p in PRODUCTS.values() if p.group)

#: the 20 agents of a branch: (rank series, level, channel they sell in)
BRANCH_AGENTS: tuple[tuple[str, str, str], ...] = (
    ("管理", "高级", "个险"),
    ("管理", "中级", "个险"),
    ("管理", "初级", "个险"),
    ("管理", "初级", "银保"),
    ("管理", "准初级", "个险"),
    ("销售", "资深", "个险"),
    ("销售", "资深", "银保"),
    ("销售", "高级", "个险"),
    ("销售", "高级", "个险"),
    ("销售", "高级", "经代"),
    ("销售", "中级", "个险"),
    ("销售", "中级", "个险"),
    ("销售", "中级", "银保"),
    ("销售", "中级", "电销"),
    ("销售", "初级", "个险"),
    ("销售", "初级", "个险"),
    ("销售", "初级", "网销"),
    ("销售", "初级", "个险"),
    ("销售", "见习", "个险"),
    ("销售", "见习", "个险"),
)

#: who speaks to the customers: the central call centre's seats
CALL_CENTRE_SEATS = tuple(f"CC{n:03d}" for n in range(1, 13))

CORE_SYSTEM = Actor.system("core-system")  # 核心业务系统: issue, cooling-off cancellations
HR_SYSTEM = Actor.system("hr-system")  # 人事系统: agent records
SCHEDULER = Actor.system("scheduler")  # policytrail tick


def call_centre(seat: str) -> Actor:
    return Actor(id=seat, role=Role.CALLCENTRE)


def branch_staff(branch: Branch, kind: str, n: int = 1) -> Actor:
    """Branch staff: KF 客服专员 (work orders), NQ 内勤 (receipts, transfers), PZ 品质 (quality)."""
    return Actor(id=f"{branch.code}-{kind}{n:02d}", role=Role.BRANCH)


def manager(agent_code: str) -> Actor:
    return Actor(id=agent_code, role=Role.MANAGER)


def agent_actor(agent_code: str) -> Actor:
    return Actor(id=agent_code, role=Role.AGENT)


def servicer_actor(agent_code: str) -> Actor:
    return Actor(id=agent_code, role=Role.SERVICER)
