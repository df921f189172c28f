"""`hallq doctor`: each check says OK for a sound install and what to fix for a broken one."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import warnings
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import closing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import RunningHall

from display.voice.builder import build_pack
from queue_server.ops import checks, device_checks
from queue_server.ops.doctor import Finding, Install, Status, examine, exit_code
from queue_server.store.schema import MIGRATIONS, SCHEMA_VERSION

HALLQ = Path(sys.executable).with_name("hallq")
JIANGBEI = Path(__file__).resolve().parents[2] / "config" / "hall.example.toml"


def commands(answers: dict[str, str | None]) -> Callable[[Sequence[str]], str | None]:
    """A stand-in for running fc-list, timedatectl and chronyc: by program name."""

    def run(command: Sequence[str]) -> str | None:
        return answers.get(command[0])

    return run


def make_db(path: Path, version: int = SCHEMA_VERSION, *, wal: bool = True) -> Path:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        if wal:
            conn.execute("PRAGMA journal_mode=WAL")
        for step in range(1, version + 1):
            conn.executescript(MIGRATIONS[step])
        conn.execute(f"PRAGMA user_version={version}")
    return path


def finding(found: Finding | None) -> Finding:
    assert found is not None, "the check applies here"
    return found


def status(found: Finding | None) -> Status:
    return finding(found).status


def test_a_current_database_passes_and_older_ones_migrate(tmp_path: Path) -> None:
    install = Install("server", db=make_db(tmp_path / "hall.db"))
    assert status(checks.database(install)) is Status.OK
    assert status(checks.database_integrity(install)) is Status.OK
    assert status(checks.journal_mode(install)) is Status.OK
    older = Install("server", db=make_db(tmp_path / "old.db", SCHEMA_VERSION - 1))
    assert status(checks.database(older)) is Status.WARN
    newer = make_db(tmp_path / "new.db")
    with closing(sqlite3.connect(newer)) as conn:
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    found = finding(checks.database(Install("server", db=newer)))
    assert found.status is Status.FAIL and "newer" in found.message
    rollback = Install("server", db=make_db(tmp_path / "delete.db", wal=False))
    assert status(checks.journal_mode(rollback)) is Status.WARN


def test_a_broken_database_fails(tmp_path: Path) -> None:
    path = make_db(tmp_path / "hall.db", wal=False)
    with closing(sqlite3.connect(path)) as conn:
        conn.executemany(
            "INSERT INTO secrets VALUES (?, ?)", [(f"k{i}", b"x" * 3000) for i in range(50)]
        )
        conn.commit()
    data = bytearray(path.read_bytes())
    data[4096 * 3 : 4096 * 3 + 200] = b"\xff" * 200  # scribble over a page of the table
    path.write_bytes(bytes(data))
    assert status(checks.database_integrity(Install("server", db=path))) is Status.FAIL
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"not a database at all" * 100)
    assert status(checks.database(Install("server", db=garbage))) is Status.FAIL
    missing = Install("server", db=tmp_path / "none" / "hall.db")
    assert status(checks.database(missing)) is Status.WARN
    assert checks.database_integrity(missing) is None


SERVICE_USER = 65534  # nobody: the check runs as the service account would, never as root


def permissions_as_service_user(db: Path) -> Status:
    """file_permissions as an unprivileged user sees it: root may write anywhere, so a test
    run as root checks in a child process that gave up root first."""
    if os.geteuid() != 0:
        return status(checks.file_permissions(Install("server", db=db)))
    read, write = os.pipe()
    with warnings.catch_warnings():
        # Python 3.12 warns about forking a threaded process; the child only checks and exits.
        warnings.simplefilter("ignore", DeprecationWarning)
        child = os.fork()
    if child == 0:  # the child reports through the pipe and never returns
        try:
            os.setgid(SERVICE_USER)
            os.setuid(SERVICE_USER)
            found = status(checks.file_permissions(Install("server", db=db)))
            os.write(write, str(found).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(child, 0)
    with os.fdopen(read) as answer:
        return Status(answer.read())


def test_an_unwritable_folder_fails(tmp_path: Path) -> None:
    # Beside the test's folder, whose parents an unprivileged user may not enter.
    base = Path(tempfile.mkdtemp(prefix="hallq-doctor-"))
    try:
        folder = base / "ro"
        folder.mkdir()
        if os.geteuid() == 0:
            base.chmod(0o755)
            os.chown(folder, SERVICE_USER, SERVICE_USER)
        folder.chmod(0o500)
        assert permissions_as_service_user(folder / "hall.db") is Status.FAIL
        folder.chmod(0o700)
        assert permissions_as_service_user(folder / "hall.db") is Status.OK
    finally:
        shutil.rmtree(base)


def test_nightly_backups_missing_stale_and_fresh(tmp_path: Path) -> None:
    now = dt.datetime(2026, 12, 7, 9, 0, tzinfo=dt.UTC)
    install = Install("server", db=make_db(tmp_path / "hall.db"), now=lambda: now)
    found = finding(checks.backups(install))
    assert found.status is Status.WARN and "no backup" in found.message
    assert "hallq-backup.timer" in found.fix
    folder = tmp_path / "backups"
    folder.mkdir()
    for name, hours_ago in (("hall-20261204T023000.db", 78), ("hall-20261205T023000.db", 54)):
        made = (now - dt.timedelta(hours=hours_ago)).timestamp()
        (folder / name).write_bytes(b"")
        os.utime(folder / name, (made, made))
    found = finding(checks.backups(install))
    assert found.status is Status.WARN
    assert "hall-20261205T023000.db, is 54 h old (2 in" in found.message
    assert "journalctl -u hallq-backup" in found.fix
    (folder / "hall-20261207T023000.db").write_bytes(b"")
    made = (now - dt.timedelta(hours=6, minutes=30)).timestamp()
    os.utime(folder / "hall-20261207T023000.db", (made, made))
    found = finding(checks.backups(install))
    assert found.status is Status.OK and "hall-20261207T023000.db, is 6 h old" in found.message


def test_hall_config_and_its_timezone(tmp_path: Path) -> None:
    assert status(checks.hall_config(Install("server", config=JIANGBEI))) is Status.OK
    assert status(checks.timezone_data(Install("server", config=JIANGBEI))) is Status.OK
    bad = tmp_path / "hall.toml"
    bad.write_text(JIANGBEI.read_text(encoding="utf-8").replace("Asia/Shanghai", "Mars/Olympus"))
    found = finding(checks.hall_config(Install("server", config=bad)))
    assert found.status is Status.FAIL and "check-config" in found.fix
    assert checks.timezone_data(Install("server", config=bad)) is None


def test_holidays_of_this_year_and_from_november_the_next(tmp_path: Path) -> None:
    def check(config: Path, when: str) -> Finding:
        now = dt.datetime.fromisoformat(when)
        return finding(checks.holiday_calendar(Install("server", config=config, now=lambda: now)))

    assert check(JIANGBEI, "2026-06-01T12:00+08:00").status is Status.OK
    # 31 October 17:00 UTC is already 1 November in Chongqing.
    found = check(JIANGBEI, "2026-10-31T17:00+00:00")
    assert found.status is Status.WARN and "2027" in found.message
    # Not the built-in folder: a plain install keeps it in the virtualenv, where a file added
    # by hand is gone at the next upgrade (and one added to the checkout is never read).
    assert "2027.toml" in found.fix and "[ratings] holidays" in found.fix
    own = tmp_path / "holidays"
    own.mkdir()
    for year in (2026, 2027):
        holiday = f'[[holiday]]\nname = "元旦"\nfrom = {year}-01-01\nto = {year}-01-01\n'
        (own / f"{year}.toml").write_text(f"year = {year}\n{holiday}", encoding="utf-8")
    config = tmp_path / "hall.toml"
    text = JIANGBEI.read_text(encoding="utf-8").replace(
        "[ratings]\n", '[ratings]\nholidays = "holidays"\n', 1
    )
    config.write_text(text, encoding="utf-8")
    found = check(config, "2026-12-06T09:00+08:00")
    assert found.status is Status.OK and "2026, 2027" in found.message


def test_metrics_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    install = Install("server")
    monkeypatch.delenv("HALLQ_METRICS_ALLOW", raising=False)
    assert status(checks.metrics_setting(install)) is Status.WARN
    monkeypatch.setenv("HALLQ_METRICS_ALLOW", "10.0.0.0/8")
    assert status(checks.metrics_setting(install)) is Status.OK
    monkeypatch.setenv("HALLQ_METRICS_ALLOW", "ten-net")
    assert status(checks.metrics_setting(install)) is Status.FAIL


def test_time_sync_by_timedatectl_or_chrony() -> None:
    def check(answers: dict[str, str | None]) -> Status:
        return status(checks.time_sync(Install("server", run=commands(answers))))

    assert check({"timedatectl": "yes\n"}) is Status.OK
    assert check({"timedatectl": "no\n"}) is Status.WARN
    assert check({"chronyc": "Reference ID    : 1\nLeap status     : Normal\n"}) is Status.OK
    assert check({}) is Status.WARN


def test_fonts_by_fc_list() -> None:
    run = commands({"fc-list": "Noto Sans CJK SC,Noto Sans CJK SC Regular\n"})
    assert status(device_checks.cjk_font(Install("kiosk", run=run))) is Status.OK
    none = commands({"fc-list": ""})
    assert status(device_checks.cjk_font(Install("kiosk", run=none))) is Status.FAIL
    assert status(device_checks.cjk_font(Install("server", run=none))) is Status.WARN


def test_voice_pack_present_missing_and_incomplete(tmp_path: Path) -> None:
    pack = tmp_path / "voice"
    build_pack(pack)
    assert status(device_checks.voice_pack(Install("display", voice_pack=pack))) is Status.OK
    manifest = json.loads((pack / "pack.json").read_text(encoding="utf-8"))
    manifest["segments"] = [seg for seg in manifest["segments"] if seg["text"] != "七"]
    (pack / "pack.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    found = finding(device_checks.voice_pack(Install("display", voice_pack=pack)))
    assert found.status is Status.FAIL and "七" in found.message
    shutil.rmtree(pack)
    assert status(device_checks.voice_pack(Install("display", voice_pack=pack))) is Status.FAIL
    assert status(device_checks.voice_pack(Install("server", voice_pack=pack))) is Status.WARN


def test_a_missing_voice_pack_says_where_it_looked_and_how_to_build_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Run from another folder than the server's, a relative --voice-pack names another place:
    # the line shows the whole path, and the fix names this hallq's own Python (a plain
    # `python` is not the one hallq is installed in) and the server's --voice-pack.
    monkeypatch.chdir(tmp_path)
    found = finding(device_checks.voice_pack(Install("server", voice_pack=Path("var/voice/x"))))
    assert found.status is Status.WARN
    assert str(tmp_path / "var" / "voice" / "x") in found.message
    assert found.fix.startswith(f"build it: {sys.executable} -m display.voice.builder ")
    assert "--voice-pack" in found.fix


def test_a_voice_pack_folder_this_user_may_not_enter_is_a_finding_not_a_broken_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `sudo -u hallq hallq doctor` run from an admin's home folder, which hallq may not enter,
    # with the default (relative) --voice-pack: the check says so, it does not break.
    closed = tmp_path / "home"
    real_is_file = Path.is_file

    def is_file(self: Path) -> bool:
        if closed in self.parents:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", is_file)
    for device, severity in (("server", Status.WARN), ("display", Status.FAIL)):
        found = finding(device_checks.voice_pack(Install(device, voice_pack=closed / "voice")))
        assert found.check == "voice" and found.status is severity
        assert "Permission denied" in found.message and "--voice-pack" in found.fix


def test_kiosk_printer_by_device_node_usb_ids_or_fake_folder(tmp_path: Path) -> None:
    node = tmp_path / "lp0"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\n[printer]\nkind = "file"\ndevice = "{node}"\n')
    assert status(device_checks.printer(Install("kiosk", config=config))) is Status.FAIL
    node.write_bytes(b"")
    assert status(device_checks.printer(Install("kiosk", config=config))) is Status.OK
    sysfs = tmp_path / "sys"
    usb = tmp_path / "usb.toml"
    usb.write_text('[kiosk]\n[printer]\nkind = "usb"\nvendor_id = 0x0416\nproduct_id = 0x5011\n')
    assert status(device_checks.printer(Install("kiosk", config=usb, sysfs=sysfs))) is Status.FAIL
    plugged = sysfs / "bus" / "usb" / "devices" / "1-1"
    plugged.mkdir(parents=True)
    (plugged / "idVendor").write_text("0416\n")
    (plugged / "idProduct").write_text("5011\n")
    assert status(device_checks.printer(Install("kiosk", config=usb, sysfs=sysfs))) is Status.OK
    assert status(device_checks.printer(Install("kiosk", fake_devices=tmp_path))) is Status.OK
    gone = tmp_path / "gone"
    assert status(device_checks.printer(Install("kiosk", fake_devices=gone))) is Status.FAIL
    assert status(device_checks.printer(Install("kiosk"))) is Status.FAIL


def test_chromium_on_the_path_or_not() -> None:
    assert (
        status(device_checks.chromium(Install("kiosk", which=lambda n: f"/usr/bin/{n}")))
        is Status.OK
    )
    assert status(device_checks.chromium(Install("kiosk", which=lambda n: None))) is Status.FAIL


def test_warnings_alone_exit_0_and_a_failure_exits_1(tmp_path: Path) -> None:
    quiet = commands({"fc-list": "WenQuanYi Micro Hei\n", "timedatectl": "no\n"})
    install = Install("server", db=tmp_path / "hall.db", run=quiet)
    findings = examine(install)
    assert {f.check for f in findings} >= {"python", "config", "database", "disk", "time"}
    assert Status.WARN in {f.status for f in findings} and exit_code(findings) == 0
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"junk" * 1000)
    assert exit_code(examine(Install("server", db=broken, run=quiet))) == 1


def test_the_command_prints_one_line_a_check_and_json(tmp_path: Path) -> None:
    db = make_db(tmp_path / "hall.db")
    args = ["doctor", "--config", str(JIANGBEI), "--db", str(db), "--voice-pack", str(tmp_path)]
    text = subprocess.run([str(HALLQ), *args], capture_output=True, text=True, check=False)
    lines = text.stdout.splitlines()
    assert lines and all(line.split()[0] in {"OK", "WARN", "FAIL"} for line in lines)
    assert any(line.startswith("OK   database:") for line in lines)
    as_json = subprocess.run(
        [str(HALLQ), *args, "--json"], capture_output=True, text=True, check=False
    )
    findings = json.loads(as_json.stdout)
    assert len(findings) == len(lines) and as_json.returncode == text.returncode
    unreachable = subprocess.run(
        [str(HALLQ), *args, "--server", "http://127.0.0.1:9"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert unreachable.returncode == 1 and "FAIL server:" in unreachable.stdout


async def test_the_port_is_free_held_by_a_hall_or_by_another_program(
    start_hall: Callable[..., Awaitable[RunningHall]],
) -> None:
    hall = await start_hall()
    held = Install("server", port=hall.server.port)
    found = finding(await asyncio.to_thread(checks.port, held))
    assert found.status is Status.OK and "answers" in found.message
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = Install("server", port=other.getsockname()[1])
        assert status(await asyncio.to_thread(checks.port, taken)) is Status.FAIL
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        free = probe.getsockname()[1]
    assert status(checks.port(Install("server", port=free))) is Status.OK
    assert checks.port(Install("server", server="http://127.0.0.1:9")) is None


def test_a_font_for_the_halls_second_language() -> None:
    mongolian = JIANGBEI.with_name("hall.mongolian.example.toml")
    asked: list[Sequence[str]] = []

    def fonts(found: str) -> Callable[[Sequence[str]], str | None]:
        def run(command: Sequence[str]) -> str | None:
            asked.append(command)
            return found

        return run

    with_font = Install("server", config=mongolian, run=fonts("Noto Sans Mongolian\n"))
    assert status(device_checks.second_language_font(with_font)) is Status.OK
    assert asked[-1] == ["fc-list", ":lang=mn-cn", "family"]
    without = Install("server", config=mongolian, run=fonts(""))
    assert status(device_checks.second_language_font(without)) is Status.WARN
    assert device_checks.second_language_font(Install("server", config=JIANGBEI)) is None


def test_a_directory_or_another_programs_file_is_not_a_hall_database(tmp_path: Path) -> None:
    folder = Install("server", db=tmp_path)
    found = finding(checks.database(folder))
    assert found.status is Status.FAIL and f"{tmp_path} is a directory" in found.message
    assert checks.database_integrity(folder) is None and checks.journal_mode(folder) is None
    assert checks.file_permissions(folder) is None  # said once, by the database check
    other = tmp_path / "other.db"
    with closing(sqlite3.connect(other)) as conn:
        conn.execute("CREATE TABLE foo (x)")
        conn.commit()
    foreign = Install("server", db=other)
    found = finding(checks.database(foreign))
    assert found.status is Status.FAIL and "not a hallq database" in found.message
    assert checks.database_integrity(foreign) is None and checks.journal_mode(foreign) is None
    empty = tmp_path / "empty.db"
    empty.touch()  # what the server fills with its tables at its first start
    assert status(checks.database(Install("server", db=empty))) is Status.WARN
    in_the_way = Install("server", db=other / "hall.db")
    found = finding(checks.database(in_the_way))
    assert found.status is Status.FAIL and f"{other} is not a folder" in found.message


def test_a_file_that_is_no_sqlite_database_is_a_wrong_db_not_one_to_restore(
    tmp_path: Path,
) -> None:
    """The hall config passed as --db (the two are side by side on every command line) was
    "file is not a database -> restore the latest backup", and the integrity check failed
    it a second time: advice to replace a file that is no database with one."""
    config = tmp_path / "hall.toml"
    shutil.copy(JIANGBEI, config)
    mixed_up = Install("server", db=config)
    found = finding(checks.database(mixed_up))
    assert found.status is Status.FAIL
    assert "is not a SQLite database" in found.message and found.fix.startswith("check --db")
    assert checks.database_integrity(mixed_up) is None and checks.journal_mode(mixed_up) is None
    damaged = make_db(tmp_path / "hall.db", wal=False)  # a real database whose header broke
    with damaged.open("r+b") as file:
        file.seek(16)
        file.write(b"\xff" * 84)
    found = finding(checks.database(Install("server", db=damaged)))
    assert found.status is Status.FAIL and "restore" in found.fix


def test_permissions_of_a_folder_that_is_not_there_yet(tmp_path: Path) -> None:
    folder = tmp_path / "nothere"
    found = finding(checks.file_permissions(Install("server", db=folder / "none.db")))
    assert found.status is Status.OK
    assert f"the folder {folder} does not exist" in found.message
    assert f"can create it in {tmp_path}" in found.message
    there = finding(checks.file_permissions(Install("server", db=tmp_path / "hall.db")))
    assert there.status is Status.OK and f"{tmp_path} is writable" in there.message


def test_a_folder_the_service_user_cannot_create_fails() -> None:
    base = Path(tempfile.mkdtemp(prefix="hallq-doctor-"))
    try:
        closed = base / "ro"
        closed.mkdir()
        if os.geteuid() == 0:
            base.chmod(0o755)
            os.chown(closed, SERVICE_USER, SERVICE_USER)
        closed.chmod(0o500)
        assert permissions_as_service_user(closed / "nothere" / "hall.db") is Status.FAIL
        closed.chmod(0o700)
        assert permissions_as_service_user(closed / "nothere" / "hall.db") is Status.OK
    finally:
        shutil.rmtree(base)


class _Answers(BaseHTTPRequestHandler):
    """A web server's answer to /healthz, as set on the server."""

    def do_GET(self) -> None:
        code, body = self.server.answer  # type: ignore[attr-defined]
        self.send_response(code)
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextlib.contextmanager
def web_server(code: int, body: bytes) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Answers)
    server.answer = (code, body)  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


@contextlib.contextmanager
def banner_server(banner: bytes) -> Iterator[str]:
    """A program that is no web server: it greets and hangs up (an SSH daemon, say)."""
    listener = socket.create_server(("127.0.0.1", 0))

    def greet() -> None:
        with contextlib.suppress(OSError):
            conn, _ = listener.accept()
            with conn:
                conn.sendall(banner)

    thread = threading.Thread(target=greet)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
        thread.join()


def test_a_server_that_is_not_hallq_is_named_so() -> None:
    for code, body in [(404, b"<h1>File not found</h1>"), (200, b"<html>welcome</html>")]:
        with web_server(code, body) as url:
            found = finding(checks.server_answers(Install("server", server=url)))
        assert found.status is Status.FAIL
        assert f"something other than a hallq server answers at {url}" in found.message
        assert "start it" not in found.fix
    with banner_server(b"SSH-2.0-OpenSSH_9.2\r\n") as url:
        found = finding(checks.server_answers(Install("server", server=url)))
    assert found.status is Status.FAIL and "something other than a hallq" in found.message
    # A hallq server that answers but is not well is a hallq server all the same.
    with web_server(503, b'{"status": "down", "reason": "the writer stopped"}') as url:
        found = finding(checks.server_answers(Install("server", server=url)))
    assert found.status is Status.FAIL and "down" in found.message
    assert "journalctl" in found.fix
    with web_server(200, b'{"status": "ok"}') as url:
        assert status(checks.server_answers(Install("server", server=url))) is Status.OK


def test_a_check_that_breaks_is_one_failure_and_the_others_run(tmp_path: Path) -> None:
    def broken(_: Install) -> Finding:
        raise RuntimeError("surprise")

    everywhere = frozenset({"server"})
    findings = examine(
        Install("server", db=tmp_path / "hall.db"),
        [(everywhere, broken), (everywhere, checks.python_version)],
    )
    assert [(f.check, f.status) for f in findings] == [
        ("broken", Status.FAIL),
        ("python", Status.OK),
    ]
    assert "surprise" in findings[0].message


@pytest.mark.parametrize(
    ("server", "said"),
    [
        ("127.0.0.1:8080", "does not start with http://"),  # the scheme left out in a hurry
        ("htp://127.0.0.1:8080", "does not start with http://"),
        ("http://", "names no host"),
        ("http://127.0.0.1:99999", "out of range"),
        ("http://[::1", "Invalid IPv6 URL"),  # was "the check itself failed": a bug report
    ],
)
def test_a_server_address_that_is_no_url_says_how_to_write_one(server: str, said: str) -> None:
    found = finding(checks.server_answers(Install("server", server=server)))
    assert found.status is Status.FAIL
    assert found.message.startswith(f"--server {server!r} is not a server address: ")
    assert said in found.message
    assert found.fix.startswith("write it as http://HOST:PORT")
