"""The kiosk's device config: the shipped example loads, and a bad one names every problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.printer.settings import ConnectionKind
from kiosk.agent.desk import UnprintedPolicy
from kiosk.agent.errors import SettingsError
from kiosk.agent.settings import KioskSettings

EXAMPLE = Path(__file__).resolve().parents[2] / "config" / "kiosk.example.toml"


def test_the_example_config_loads_with_every_table() -> None:
    settings = KioskSettings.load(EXAMPLE)
    assert settings.server == "http://hall-server:8080"
    assert settings.port == 8090
    assert settings.state_dir == Path("/var/lib/hallq-kiosk")
    assert settings.unprinted is UnprintedPolicy.REPRINT
    assert settings.printer is not None
    assert settings.printer.kind is ConnectionKind.USB
    assert (settings.printer.vendor_id, settings.printer.product_id) == (0x0416, 0x5011)
    assert settings.scanner == "port:platform-xhci-hcd.0-usb-0:1.2"
    assert settings.card_reader == "port:platform-xhci-hcd.0-usb-0:1.4"
    assert settings.layout.header == ("欢迎光临",)
    assert len(settings.layout.footer) == 2


def test_a_bad_config_lists_every_problem_with_its_key(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text(
        """
[kiosk]
server = "hall-server:8080"
port = 0
unprinted = "burn"
phone_ur = "https://queue.example.gov.cn"
green_age = 65

[printer]
kind = "usb"
vendor_id = 0x0416

[scanner]
device = 3

[ticket]
width = 100
header = "欢迎"

[screen]
""",
        encoding="utf-8",
    )
    with pytest.raises(SettingsError) as raised:
        KioskSettings.load(bad)
    problems = raised.value.problems
    expected = {
        "kiosk.server": "http:// or https://",
        "kiosk.port": "from 1 to 65535",
        "kiosk.unprinted": "not one of reprint, void",
        "kiosk.phone_ur": "phone_url",  # a typo gets a "did you mean"
        "kiosk.green_age": "[policy] green_channel_age in the hall config",  # moved there
        "printer.product_id": "missing required key",
        "scanner.device": "must be a string",
        "ticket.width": "multiple of 8",
        "ticket.header": "must be an array",
        "screen": "unknown key",
    }
    for key, words in expected.items():
        assert any(p.startswith(f"{key}:") and words in p for p in problems), (key, problems)
    assert len(problems) == len(expected), problems


def test_a_file_that_is_not_toml_says_so(tmp_path: Path) -> None:
    bad = tmp_path / "kiosk.toml"
    bad.write_text("[kiosk\nserver = ", encoding="utf-8")
    with pytest.raises(SettingsError, match="not valid TOML"):
        KioskSettings.load(bad)
