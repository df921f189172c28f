"""PrinterSettings: how the kiosk reaches its printer, read once from the device config."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from escpos.capabilities import CAPABILITIES  # type: ignore[import-untyped]

from drivers.printer.base import PrinterError
from queue_server.config.reader import Problems, Table

# A profile that knows its paper width (576 dots) and its cutter; most 80 mm printers take it.
DEFAULT_PROFILE = "TM-T20II"
PROFILES: frozenset[str] = frozenset(CAPABILITIES["profiles"])


class SettingsError(PrinterError):
    """The printer settings are wrong; `problems` lists each with its key."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("bad printer settings:\n  " + "\n  ".join(problems))
        self.problems = problems


class ConnectionKind(StrEnum):
    USB = "usb"
    SERIAL = "serial"
    NETWORK = "network"
    FILE = "file"  # a device node of the kernel's usblp driver, e.g. /dev/usb/lp0


class FlowControl(StrEnum):
    """How a serial printer says it is busy, as set on the printer (its self-test page shows
    it). Linux has no DTR/DSR handshake, so a printer set to that needs `none` here."""

    NONE = "none"
    RTSCTS = "rtscts"  # hardware: the printer drops CTS while its buffer is full
    XONXOFF = "xonxoff"  # software: the printer sends XOFF, then XON


@dataclass(frozen=True)
class PrinterSettings:
    """One printer connection; only the fields of its kind matter."""

    kind: ConnectionKind
    vendor_id: int = 0
    product_id: int = 0
    # Epson's endpoints; many Chinese printers differ (`lsusb -v` shows theirs).
    in_endpoint: int = 0x82
    out_endpoint: int = 0x01
    device: str = ""  # serial port or device node
    baudrate: int = 9600
    flow_control: FlowControl = FlowControl.NONE
    host: str = ""
    port: int = 9100
    profile: str = DEFAULT_PROFILE
    # For a status answer (and a network connect): short, the kiosk asks before every issue.
    status_timeout_ms: int = 1000
    # For one job to go out; on a serial line, on top of the time its bytes take there (an
    # image ticket is about 45 KB: 47 s at 9600 baud).
    write_timeout_ms: int = 10_000

    @property
    def name(self) -> str:
        match self.kind:
            case ConnectionKind.USB:
                return f"usb:{self.vendor_id:04x}:{self.product_id:04x}"
            case ConnectionKind.NETWORK:
                return f"network:{self.host}:{self.port}"
            case _:
                return f"{self.kind}:{self.device}"

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], path: str = "") -> PrinterSettings:
        """Read a `[printer]` table; raise SettingsError naming every problem at once."""
        problems = Problems()
        table = Table(data, path, problems)
        settings = _read(table, data)
        # Which keys belong depends on the kind: without a kind, "unknown key" would mislead.
        if data.get("kind") in set(ConnectionKind):
            table.close()
        if problems.items:
            raise SettingsError(problems.items)
        return settings


def _read(table: Table, data: Mapping[str, object]) -> PrinterSettings:
    def required_integer(key: str) -> int:
        if key not in data:
            table.problem(key, "missing required key")
        return table.integer(key, 0, 0, 0xFFFF)

    kind = table.choice("kind", ConnectionKind)
    profile = table.optional_text("profile") or DEFAULT_PROFILE
    if profile not in PROFILES:
        table.problem("profile", f"python-escpos has no printer profile {profile!r}")
    common = PrinterSettings(
        kind=kind,
        profile=profile,
        status_timeout_ms=table.integer("status_timeout_ms", 1000, 10, 30_000),
        write_timeout_ms=table.integer("write_timeout_ms", 10_000, 100, 600_000),
    )
    if data.get("kind") not in set(ConnectionKind):
        return common
    match kind:
        case ConnectionKind.USB:
            return replace(
                common,
                vendor_id=required_integer("vendor_id"),
                product_id=required_integer("product_id"),
                in_endpoint=table.integer("in_endpoint", 0x82, 0x81, 0x8F),
                out_endpoint=table.integer("out_endpoint", 0x01, 0x01, 0x0F),
            )
        case ConnectionKind.SERIAL:
            return replace(
                common,
                device=table.text("device"),
                baudrate=table.integer("baudrate", 9600, 1200, 921_600),
                flow_control=table.choice("flow_control", FlowControl, FlowControl.NONE),
            )
        case ConnectionKind.NETWORK:
            return replace(
                common, host=table.text("host"), port=table.integer("port", 9100, 1, 65535)
            )
        case ConnectionKind.FILE:
            return replace(common, device=table.text("device"))
