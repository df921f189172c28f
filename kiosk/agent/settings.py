"""The kiosk's device config (TOML): server, printer, scanner, card reader, ticket layout."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from drivers.printer.base import PrinterError
from drivers.printer.settings import PrinterSettings
from kiosk.agent.command import DEFAULT_PORT
from kiosk.agent.desk import UnprintedPolicy
from kiosk.agent.errors import SettingsError
from kiosk.config_checks import device_selector, server_problem
from kiosk.config_file import read_toml
from kiosk.ticket.layout import LayoutError, TicketLayout
from queue_server.config.reader import Problems, Table


@dataclass(frozen=True)
class KioskSettings:
    """Everything a kiosk needs besides its token; the command line may override the server."""

    server: str | None = None
    port: int = DEFAULT_PORT
    state_dir: Path | None = None  # where the unprinted-ticket ledger lives
    unprinted: UnprintedPolicy = UnprintedPolicy.REPRINT
    trust_unknown_printer: bool = False
    phone_url: str | None = None  # the printed QR's base, when phones reach the server elsewhere
    missed_rule: str | None = None
    printer: PrinterSettings | None = None  # None: only with --fake-devices
    scanner: str | None = None  # a device selector: ID_PATH, serial, name or /dev/input path
    card_reader: str | None = None
    layout: TicketLayout = field(default_factory=TicketLayout)

    @classmethod
    def load(cls, path: Path) -> KioskSettings:
        return cls.from_mapping(read_toml(path, SettingsError))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> KioskSettings:
        """Read the whole file; SettingsError lists every problem with its key."""
        problems = Problems()
        top = Table(data, "", problems)
        kiosk = top.table("kiosk")
        server = kiosk.optional_text("server")
        if server is not None and (problem := server_problem(server)):
            kiosk.problem("server", problem)
        state_dir = kiosk.optional_text("state_dir")
        scanner, card_reader = top.table("scanner"), top.table("card_reader")
        top.table("printer"), top.table("ticket")  # read below by their own modules
        settings = cls(
            server=server,
            port=kiosk.integer("port", DEFAULT_PORT, 1, 65535),
            state_dir=Path(state_dir) if state_dir else None,
            unprinted=kiosk.choice("unprinted", UnprintedPolicy, UnprintedPolicy.REPRINT),
            trust_unknown_printer=kiosk.flag("trust_unknown_printer", False),
            phone_url=kiosk.optional_text("phone_url"),
            missed_rule=kiosk.optional_text("missed_rule"),
            printer=_nested(data, "printer", problems, PrinterSettings.from_mapping),
            scanner=device_selector(scanner),
            card_reader=device_selector(card_reader),
            layout=_nested(data, "ticket", problems, TicketLayout.from_mapping) or TicketLayout(),
        )
        kiosk.retired(
            "green_age",
            "the green-channel age is the hall's now: [policy] green_channel_age in the hall"
            " config (every kiosk reads it from the server); remove this line",
        )
        for table in (kiosk, scanner, card_reader, top):
            table.close()
        if problems.items:
            raise SettingsError(problems.items)
        return settings


def _nested(data: dict[str, Any], key: str, problems: Problems, read: Any) -> Any:
    """A table read by its own module's reader, its problems added to ours."""
    raw = data.get(key)
    if not isinstance(raw, dict):
        return None  # absent, or the wrong type (which Table.table has reported)
    try:
        return read(raw, key)
    except (PrinterError, LayoutError) as exc:
        problems.items.extend(getattr(exc, "problems", [str(exc)]))
        return None
