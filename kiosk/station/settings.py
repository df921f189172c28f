"""The station's device config (TOML): server, window, tokens, caller keypad, rating pads."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from drivers.input.base import DeviceError
from drivers.input.finder import parse_selector
from kiosk.config_checks import device_selector, read_secret, server_problem
from kiosk.config_file import read_toml
from kiosk.station.errors import SettingsError
from kiosk.station.keys import DEFAULT_KEY_PAD, DEFAULT_KEYPAD, Key, key_code, unknown_key
from queue_server.config.reader import Problems, Table, describe, suggest

DEFAULT_PORT = 8091
LEVELS = range(1, 6)


@dataclass(frozen=True)
class TransferTarget:
    """Where 转移 + 确认 sends the current ticket when no window number was typed."""

    kind: Literal["service", "window"]
    id: str

    def body(self) -> dict[str, str]:
        return {self.kind: self.id}


@dataclass(frozen=True)
class KeypadSettings:
    """The caller keypad (呼叫器): which device, what each key does, and its timings."""

    device: str | None = None  # a selector (drivers.input.finder); None only with fakes
    keys: dict[int, Key] = field(
        default_factory=lambda: {key_code(n): k for n, k in DEFAULT_KEYPAD.items()}
    )
    entry_seconds: int = 5  # half-typed digits are forgotten after this long without a key
    repeat_guard_ms: int = 800  # the same action key twice within this is one press
    pause_reason: str = "临时离岗"
    transfer_to: TransferTarget | None = None


@dataclass(frozen=True)
class KeyPadSettings:
    """The rating key pad (评价器, 3 to 6 keys): which device and the level of each key."""

    device: str | None = None
    levels: dict[int, int] = field(
        default_factory=lambda: {key_code(n): level for n, level in DEFAULT_KEY_PAD.items()}
    )


@dataclass(frozen=True)
class StationSettings:
    """Everything a window station needs; tokens may be given in files (kept out of the TOML)."""

    server: str
    window: str
    station_token: str | None = None
    station_token_file: Path | None = None
    pad_token: str | None = None
    pad_token_file: Path | None = None
    port: int = DEFAULT_PORT
    touch_pad: bool = True
    voice: bool = True
    fake_devices: Path | None = None
    keypad: KeypadSettings | None = None
    key_pad: KeyPadSettings | None = None

    @classmethod
    def load(cls, path: Path) -> StationSettings:
        return cls.from_mapping(read_toml(path, SettingsError))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> StationSettings:
        """Read the whole file; SettingsError lists every problem with its key."""
        problems = Problems()
        top = Table(data, "", problems)
        station = top.table("station")
        server = station.text("server")
        if server and (problem := server_problem(server)):
            station.problem("server", problem)
        station_token, station_file = _secret(station, "station_token")
        pad_token, pad_file = _secret(station, "pad_token")
        fake = station.optional_text("fake_devices")
        touch = top.table("touch_pad")
        keypad = _keypad(data, top, problems) if "keypad" in data else None
        key_pad = _key_pad(data, top, problems) if "key_pad" in data else None
        settings = cls(
            server=server,
            window=station.text("window"),
            station_token=station_token,
            station_token_file=station_file,
            pad_token=pad_token,
            pad_token_file=pad_file,
            port=touch.integer("port", DEFAULT_PORT, 1, 65535),
            touch_pad=touch.flag("enabled", True),
            voice=touch.flag("voice", True),
            fake_devices=Path(fake) if fake else None,
            keypad=keypad,
            key_pad=key_pad,
        )
        if keypad is not None and not (station_token or station_file):
            station.problem("station_token", "the [keypad] acts as the station: give its token")
        if (key_pad is not None or settings.touch_pad) and not (pad_token or pad_file):
            station.problem("pad_token", "the rating pads need the pad's token (or turn them off)")
        if keypad is None and key_pad is None and not settings.touch_pad:
            touch.problem(
                "enabled",
                "false, and there is no [keypad] or [key_pad]: the station would have nothing "
                "to do",
            )
        if keypad and key_pad and _same_device(keypad.device, key_pad.device):
            problems.add(
                "key_pad.device",
                "names the caller keypad's device too (keypad.device); each keypad needs its own",
            )
        for table in (station, touch, top):
            table.close()
        if problems.items:
            raise SettingsError(problems.items)
        return settings

    def tokens(self) -> tuple[str | None, str | None]:
        """(station token, pad token), read from their files now; SettingsError lists each
        file that cannot be read."""
        problems: list[str] = []
        station = read_secret(
            self.station_token, self.station_token_file, "station.station_token_file", problems
        )
        pad = read_secret(self.pad_token, self.pad_token_file, "station.pad_token_file", problems)
        if problems:
            raise SettingsError(problems)
        return station, pad

    def unnamed_devices(self, fake: bool) -> list[str]:
        """The keypads left without a device, a problem only when real devices are used."""
        if fake:
            return []
        return [
            f"{name}.device: missing: name the input device (or use --fake-devices DIR)"
            for part, name in ((self.keypad, "keypad"), (self.key_pad, "key_pad"))
            if part is not None and part.device is None
        ]


def _same_device(first: str | None, second: str | None) -> bool:
    """Whether two selectors may name one device: a port names every interface under it."""
    if first is None or second is None:
        return False
    try:
        a, b = parse_selector(first), parse_selector(second)
    except DeviceError:
        return False  # already reported with its key
    if a.kind != b.kind:
        return False
    if a.kind == "port":
        shorter, longer = sorted((a.value, b.value), key=len)
        return longer == shorter or longer.startswith(shorter + ":")
    return a.value == b.value


def _secret(table: Table, key: str) -> tuple[str | None, Path | None]:
    value, path = table.optional_text(key), table.optional_text(f"{key}_file")
    if value and path:
        table.problem(key, f"give {key} or {key}_file, not both")
    return value, Path(path) if path else None


def _raw_table(data: dict[str, Any], section: str, key: str) -> dict[str, Any] | None:
    raw = data.get(section, {})
    value = raw.get(key) if isinstance(raw, dict) else None
    return value if isinstance(value, dict) else None


def _keypad(data: dict[str, Any], top: Table, problems: Problems) -> KeypadSettings:
    table = top.table("keypad")
    device = device_selector(table)
    entry = table.integer("entry_seconds", 5, 1, 60)
    guard = table.integer("repeat_guard_ms", 800, 0, 5000)
    reason = table.optional_text("pause_reason") or "临时离岗"
    if len(reason) > 200:
        table.problem("pause_reason", "must be at most 200 characters")
    target = _transfer_target(table)
    table.table("keys")  # read below: its keys are key names, not fixed words
    raw = _raw_table(data, "keypad", "keys")
    keys = {key_code(n): k for n, k in DEFAULT_KEYPAD.items()}
    if raw is not None:
        keys = _key_map(raw, "keypad.keys", problems, _action)
        if keys and Key.CONFIRM not in keys.values():
            problems.add("keypad.keys", "no key is 'confirm': digits could never be sent")
    table.close()
    return KeypadSettings(device, keys, entry, guard, reason, target)


def _key_pad(data: dict[str, Any], top: Table, problems: Problems) -> KeyPadSettings:
    table = top.table("key_pad")
    device = device_selector(table)
    table.table("keys")
    raw = _raw_table(data, "key_pad", "keys")
    levels = {key_code(n): level for n, level in DEFAULT_KEY_PAD.items()}
    if raw is not None:
        levels = _key_map(raw, "key_pad.keys", problems, _level)
        if levels and not 3 <= len(levels) <= 6:
            problems.add("key_pad.keys", f"a rating pad has 3 to 6 keys, not {len(levels)}")
    table.close()
    return KeyPadSettings(device, levels)


def _transfer_target(table: Table) -> TransferTarget | None:
    text = table.optional_text("transfer_to")
    if text is None:
        return None
    kind, _, target = text.partition(":")
    if kind in ("service", "window") and target:
        return TransferTarget("service" if kind == "service" else "window", target)
    table.problem("transfer_to", f"write service:<id> or window:<id>, not {text!r}")
    return None


def _action(value: object, path: str, problems: Problems) -> Key | None:
    names = [k.value for k in Key]
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 9:
        return Key(str(value))
    if isinstance(value, str) and value in names:
        return Key(value)
    hint = suggest(value, names) if isinstance(value, str) else ""
    problems.add(path, f"{describe(value)} is not an action ({', '.join(names)}){hint}")
    return None


def _level(value: object, path: str, problems: Problems) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value in LEVELS:
        return value
    problems.add(
        path, f"must be a level from 1 (非常不满意) to 5 (非常满意), not {describe(value)}"
    )
    return None


def _key_map(raw: dict[str, Any], path: str, problems: Problems, read: Any) -> dict[int, Any]:
    """KEY_NAME = value, each key name checked against evdev's and each value by `read`."""
    found: dict[int, Any] = {}
    for name, value in raw.items():
        try:
            code = key_code(name)
        except KeyError:
            problems.add(f"{path}.{name}", unknown_key(name))
            continue
        meaning = read(value, f"{path}.{name}", problems)
        if meaning is not None:
            found[code] = meaning
    if not raw:
        problems.add(path, "must map at least one key")
    return found
