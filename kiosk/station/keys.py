"""Key names to Linux key codes, and the keypad's actions with their default key map."""

from __future__ import annotations

from enum import StrEnum

from evdev import ecodes

from queue_server.config.reader import suggest


class Key(StrEnum):
    """What a caller keypad key means; the values are the names written in the config."""

    CALL = "call"  # 呼叫: call the next ticket (finishing the current one)
    RECALL = "recall"  # 重呼
    START = "start"  # 开始
    FINISH = "finish"  # 办结
    NO_SHOW = "no_show"  # 过号
    PAUSE = "pause"  # 暂停 / 恢复, a toggle
    TRANSFER = "transfer"  # 转移
    RATE = "rate"  # 评价: ask the citizen to rate again
    CONFIRM = "confirm"  # 确认
    CANCEL = "cancel"  # 取消
    D0 = "0"
    D1 = "1"
    D2 = "2"
    D3 = "3"
    D4 = "4"
    D5 = "5"
    D6 = "6"
    D7 = "7"
    D8 = "8"
    D9 = "9"

    @property
    def digit(self) -> str | None:
        return self.value if self.value.isdigit() else None


# A plain USB numeric keypad (the cheapest 呼叫器), with the action keys relabelled.
DEFAULT_KEYPAD: dict[str, Key] = {
    **{f"KEY_KP{d}": Key(str(d)) for d in range(10)},
    "KEY_KPENTER": Key.CONFIRM,
    "KEY_KPDOT": Key.CANCEL,
    "KEY_KPPLUS": Key.CALL,
    "KEY_KPMINUS": Key.RECALL,
    "KEY_KPASTERISK": Key.START,
    "KEY_KPSLASH": Key.FINISH,
    "KEY_BACKSPACE": Key.NO_SHOW,
    "KEY_NUMLOCK": Key.PAUSE,
    "KEY_TAB": Key.TRANSFER,
    "KEY_ESC": Key.RATE,
}

# A five-key rating pad sending 1..5 from the left (非常满意) to the right (非常不满意).
DEFAULT_KEY_PAD: dict[str, int] = {"KEY_1": 5, "KEY_2": 4, "KEY_3": 3, "KEY_4": 2, "KEY_5": 1}

KEY_NAMES: frozenset[str] = frozenset(
    name for name in ecodes.ecodes if name.startswith(("KEY_", "BTN_"))
)


def key_code(name: str) -> int:
    """The Linux code of a key name such as "KEY_KP1"; KeyError for an unknown name."""
    if name not in KEY_NAMES:
        raise KeyError(name)
    return int(ecodes.ecodes[name])


def key_name(code: int) -> str:
    """A readable name for a key code, for logs and for the fakes."""
    names = ecodes.KEY.get(code) or ecodes.BTN.get(code)
    if isinstance(names, (list, tuple)):
        return str(names[0])
    return str(names) if names else f"KEY_{code}"


def unknown_key(name: str) -> str:
    """The problem text for a key name evdev does not know."""
    hint = suggest(name, KEY_NAMES) if name.startswith(("KEY_", "BTN_")) else ""
    if not hint and not name.startswith(("KEY_", "BTN_")):
        hint = suggest(f"KEY_{name.upper()}", KEY_NAMES)
    return f"{name!r} is not a Linux key name (KEY_...){hint}"
