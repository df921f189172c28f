"""Finding input devices by a selector: USB port path, serial, name, or an explicit node path."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from drivers.input.base import DeviceError, DeviceIdentity

SelectorKind = Literal["port", "serial", "name", "path"]
_PREFIXES: tuple[SelectorKind, ...] = ("port", "serial", "name")

# udev's persistent links (60-persistent-input.rules), read when pyudev cannot be used.
_BY_PATH = re.compile(r"(?P<port>.+)-event(?:-(?P<cls>kbd|mouse|joystick))?")
_BY_ID = re.compile(r"[a-z]+-(?P<serial>.+?)(?:-if\d+)?-event(?:-(?P<cls>kbd|mouse|joystick))?")


@dataclass(frozen=True)
class Selector:
    """Which device a hall means: `port:ID_PATH`, `serial:ID_SERIAL`, `name:part` or a path."""

    kind: SelectorKind
    value: str

    def matches(self, device: DeviceIdentity) -> bool:
        if self.kind == "port":
            # A port path without the interface suffix (":1.0") names every interface on it.
            port = device.port_path or ""
            return port == self.value or port.startswith(self.value + ":")
        if self.kind == "serial":
            return device.serial == self.value
        if self.kind == "name":
            return self.value.casefold() in device.name.casefold()
        return os.path.realpath(device.path) == os.path.realpath(self.value)

    def __str__(self) -> str:
        return self.value if self.kind == "path" else f"{self.kind}:{self.value}"


def parse_selector(text: str) -> Selector:
    """Read a selector as written in a device config; raise DeviceError if it is none."""
    text = text.strip()
    if text.startswith("/"):
        return Selector("path", text)
    kind, _, value = text.partition(":")
    for known in _PREFIXES:
        if kind == known and value:
            return Selector(known, value)
    raise DeviceError(
        f"device selector {text!r}: write port:<ID_PATH>, serial:<ID_SERIAL>, name:<part of the"
        " name> or a /dev/input path"
    )


def find_input_devices(
    selector: Selector, devices: Iterable[DeviceIdentity] | None = None
) -> list[DeviceIdentity]:
    """The devices `selector` matches, keyboards first (a scanner's other nodes are not)."""
    candidates = list_input_devices() if devices is None else devices
    found = [device for device in candidates if selector.matches(device)]
    return sorted(found, key=lambda device: (not device.keyboard, device.path))


def list_input_devices() -> list[DeviceIdentity]:
    """Every event node, from udev when it can be asked, else from /dev/input and /sys."""
    try:
        return udev_input_devices()
    except DeviceError:
        return scan_input_nodes()


def udev_input_devices() -> list[DeviceIdentity]:
    """Every event node as udev knows it; DeviceError when pyudev or libudev is missing."""
    try:
        import pyudev  # type: ignore[import-untyped]

        devices = list(pyudev.Context().list_devices(subsystem="input"))
    except (ImportError, OSError) as exc:
        raise DeviceError(f"udev cannot be asked for input devices: {exc}") from exc
    found = []
    for device in devices:
        node = device.device_node
        if not device.sys_name.startswith("event") or node is None:
            continue
        properties = device.properties
        parent = device.parent
        name = str(parent.properties.get("NAME", "")).strip('"') if parent else ""
        found.append(
            DeviceIdentity(
                name or str(device.sys_name),
                str(node),
                port_path=_str_or_none(properties.get("ID_PATH")),
                serial=_str_or_none(properties.get("ID_SERIAL")),
                keyboard=properties.get("ID_INPUT_KEYBOARD") == "1",
            )
        )
    return found


def scan_input_nodes(
    dev_input: Path = Path("/dev/input"), sys_input: Path = Path("/sys/class/input")
) -> list[DeviceIdentity]:
    """Every event node, named from sysfs, with port and serial read off udev's links."""
    nodes = sorted(dev_input.glob("event*"), key=lambda node: (len(node.name), node.name))
    seen: dict[str, dict[str, str]] = {str(node): {} for node in nodes}
    for folder, pattern, key in (
        (dev_input / "by-path", _BY_PATH, "port"),
        (dev_input / "by-id", _BY_ID, "serial"),
    ):
        for link in sorted(folder.glob("*event*")):
            match = pattern.fullmatch(link.name)
            facts = seen.get(str(link.resolve()))
            if match and facts is not None:
                facts[key] = match[key]
                if match["cls"] == "kbd":
                    facts["kbd"] = "1"
    return [
        DeviceIdentity(
            _sysfs_name(sys_input, Path(path).name),
            path,
            port_path=facts.get("port"),
            serial=facts.get("serial"),
            keyboard="kbd" in facts,
        )
        for path, facts in seen.items()
    ]


def _sysfs_name(sys_input: Path, node: str) -> str:
    try:
        return (sys_input / node / "device" / "name").read_text().strip() or node
    except OSError:
        return node


def _str_or_none(value: object) -> str | None:
    return str(value) if value else None
