"""FakePrinter: a TicketPrinter that keeps its jobs, steered in memory or through a folder.

The folder contract (`hallq kiosk --fake-devices DIR`), for a person or a test to steer:

- Each job's raw ESC/POS bytes go to `DIR/print-<n>.bin`, n = 1, 2, ... continuing after the
  highest n already in DIR; a file appears whole (written aside, then renamed).
- `DIR/printer.state` holds the condition, read afresh at every status query (and so before
  every issue): `ok`, `paper_low`, `paper_out`, `cover_open` or `offline`; a missing file
  means `ok`, anything else is `unknown`.
- `unplug_mid_print` in `printer.state` looks `ok` until the next job, which fails part-way:
  its first half goes to `DIR/print-<n>.partial`, and the printer is then `offline` until
  `printer.state` changes.
- A job sent while the condition does not allow printing fails whole and writes nothing.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from drivers.printer.base import PrinterCondition, PrinterStatus, PrintFailed

STATE_FILE = "printer.state"
UNPLUG_MID_PRINT = "unplug_mid_print"
_JOB_FILE = re.compile(r"print-(\d+)\.(?:bin|partial)")
# printer.state's bytes and modification time, or None when there is no such file.
_State = tuple[bytes, int] | None


class FakePrinter:
    """Prints instantly; `jobs` holds every whole job, `partial_jobs` the cut-off ones."""

    def __init__(self, folder: Path | None = None, *, name: str = "fake") -> None:
        self.folder = folder
        self.jobs: list[bytes] = []
        self.partial_jobs: list[bytes] = []
        self._name = name
        self._condition = PrinterCondition.OK
        self._unplug_next = False
        self._unplugged = False
        # printer.state as the unplug found it: the fake stays offline until it changes.
        self._state_at_unplug: _State = None

    @property
    def name(self) -> str:
        return f"{self._name}:{self.folder}" if self.folder else self._name

    def set_condition(self, condition: PrinterCondition) -> None:
        self._condition = condition
        self._unplugged = False

    def unplug_mid_print(self) -> None:
        """Make the next job fail part-way, leaving the printer offline."""
        self._unplug_next = True

    async def status(self) -> PrinterStatus:
        state = self._read_state()
        if self._unplugged and state != self._state_at_unplug:
            self._unplugged = False
        if self._unplugged:
            return PrinterStatus(PrinterCondition.OFFLINE, "unplugged mid-print")
        if self.folder is None:
            return PrinterStatus(self._condition)
        text = _text(state)
        if text == UNPLUG_MID_PRINT:
            return PrinterStatus(PrinterCondition.OK, "will be unplugged mid-print")
        if text in set(PrinterCondition) - {PrinterCondition.UNKNOWN}:
            return PrinterStatus(PrinterCondition(text))
        return PrinterStatus(PrinterCondition.UNKNOWN, f"{STATE_FILE} says {text!r}")

    async def print_job(self, job: bytes) -> None:
        status = await self.status()
        if not status.condition.can_print(trust_unknown=True):
            raise PrintFailed(f"{self.name}: cannot print while {status.condition}")
        if self._unplug_next or _text(self._read_state()) == UNPLUG_MID_PRINT:
            sent = job[: len(job) // 2]
            self._unplug_next, self._unplugged = False, True
            self._state_at_unplug = self._read_state()
            self.partial_jobs.append(sent)
            self._write("partial", sent)
            raise PrintFailed(f"{self.name}: unplugged mid-print")
        self.jobs.append(job)
        self._write("bin", job)

    async def close(self) -> None:
        """Nothing to let go of."""

    def _read_state(self) -> _State:
        if self.folder is None:
            return None
        path = self.folder / STATE_FILE
        try:
            return path.read_bytes(), path.stat().st_mtime_ns
        except FileNotFoundError:
            return None

    def _write(self, suffix: str, data: bytes) -> None:
        if self.folder is None:
            return
        numbers = (m[1] for m in map(_JOB_FILE.fullmatch, os.listdir(self.folder)) if m)
        n = max(map(int, numbers), default=0) + 1
        target = self.folder / f"print-{n}.{suffix}"
        aside = target.with_name(f".{target.name}.tmp")
        aside.write_bytes(data)
        aside.replace(target)


def _text(state: _State) -> str:
    return state[0].decode(errors="replace").strip() if state else "ok"
