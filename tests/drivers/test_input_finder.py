"""Finding input devices: selectors, matching, and reading udev's links without udev."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.input.base import DeviceError, DeviceIdentity
from drivers.input.finder import (
    Selector,
    find_input_devices,
    list_input_devices,
    parse_selector,
    scan_input_nodes,
)

PORT = "platform-xhci-hcd.0-usb-0:1.3"
SCANNER_KBD = DeviceIdentity(
    "Honeywell Scanner", "/dev/input/event5", f"{PORT}:1.0", "Honeywell_3310g_21001", True
)
SCANNER_EXTRA = DeviceIdentity(
    "Honeywell Scanner Consumer Control",
    "/dev/input/event4",
    f"{PORT}:1.1",
    "Honeywell_3310g_21001",
)
KEYPAD = DeviceIdentity("USB Keypad", "/dev/input/event6", "platform-xhci-hcd.0-usb-0:1.4:1.0")
DEVICES = [KEYPAD, SCANNER_EXTRA, SCANNER_KBD]


@pytest.mark.parametrize(
    ("text", "selector"),
    [
        (f"port:{PORT}", Selector("port", PORT)),
        ("serial:Honeywell_3310g_21001", Selector("serial", "Honeywell_3310g_21001")),
        ("name:honeywell", Selector("name", "honeywell")),
        ("/dev/input/by-path/x-event-kbd", Selector("path", "/dev/input/by-path/x-event-kbd")),
        ("  name:Keypad ", Selector("name", "Keypad")),
    ],
)
def test_parse_selector_reads_each_kind(text: str, selector: Selector) -> None:
    assert parse_selector(text) == selector
    assert str(selector) == text.strip()


@pytest.mark.parametrize("text", ["", "port:", "usb:1-1", "event5", "Honeywell"])
def test_parse_selector_explains_what_it_wants(text: str) -> None:
    with pytest.raises(DeviceError, match=r"port:<ID_PATH>, serial:<ID_SERIAL>, name:"):
        parse_selector(text)


def test_a_port_selects_every_interface_on_it_keyboards_first() -> None:
    assert find_input_devices(Selector("port", PORT), DEVICES) == [SCANNER_KBD, SCANNER_EXTRA]


def test_a_full_port_path_selects_that_interface_only() -> None:
    found = find_input_devices(Selector("port", f"{PORT}:1.1"), DEVICES)
    assert found == [SCANNER_EXTRA]


def test_a_port_is_not_a_prefix_of_a_neighbouring_port() -> None:
    # usb-0:1.3 must not pick up a device in usb-0:1.31 (a hub's port 31)
    neighbour = DeviceIdentity("x", "/dev/input/event9", f"{PORT}1:1.0")
    assert find_input_devices(Selector("port", PORT), [neighbour]) == []


def test_serial_matches_exactly_and_name_by_part_ignoring_case() -> None:
    assert find_input_devices(Selector("serial", "Honeywell_3310g"), DEVICES) == []
    assert find_input_devices(Selector("name", "KEYPAD"), DEVICES) == [KEYPAD]


def test_a_path_selector_follows_symlinks(tmp_path: Path) -> None:
    node = tmp_path / "event5"
    node.touch()
    link = tmp_path / "by-path" / "scanner-event-kbd"
    link.parent.mkdir()
    link.symlink_to("../event5")
    device = DeviceIdentity("Scanner", str(node))
    assert find_input_devices(Selector("path", str(link)), [device]) == [device]
    assert find_input_devices(Selector("path", str(tmp_path / "event6")), [device]) == []


def make_dev_tree(tmp_path: Path) -> tuple[Path, Path]:
    dev, sys = tmp_path / "dev" / "input", tmp_path / "sys" / "class" / "input"
    for folder in (dev / "by-path", dev / "by-id"):
        folder.mkdir(parents=True)
    for node, name in (("event10", "USB Keypad"), ("event2", "Scanner"), ("event3", None)):
        (dev / node).touch()
        if name:
            (sys / node / "device").mkdir(parents=True)
            (sys / node / "device" / "name").write_text(name + "\n")
    links = {
        "by-path/pci-0000:00:14.0-usb-0:2:1.0-event-kbd": "event2",
        "by-path/pci-0000:00:14.0-usb-0:2:1.1-event": "event3",
        "by-path/pci-0000:00:14.0-usb-0:4:1.0-event": "event10",
        "by-id/usb-SYMBOL_Scanner_S123-event-kbd": "event2",
        "by-id/usb-SYMBOL_Scanner_S123-if01-event-mouse": "event3",
    }
    for link, target in links.items():
        (dev / link).symlink_to(f"../{target}")
    return dev, sys


def test_scan_reads_ports_serials_and_keyboards_off_the_links(tmp_path: Path) -> None:
    dev, sys = make_dev_tree(tmp_path)
    assert scan_input_nodes(dev, sys) == [
        DeviceIdentity(
            "Scanner",
            str(dev / "event2"),
            "pci-0000:00:14.0-usb-0:2:1.0",
            "SYMBOL_Scanner_S123",
            True,
        ),
        DeviceIdentity(
            "event3", str(dev / "event3"), "pci-0000:00:14.0-usb-0:2:1.1", "SYMBOL_Scanner_S123"
        ),
        DeviceIdentity("USB Keypad", str(dev / "event10"), "pci-0000:00:14.0-usb-0:4:1.0"),
    ]


def test_scan_without_links_or_without_dev_input(tmp_path: Path) -> None:
    (tmp_path / "event0").touch()
    assert scan_input_nodes(tmp_path, tmp_path / "nosys") == [
        DeviceIdentity("event0", str(tmp_path / "event0"))
    ]
    assert scan_input_nodes(tmp_path / "missing", tmp_path) == []


def test_listing_the_machine_gives_event_nodes_only() -> None:
    # Whatever this machine has (often nothing): every entry is an event node with a name.
    for device in list_input_devices():
        assert Path(device.path).name.startswith("event")
        assert device.name
