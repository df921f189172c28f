"""差评 follow-up cases (差评工单): their states, the steps between them and their deadlines."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from queue_server.domain.errors import Conflict


class CaseState(StrEnum):
    OPEN = "open"  # opened by the 差评, waiting to be verified
    VERIFIED = "verified"  # 核实
    RECTIFIED = "rectified"  # 整改: put right; the citizen may now rate again (追评)
    CALLED_BACK = "called_back"  # 回访
    CLOSED = "closed"
    APPEALED = "appealed"  # 申诉: the window disputes the rating
    STRUCK = "struck"  # the appeal was upheld: the rating no longer counts


FINAL_CASE_STATES = frozenset({CaseState.CLOSED, CaseState.STRUCK})

# action -> (states it may start from, state it leads to); "reject-appeal" returns to the
# state the case was in before the appeal, so it has no fixed target.
CASE_STEPS: dict[str, tuple[frozenset[CaseState], CaseState | None]] = {
    "verify": (frozenset({CaseState.OPEN}), CaseState.VERIFIED),
    "rectify": (frozenset({CaseState.OPEN, CaseState.VERIFIED}), CaseState.RECTIFIED),
    "call-back": (frozenset({CaseState.RECTIFIED}), CaseState.CALLED_BACK),
    "close": (frozenset({CaseState.CALLED_BACK}), CaseState.CLOSED),
    "appeal": (frozenset({CaseState.OPEN, CaseState.VERIFIED}), CaseState.APPEALED),
    "uphold-appeal": (frozenset({CaseState.APPEALED}), CaseState.STRUCK),
    "reject-appeal": (frozenset({CaseState.APPEALED}), None),
}

ACTION_NAMES = {
    "verify": "核实",
    "rectify": "整改",
    "call-back": "回访",
    "close": "办结",
    "appeal": "申诉",
    "uphold-appeal": "申诉成立",
    "reject-appeal": "申诉驳回",
}

# The deadline that runs in each state, by the stage it belongs to.
STAGE_OF_STATE = {
    CaseState.OPEN: ("verify", "rectify"),
    CaseState.VERIFIED: ("rectify",),
    CaseState.RECTIFIED: ("callback",),
    CaseState.APPEALED: (),
    CaseState.CALLED_BACK: (),
}


@dataclass
class CaseStep:
    action: str
    by: str
    note: str
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        return {"action": self.action, "by": self.by, "note": self.note, "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> CaseStep:
        return cls(raw["action"], raw["by"], raw["note"], dt.datetime.fromisoformat(raw["at"]))


@dataclass
class Case:
    """One 差评工单: the rating it follows up, where it stands, its deadlines and its steps."""

    id: str
    rating_id: str
    opened_at: dt.datetime
    verify_by: dt.datetime
    rectify_by: dt.datetime
    state: CaseState = CaseState.OPEN
    callback_by: dt.datetime | None = None
    before_appeal: CaseState | None = None
    overdue: list[str] = field(default_factory=list)  # stages whose deadline passed
    history: list[CaseStep] = field(default_factory=list)
    follow_up_rating: str | None = None  # the id of the 追评, once given
    strike_reason: str | None = None

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_CASE_STATES

    @property
    def follow_up_allowed(self) -> bool:
        """追评: once, after the 差评 was put right."""
        return self.follow_up_rating is None and self.state in (
            CaseState.RECTIFIED,
            CaseState.CALLED_BACK,
        )

    def deadline(self, stage: str) -> dt.datetime | None:
        return {"verify": self.verify_by, "rectify": self.rectify_by}.get(stage, self.callback_by)

    def due_stages(self, now: dt.datetime) -> list[str]:
        """Stages running in the current state whose deadline has passed, not yet flagged."""
        stages = STAGE_OF_STATE.get(self.state, ())
        return [
            s
            for s in stages
            if s not in self.overdue and (by := self.deadline(s)) is not None and by < now
        ]

    def next_state(self, action: str) -> CaseState:
        """The state `action` leads to; Conflict when the case is not in a state that allows it."""
        step = CASE_STEPS.get(action)
        if step is None:
            raise Conflict("invalid_case_action", f"没有这个处理步骤: {action}")
        allowed, target = step
        if self.state not in allowed:
            raise Conflict(
                "invalid_case_action",
                f"工单{self.id}现在是“{STATE_NAMES[self.state]}”, 不能{ACTION_NAMES[action]}",
            )
        if target is None:
            assert self.before_appeal is not None
            return self.before_appeal
        return target

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "rating_id": self.rating_id,
            "opened_at": self.opened_at.isoformat(),
            "verify_by": self.verify_by.isoformat(),
            "rectify_by": self.rectify_by.isoformat(),
            "state": str(self.state),
            "callback_by": self.callback_by.isoformat() if self.callback_by else None,
            "before_appeal": str(self.before_appeal) if self.before_appeal else None,
            "overdue": list(self.overdue),
            "history": [step.to_dict() for step in self.history],
            "follow_up_rating": self.follow_up_rating,
            "strike_reason": self.strike_reason,
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Case:
        def moment(key: str) -> dt.datetime | None:
            return dt.datetime.fromisoformat(raw[key]) if raw[key] else None

        return cls(
            id=raw["id"],
            rating_id=raw["rating_id"],
            opened_at=dt.datetime.fromisoformat(raw["opened_at"]),
            verify_by=dt.datetime.fromisoformat(raw["verify_by"]),
            rectify_by=dt.datetime.fromisoformat(raw["rectify_by"]),
            state=CaseState(raw["state"]),
            callback_by=moment("callback_by"),
            before_appeal=CaseState(raw["before_appeal"]) if raw["before_appeal"] else None,
            overdue=list(raw["overdue"]),
            history=[CaseStep.from_dict(step) for step in raw["history"]],
            follow_up_rating=raw["follow_up_rating"],
            strike_reason=raw["strike_reason"],
        )


STATE_NAMES = {
    CaseState.OPEN: "待核实",
    CaseState.VERIFIED: "已核实",
    CaseState.RECTIFIED: "已整改",
    CaseState.CALLED_BACK: "已回访",
    CaseState.CLOSED: "已办结",
    CaseState.APPEALED: "申诉中",
    CaseState.STRUCK: "申诉成立",
}
