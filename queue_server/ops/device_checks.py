"""The doctor's checks of what devices need: voice pack, fonts, printer, Chromium."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from queue_server.ops.checks import hall
from queue_server.ops.doctor import Finding, Install, Status

CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome")
# fontconfig's language for a hall's second language, where it differs from the BCP 47 tag.
FONT_LANGUAGES = {"mn-mong": "mn-cn", "mn-cyrl": "mn"}


def voice_pack(install: Install) -> Finding:
    from display.voice.errors import VoiceError
    from display.voice.pack import MANIFEST, VoicePack
    from display.voice.script import DIGITS, LETTERS, TEN

    # Whole paths: a relative --voice-pack is taken from the folder doctor runs in, which is
    # not the server's (the unit runs it in /var/lib/hallq), and the fix must name this
    # hallq's own Python: a plain `python` is not the one hallq is installed in.
    folder = install.voice_pack.absolute()
    severity = Status.FAIL if install.device == "display" else Status.WARN
    build = (
        f"build it: {sys.executable} -m display.voice.builder {folder} "
        "(or give --voice-pack the folder the server or display agent uses)"
    )
    try:
        present = (folder / MANIFEST).is_file()
    except OSError as exc:  # a folder above it closed to this user (an admin's home folder)
        return Finding(
            "voice",
            severity,
            f"cannot look in {folder}: {exc.strerror or exc}",
            "give --voice-pack the whole path of the pack the server or display agent uses",
        )
    if not present:
        return Finding("voice", severity, f"no voice pack in {folder}", build)
    try:
        pack = VoicePack.load(folder)
    except (VoiceError, OSError) as exc:
        return Finding("voice", severity, f"the pack in {folder} does not load: {exc}", build)
    found = hall(install)
    prefixes = [s.prefix for s in found.services] if found else []
    needed = [*DIGITS, TEN, *(c for p in prefixes for c in p.upper() if c in LETTERS)]
    lacking = pack.missing(needed)
    if lacking:
        return Finding("voice", severity, f"the pack {pack.name!r} lacks {list(lacking)}", build)
    return Finding("voice", Status.OK, f"pack {pack.name!r}, {len(pack.names)} segments")


def _fonts_for(install: Install, language: str) -> list[str]:
    listed = install.run(["fc-list", f":lang={language}", "family"])
    return [line.split(",")[0] for line in (listed or "").splitlines() if line.strip()]


def cjk_font(install: Install) -> Finding:
    families = _fonts_for(install, "zh-cn")
    if families:
        return Finding("fonts", Status.OK, f"Chinese font: {families[0]}")
    severity = Status.FAIL if install.device == "kiosk" else Status.WARN
    return Finding(
        "fonts",
        severity,
        "no Chinese font (fc-list :lang=zh-cn): tickets and pages show boxes",
        "apt install fonts-noto-cjk (or fonts-wqy-microhei)",
    )


def second_language_font(install: Install) -> Finding | None:
    found = hall(install)  # only a server knows the hall's config
    language = found.second_language if found else None
    if not language:
        return None
    fc_language = FONT_LANGUAGES.get(language.lower(), language.split("-")[0].lower())
    families = _fonts_for(install, fc_language)
    if families:
        return Finding("fonts-2nd", Status.OK, f"{language} font: {families[0]}")
    return Finding(
        "fonts-2nd",
        Status.WARN,
        f"no font for the hall's second language {language} (fc-list :lang={fc_language})",
        "install one, e.g. fonts-noto-core (Mongolian, Arabic script)",
    )


def printer(install: Install) -> Finding:
    if install.fake_devices is not None:
        folder = install.fake_devices
        if folder.is_dir() and os.access(folder, os.W_OK):
            return Finding("printer", Status.OK, f"fake devices in {folder}")
        return Finding(
            "printer", Status.FAIL, f"{folder} is not a writable folder", f"mkdir -p {folder}"
        )
    if install.config is None:
        return Finding(
            "printer", Status.FAIL, "no kiosk config", "pass --config with the kiosk's TOML file"
        )
    try:
        from drivers.printer.base import PrinterError
        from drivers.printer.settings import ConnectionKind
        from kiosk.agent.errors import SettingsError
        from kiosk.agent.settings import KioskSettings
    except ImportError as missing:
        return Finding(
            "printer", Status.FAIL, f"no printer driver ({missing})", "pip install 'hallq[devices]'"
        )
    try:
        settings = KioskSettings.load(install.config).printer
    except (SettingsError, PrinterError) as exc:
        return Finding("printer", Status.FAIL, str(exc), f"fix the [printer] of {install.config}")
    if settings is None:
        return Finding("printer", Status.FAIL, "the kiosk config has no [printer]", "add one")
    if settings.kind in (ConnectionKind.FILE, ConnectionKind.SERIAL):
        node = Path(settings.device)
        if not node.exists():
            return Finding(
                "printer",
                Status.FAIL,
                f"{node} does not exist",
                "plug the printer in and check the cable; ls /dev/usb /dev/tty*",
            )
        if not os.access(node, os.W_OK):
            return Finding(
                "printer", Status.FAIL, f"{node} is not writable", "add the user to group lp"
            )
        return Finding("printer", Status.OK, f"{settings.name} present")
    if settings.kind is ConnectionKind.USB:
        wanted = (f"{settings.vendor_id:04x}", f"{settings.product_id:04x}")
        for found in sorted((install.sysfs / "bus" / "usb" / "devices").glob("*")):
            ids = tuple(_read(found / name) for name in ("idVendor", "idProduct"))
            if ids == wanted:
                return Finding("printer", Status.OK, f"{settings.name} plugged in ({found.name})")
        return Finding(
            "printer",
            Status.FAIL,
            f"no USB device {':'.join(wanted)}",
            "plug the printer in; lsusb lists the ids to put in [printer]",
        )
    return Finding(
        "printer",
        Status.WARN,
        f"{settings.name}: a network printer is not probed",
        "print a test ticket from the kiosk page",
    )


def _read(path: Path) -> str:
    try:
        return path.read_text().strip().lower()
    except OSError:
        return ""


def chromium(install: Install) -> Finding:
    configured = os.environ.get("HALLQ_CHROMIUM")
    names = (configured, *CHROMIUM_NAMES) if configured else CHROMIUM_NAMES
    for name in names:
        found = install.which(name)
        if found:
            return Finding("chromium", Status.OK, found)
    return Finding(
        "chromium",
        Status.FAIL,
        "no Chromium for the kiosk, board and station pages",
        "apt install chromium",
    )
