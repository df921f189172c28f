"""The systemd units in systemd/ agree with each other and with docs/operations.md."""

from __future__ import annotations

import datetime as dt
import re
from fnmatch import fnmatchcase
from pathlib import Path

from queue_server.ops.checks import BACKUP_PATTERN

REPO = Path(__file__).resolve().parents[2]
UNITS = REPO / "systemd"


def settings(unit: str) -> dict[str, list[str]]:
    """Every `Key=value` of a unit file, values in order (a key may repeat)."""
    found: dict[str, list[str]] = {}
    text = (UNITS / unit).read_text(encoding="utf-8").replace("\\\n", " ")
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith(("#", ";", "[")):
            found.setdefault(key.strip(), []).append(value.strip())
    return found


def test_every_unit_of_the_hall_s_state_folder_keeps_it_closed() -> None:
    """systemd sets a StateDirectory= to the unit's StateDirectoryMode= (0755 when unset) at
    each start: the nightly backup opened /var/lib/hallq to every user until the server's
    next restart closed it again."""
    sharing = [
        unit.name
        for unit in sorted(UNITS.glob("*.service"))
        if settings(unit.name).get("StateDirectory") == ["hallq"]
    ]
    assert sharing == ["hallq-backup.service", "hallq-server.service"]
    for unit in sharing:
        assert settings(unit).get("StateDirectoryMode") == ["0750"], unit


def test_server_and_backup_use_the_paths_the_operations_guide_names() -> None:
    guide = (REPO / "docs" / "operations.md").read_text(encoding="utf-8")
    serve = settings("hallq-server.service")["ExecStart"][0]
    backup = settings("hallq-backup.service")["ExecStart"][0]
    assert "--config /etc/hallq/hall.toml" in serve and "`/etc/hallq/hall.toml`" in guide
    assert "--db /var/lib/hallq/hall.db" in serve and "`/var/lib/hallq/hall.db`" in guide
    assert "--db /var/lib/hallq/hall.db" in backup
    written = re.search(r"out=(/\S+)/hall-", backup)
    assert written is not None and "`/var/lib/hallq/backups/hall-" in guide
    assert written.group(1) == "/var/lib/hallq/backups"


def test_the_nightly_rotation_deletes_the_nightly_copies_and_no_other() -> None:
    """The rotation deleted every `hall-*.db` older than 14 days, so a copy taken by hand
    before an upgrade as hall-before-upgrade.db went with them, where the guide says a copy
    under another name is left alone; doctor counted it as a nightly one too."""
    backup = settings("hallq-backup.service")["ExecStart"][0]
    stamp = re.search(r"hall-\$\$\(date \+(\S+)\)\.db", backup)
    rotated = re.search(r'-name "([^"]+)"', backup)
    assert stamp is not None and rotated is not None
    nightly = "hall-" + dt.datetime(2026, 11, 23, 2, 30).strftime(stamp.group(1).replace("%%", "%"))
    assert fnmatchcase(nightly + ".db", rotated.group(1))
    for kept in ("hall-before-upgrade.db", "hall-2026-11-23.db", "hall.db"):
        assert not fnmatchcase(kept, rotated.group(1)), kept
    assert rotated.group(1) == BACKUP_PATTERN  # what doctor counts as a nightly backup


def test_every_agent_is_started_again_after_any_exit() -> None:
    """An agent whose work crashed exits non-zero (kiosk.running.run_until): its unit must
    start it again, however often, rather than leave the kiosk or the window without it."""
    for unit in ("hallq-kiosk.service", "hallq-station.service"):
        found = settings(unit)
        assert found.get("Restart") == ["always"], unit
        assert found.get("StartLimitIntervalSec") == ["0"], unit
