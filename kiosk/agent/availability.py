"""What the touchscreen may offer now, and why not, in words a citizen understands."""

from __future__ import annotations

import datetime as dt
from typing import Any

from drivers.printer.base import PrinterCondition

PRINTER_WORDS = {
    PrinterCondition.PAPER_OUT: "打印机缺纸",
    PrinterCondition.COVER_OPEN: "打印机舱盖未关好",
    PrinterCondition.OFFLINE: "打印机未连接",
    PrinterCondition.UNKNOWN: "打印机无应答",
}
# The server refuses the kiosk's token: only staff can give it a new one.
TOKEN_WORDS = "出票机授权失效"


def opening_words(opens_at: str | None, now: dt.datetime | None) -> str:
    """ "13:30 起可以取号", "明天 08:00 起可以取号", "11月25日 08:00 起可以取号".

    `now` is the server's time; without it (None) the date is said in full, as "today" or
    "tomorrow" cannot be.
    """
    if opens_at is None:
        return "今日已停止取号"
    opens = dt.datetime.fromisoformat(opens_at)
    day = f"{opens.month}月{opens.day}日 "
    if now is not None:
        days = (opens.date() - now.astimezone(opens.tzinfo).date()).days
        day = {0: "", 1: "明天 "}.get(days, day)
    return f"{day}{opens:%H:%M} 起可以取号"


def services(hall: dict[str, Any] | None, now: dt.datetime | None) -> list[dict[str, Any]]:
    """The hall's services as tiles: counts, wait, and `available` with the reason if not."""
    if hall is None:
        return []
    issuing = hall["hall"].get("issuing", {"open": True, "opens_at": None})
    tiles = []
    for service in hall["services"]:
        reason, words = None, None
        paused_for = service.get("issuing_paused")  # a manager's pause, with its reason
        if not issuing["open"]:
            reason, words = "hall_closed", "已停止取号，" + opening_words(issuing["opens_at"], now)
        elif paused_for is not None:
            reason = "service_paused"
            words = f"暂停取号：{paused_for}" if paused_for else "暂停取号，请咨询工作人员"
        elif service.get("left_today") == 0:
            reason, words = "quota_exhausted", "今日号已取完，请改日再来或预约办理"
        elif service.get("left_in_session") == 0:
            reason, words = "quota_exhausted", "本时段号已取完，请下个时段再来"
        tiles.append(
            {
                **service,
                "available": reason is None,
                "reason": reason,
                "reason_text": words,
            }
        )
    return tiles


def pause(
    *,
    server_online: bool,
    printer: PrinterCondition,
    trust_unknown: bool,
    unprinted: int,
    token_refused: bool = False,
) -> dict[str, Any] | None:
    """Why the whole kiosk is paused (暂停取号), or None while it can issue."""
    if token_refused:
        return {"reason": "token", "text": TOKEN_WORDS, "hint": "请联系工作人员处理"}
    if not server_online:
        return {"reason": "server", "text": "网络中断", "hint": "正在自动恢复，请稍候"}
    if not printer.can_print(trust_unknown=trust_unknown):
        words = PRINTER_WORDS.get(printer, "打印机故障")
        hint = "请联系工作人员处理" + ("，未打印的号票将自动补打" if unprinted else "")
        return {
            "reason": "printer",
            "condition": str(printer),
            "text": words,
            "hint": hint,
        }
    return None
