"""The waiting target a staffing plan is to meet."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    """`share` of citizens called within `minutes` (e.g. 90% within 15 minutes)."""

    minutes: float = 15.0
    share: float = 0.9
