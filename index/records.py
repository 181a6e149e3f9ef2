"""Typed records produced by the parser. Plain dataclasses with line spans;
tables are built from these and never re-parsed from text downstream."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import ROUND_HALF_UP, Decimal

LEVELS = ("total", "subtotal", "department", "program", "sub-item", "admin")
STATUSES = ("완료", "추진중", "검토중", "미반영")


def rate(part: int, whole: int) -> float | None:
    """part / whole in percent, one decimal, half-up; None when whole is 0."""
    if not whole:
        return None
    value = Decimal(part) * 100 / Decimal(whole)
    return float(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class DocumentInfo:
    id: str
    title: str
    file: str          # path relative to the corpus directory
    kind: str          # work_report | audit_response
    as_of: str
    line_start: int = 0
    line_end: int = 0


@dataclass(frozen=True)
class BudgetRow:
    doc: str
    source: str            # "appendix", "overview" or "body"
    section: str           # section path for body rows, the table title otherwise
    department: str
    program: str           # wrapped name joined, spacing normalised
    program_raw: str       # as printed (lines joined with '\n')
    level: str
    budget: int            # 예산현액, 천원
    committed: int         # 원인행위
    spent: int             # 지출
    forecast: int          # ’18년말 집행예상액
    committed_rate_printed: int | None
    spent_rate_printed: int | None
    forecast_rate_printed: int | None
    line_start: int
    line_end: int
    citizen: bool = False  # 시민참여 programme
    parent: str = ""       # appendix programme a body sub-item belongs to
    repaired: tuple[str, ...] = ()
    note: str = ""

    @property
    def committed_rate(self) -> float | None:
        return rate(self.committed, self.budget)

    @property
    def spent_rate(self) -> float | None:
        return rate(self.spent, self.budget)

    @property
    def forecast_rate(self) -> float | None:
        return rate(self.forecast, self.budget)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["repaired"] = list(self.repaired)
        d["committed_rate"] = self.committed_rate
        d["spent_rate"] = self.spent_rate
        d["forecast_rate"] = self.forecast_rate
        return d


@dataclass(frozen=True)
class AuditItem:
    doc: str
    id: str
    no: int
    category: str
    departments: tuple[str, ...]
    requirement: str
    status: str            # normalised: 완료 / 추진중 / 검토중 / 미반영
    status_printed: str
    action: str
    plan: str
    line_start: int
    line_end: int
    requirement_lines: tuple[int, int] = (0, 0)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["departments"] = list(self.departments)
        d["requirement_lines"] = list(self.requirement_lines)
        return d


@dataclass(frozen=True)
class AuditSummary:
    """One row of the report's own 총괄 table."""
    doc: str
    category: str          # "계" for the total row
    total: int
    counts: dict           # status -> count
    line: int


@dataclass(frozen=True)
class Section:
    doc: str
    path: str              # e.g. "Ⅲ > 4 > <programme title> > 추진실적"
    kind: str              # part | area | program | block
    title: str
    number: str
    line_start: int
    line_end: int
    block: str = ""        # 목표 / 사업개요 / 추진실적 / 향후계획 / 예산집행 현황
    program: str = ""
    department: str = ""


@dataclass(frozen=True)
class OrgUnit:
    doc: str
    department: str
    quota: int             # 정원
    current: int           # 현원
    line_start: int
    line_end: int


@dataclass(frozen=True)
class DeptFunction:
    doc: str
    department: str
    duties: tuple[str, ...]
    budget_million: int | None   # 2018 예산 (백만원)
    line_start: int
    line_end: int


@dataclass(frozen=True)
class Finding:
    doc: str
    kind: str
    severity: str          # error | warning | info
    message: str
    subject: str
    figures: dict = field(default_factory=dict)
    lines: tuple[int, ...] = ()

    def to_dict(self) -> dict:
        d = asdict(self)
        d["lines"] = list(self.lines)
        return d


@dataclass(frozen=True)
class Fact:
    """One label–value statement the report prints ('○ 위 치 : …', '수탁기관 : …')
    or an operator printed beside a name ('서울시 NPO지원센터(사단법인 시민, ’16.11월~’19.11월)')."""
    doc: str
    section: str           # section path of the innermost block
    program: str           # programme title ('' outside a programme)
    subject: str           # what the value is about: a facility named on the line, else the programme
    label: str             # as printed, letter spacing closed up ('위 치' → '위치')
    key: str               # canonical label: place | operator | period | opened | scale | budget | target | basis | content | date | ''
    value: str
    line_start: int
    line_end: int
    source: str = "label"  # label | nested | beside_name

    def to_dict(self) -> dict:
        return asdict(self)
