"""The station's device config: the example loads, and a bad one names every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.station.errors import SettingsError
from kiosk.station.keys import Key, key_code
from kiosk.station.settings import StationSettings, TransferTarget

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "station.example.toml"


def load(tmp_path: Path, text: str) -> StationSettings:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return StationSettings.load(path)


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(SettingsError) as caught:
        load(tmp_path, text)
    return caught.value.problems


def test_the_example_config_loads_with_every_table() -> None:
    settings = StationSettings.load(EXAMPLE)
    assert (settings.server, settings.window, settings.port) == (
        "http://hall-server:8080",
        "7",
        8091,
    )
    assert settings.station_token_file == Path(
        "/run/credentials/hallq-station.service/station.token"
    )
    assert settings.pad_token_file == Path("/run/credentials/hallq-station.service/pad.token")
    assert settings.touch_pad and settings.voice
    keypad, key_pad = settings.keypad, settings.key_pad
    assert keypad is not None and key_pad is not None
    assert keypad.device == "port:platform-xhci-hcd.0-usb-0:1.3"
    assert keypad.keys[key_code("KEY_KPPLUS")] is Key.CALL
    assert keypad.keys[key_code("KEY_KP3")] is Key.D3
    assert len(keypad.keys) == 20
    assert keypad.transfer_to == TransferTarget("service", "social-insurance")
    assert (keypad.entry_seconds, keypad.repeat_guard_ms, keypad.pause_reason) == (
        5,
        800,
        "临时离岗",
    )
    assert key_pad.levels[key_code("KEY_1")] == 5 and key_pad.levels[key_code("KEY_5")] == 1


def test_a_minimal_config_takes_the_defaults(tmp_path: Path) -> None:
    settings = load(
        tmp_path,
        """
[station]
server = "http://10.0.0.2:8080"
window = "3"
station_token = "s"
pad_token = "p"
[keypad]
[key_pad]
""",
    )
    assert settings.keypad is not None and settings.keypad.device is None
    assert settings.keypad.keys[key_code("KEY_KPENTER")] is Key.CONFIRM
    assert settings.key_pad is not None and len(settings.key_pad.levels) == 5
    assert settings.tokens() == ("s", "p")


def test_tokens_come_from_their_files(tmp_path: Path) -> None:
    (tmp_path / "s.token").write_text("station-secret\n")
    settings = load(
        tmp_path,
        f"""
[station]
server = "http://h:8080"
window = "3"
station_token_file = "{tmp_path / "s.token"}"
pad_token_file = "{tmp_path / "missing.token"}"
""",
    )
    with pytest.raises(SettingsError, match="pad_token_file: cannot read"):
        settings.tokens()
    (tmp_path / "missing.token").write_text("pad-secret")
    assert settings.tokens() == ("station-secret", "pad-secret")


def test_a_bad_config_lists_every_problem_with_its_key(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """
[station]
server = "hall:8080"
station_token = "a"
station_token_file = "/b"
fake_device = "/tmp/x"

[touch_pad]
port = 0
voise = true

[keypad]
device = "usb:1-1"
entry_seconds = 0
pause_reason = ""
transfer_to = "desk:3"

[keypad.keys]
KEY_KP11 = 1
KEY_KPPLUS = "cal"
KEY_KP2 = 12
KEY_F1 = "rate"

[key_pad]
[key_pad.keys]
KEY_1 = 5
KEY_2 = 6
""",
    )
    expected = [
        "station.server: must be an http:// or https:// URL",
        "station.station_token: give station_token or station_token_file, not both",
        "station.window: missing required key",
        "touch_pad.port: must be from 1 to 65535, not 0",
        "keypad.device: device selector 'usb:1-1'",
        "keypad.entry_seconds: must be from 1 to 60, not 0",
        "keypad.pause_reason: must not be empty",
        "keypad.transfer_to: write service:<id> or window:<id>, not 'desk:3'",
        "keypad.keys.KEY_KP11: 'KEY_KP11' is not a Linux key name (KEY_...); "
        "did you mean 'KEY_KP1'?",
        "keypad.keys.KEY_KPPLUS: a string ('cal') is not an action",
        "did you mean 'call'?",
        "keypad.keys.KEY_KP2: an integer (12) is not an action",
        "keypad.keys: no key is 'confirm'",
        "key_pad.keys.KEY_2: must be a level from 1 (非常不满意) to 5 (非常满意), "
        "not an integer (6)",
        "key_pad.keys: a rating pad has 3 to 6 keys, not 1",
        "station.pad_token: the rating pads need the pad's token",
        "station.fake_device: unknown key; did you mean 'fake_devices'?",
        "touch_pad.voise: unknown key; did you mean 'voice'?",
    ]
    for part in expected:
        assert any(part in problem for problem in found), (part, found)
    assert len(found) == len(expected) - 1  # "did you mean 'call'" is part of another


def test_the_keypad_needs_the_station_token_and_unknown_tables_are_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """
[station]
server = "http://h:8080"
window = "3"
pad_token = "p"
[keypad]
[keypads]
""",
    )
    assert found == [
        "station.station_token: the [keypad] acts as the station: give its token",
        "keypads: unknown key; did you mean 'keypad'?",
    ]


def test_an_unreadable_or_broken_file_is_one_problem(tmp_path: Path) -> None:
    assert "not valid TOML" in problems(tmp_path, "[station\n")[0]
    with pytest.raises(SettingsError, match="cannot read"):
        StationSettings.load(tmp_path / "nowhere.toml")


def test_a_station_with_nothing_to_run_is_refused(tmp_path: Path) -> None:
    found = problems(
        tmp_path,
        """
[station]
server = "http://h:8080"
window = "3"
[touch_pad]
enabled = false
""",
    )
    assert found == [
        "touch_pad.enabled: false, and there is no [keypad] or [key_pad]: "
        "the station would have nothing to do"
    ]


@pytest.mark.parametrize("server", ["http://", "http:/hall:8080", "https://:8080"])
def test_a_server_url_without_a_host_is_refused(tmp_path: Path, server: str) -> None:
    found = problems(
        tmp_path,
        f"""
[station]
server = "{server}"
window = "3"
pad_token = "p"
""",
    )
    assert found == [f"station.server: must be an http:// or https:// URL, not {server!r}"]


@pytest.mark.parametrize(
    "key_pad_device",
    ["port:platform-xhci-hcd.0-usb-0:1.3", "port:platform-xhci-hcd.0-usb-0:1.3:1.0"],
)
def test_the_two_keypads_cannot_be_the_same_device(tmp_path: Path, key_pad_device: str) -> None:
    found = problems(
        tmp_path,
        f"""
[station]
server = "http://h:8080"
window = "3"
station_token = "s"
pad_token = "p"
[keypad]
device = "port:platform-xhci-hcd.0-usb-0:1.3"
[key_pad]
device = "{key_pad_device}"
""",
    )
    assert found == [
        "key_pad.device: names the caller keypad's device too (keypad.device); "
        "each keypad needs its own"
    ]
