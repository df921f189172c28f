"""好差评 rules: the five levels, the national reason tags and what a valid rating carries."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from queue_server.domain.errors import DomainError


class Level(IntEnum):
    """The internal scale: 5 is best. GB/T 39046 codes run the other way (see `gbt39046_code`)."""

    VERY_SATISFIED = 5  # 非常满意
    SATISFIED = 4  # 满意
    BASICALLY_SATISFIED = 3  # 基本满意
    DISSATISFIED = 2  # 不满意
    VERY_DISSATISFIED = 1  # 非常不满意


LEVEL_NAMES: Mapping[Level, str] = {
    Level.VERY_SATISFIED: "非常满意",
    Level.SATISFIED: "满意",
    Level.BASICALLY_SATISFIED: "基本满意",
    Level.DISSATISFIED: "不满意",
    Level.VERY_DISSATISFIED: "非常不满意",
}


class Channel(IntEnum):
    SYSTEM_DEFAULT = 0  # some provinces' "system default": a rating nobody gave
    PC = 1
    MOBILE = 2
    QR_CODE = 3
    HALL_TABLET = 4
    HALL_TERMINAL = 5  # key pad
    PHONE = 6
    SMS = 7


# The national tags, by level (DOMAIN.md).
TAGS: Mapping[Level, Mapping[str, str]] = {
    Level.VERY_SATISFIED: {
        "510": "一窗受理一次办结",
        "511": "可以先受理后补材料",
        "512": "不用提交证明",
        "513": "可以全程网上办理",
        "514": "可以使用手机办理",
        "515": "可以就近办理",
        "516": "无需材料直接办理",
        "517": "服务热情效率高",
    },
    Level.SATISFIED: {
        "406": "填写一张表单就可完成申报",
        "407": "在线提交材料窗口核验",
        "408": "一张清单告知全部申报材料",
        "409": "用告知承诺减免申报材料",
        "410": "可以在线预约办理",
        "411": "跑大厅一次办完",
        "412": "可以使用自助机办理",
        "413": "服务态度较好",
    },
    Level.BASICALLY_SATISFIED: {
        "307": "一次性告知需要补正的材料",
        "308": "提供申报材料样本",
        "309": "在承诺的时间内办结",
        "310": "办事指南指引准确",
        "311": "按办事指南要求的材料即可办理",
        "312": "可以快递送达",
        "313": "跑动次数与承诺的一致",
        "314": "服务态度一般",
    },
    Level.DISSATISFIED: {
        "207": "没有提供材料样本",
        "208": "没有提供材料清单",
        "209": "未在承诺时间内办结",
        "210": "同样内容的证明材料被要求多次提交",
        "211": "承诺网办但无法在线办理",
        "212": "在线预约办理后到实体大厅重复取号排队",
        "213": "窗口人员业务不熟练",
        "214": "服务态度生硬",
    },
    Level.VERY_DISSATISFIED: {
        "108": "在办事指南之外增加新的审批条件",
        "109": "需提供办事指南之外的申报材料",
        "110": "无理由超过法定办理时间",
        "111": "办事指南提供样本有错",
        "112": "承诺在线收取申报材料实际无法收取",
        "113": "多头跑窗口和部门",
        "114": "跑动次数与承诺的不一致",
        "115": "服务态度差效率低",
    },
}


class InvalidRating(DomainError):
    """A rating whose content breaks the national rules (422 on the wire)."""

    def __init__(self, code: str, message: str, field: str) -> None:
        super().__init__(code, message)
        self.field = field


def is_bad(level: Level) -> bool:
    """不满意 and 非常不满意 are a 差评."""
    return level <= Level.DISSATISFIED


def gbt39046_code(level: Level) -> int:
    """The GB/T 39046 code, where 1 = 非常满意."""
    return 6 - int(level)


def check_rating(level: Level, tags: tuple[str, ...], *, bad_requires_tag: bool) -> None:
    """Refuse tags of another level, repeated tags, and a 差评 without a reason."""
    allowed = TAGS[level]
    for tag in tags:
        if tag not in allowed:
            raise InvalidRating(
                "invalid_request", f"tags: {tag} 不是“{LEVEL_NAMES[level]}”的评价标签", "tags"
            )
    if len(set(tags)) != len(tags):
        raise InvalidRating("invalid_request", "tags: 标签重复", "tags")
    if bad_requires_tag and is_bad(level) and not tags:
        raise InvalidRating("reason_required", "差评须选择至少一个原因标签", "tags")


def is_good(level: Level) -> bool:
    """非常满意, 满意 and 基本满意 count as 好评."""
    return level >= Level.BASICALLY_SATISFIED


class Stage(StrEnum):
    """Which part of a matter was rated: a case may be rated at acceptance and at completion."""

    ACCEPTANCE = "acceptance"  # 受理
    COMPLETION = "completion"  # 办结 (pick-up of the result)
    CONSULTATION = "consultation"  # 咨询


@dataclass(frozen=True)
class ServedService:
    """One service occurrence: a ticket's service finished at a window by a clerk."""

    ticket_id: str
    ticket_number: str
    service: str
    window: str
    clerk: str | None  # username
    staff_no: str | None
    clerk_name: str | None
    served_at: dt.datetime
    case_no: str | None = None  # the matter's case number (办件编号), when the clerk gave it

    @property
    def occurrence(self) -> str:
        return f"{self.service}@{self.window}"


@dataclass(frozen=True)
class RatingRecord:
    """A 好差评 record with the fields DOMAIN.md lists; `rater` is ciphertext, never plain."""

    id: str
    served: ServedService
    service_name: str
    stage: Stage
    level: Level
    tags: tuple[str, ...]
    comment: str | None
    channel: Channel
    device: str | None
    rated_at: dt.datetime
    follow_up: bool = False  # 追评 after a 差评 was put right
    default: bool = False  # given by the system after N days, not by the citizen
    struck: bool = False  # struck on appeal (申诉复核)
    strike_reason: str | None = None
    rater: str | None = None  # the rater's identity, encrypted (see queue_server.ratings.protect)

    @property
    def case_no(self) -> str | None:
        """The matter's case number (办件编号) of the service rated, when the clerk gave it."""
        return self.served.case_no

    @property
    def active(self) -> bool:
        """Given by the citizen (主动评价), not by default."""
        return not self.default
