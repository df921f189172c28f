"""Starting `hallq station`: a bad start says what is wrong, once and plainly, never a trace."""

from __future__ import annotations

import argparse
import gc
import socket
import warnings
from pathlib import Path

import pytest

from kiosk.station.main import run

NOWHERE = "http://127.0.0.1:9"  # nothing answers: the station must stop before it tries


def args(config: Path, **given: object) -> argparse.Namespace:
    return argparse.Namespace(
        **{"config": str(config), "server": None, "port": None, "fake_devices": None, **given}
    )


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def test_a_bad_server_on_the_command_line_is_said_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path,
        f"""
[station]
server = "{NOWHERE}"
window = "3"
pad_token = "p"
""",
    )
    assert await run(args(config, server="hall:8080", fake_devices=str(tmp_path))) == 1
    assert capsys.readouterr().err == (
        "hallq station: --server: must be an http:// or https:// URL, not 'hall:8080'\n"
    )


async def test_missing_devices_and_unreadable_tokens_are_listed_together_with_their_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(
        tmp_path,
        f"""
[station]
server = "{NOWHERE}"
window = "3"
station_token_file = "{tmp_path / "station.token"}"
pad_token_file = "{tmp_path / "pad.token"}"
[keypad]
[key_pad]
""",
    )
    assert await run(args(config)) == 1
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "hallq station: bad station config:"
    assert [line.split(":", 1)[0].strip() for line in lines[1:]] == [
        "station.station_token_file",
        "station.pad_token_file",
        "keypad.device",
        "key_pad.device",
    ]
    assert "(or use --fake-devices DIR)" in lines[3]


async def test_a_pad_page_port_already_taken_is_said_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = write(
            tmp_path,
            f"""
[station]
server = "{NOWHERE}"
window = "3"
pad_token = "p"
[touch_pad]
port = {port}
""",
        )
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert await run(args(config, fake_devices=str(tmp_path / "fake"))) == 1
            gc.collect()
    err = capsys.readouterr().err
    assert err.startswith(f"hallq station: the pad page cannot use 127.0.0.1:{port}"), err
    assert "[touch_pad] port or --port" in err
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


DEVICE_ADD_OUTPUT = (  # what `hallq device add` prints: the token is its last line
    "created pad 'w3-pad' at window 3\n"
    "its token is shown only this once; put it in the device's config:\n"
    "Zm9vYmFyYmF6cXV4cXV1eGNvcmdl\n"
)


async def test_a_token_file_holding_more_than_the_token_is_refused_with_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "station.token").write_text(DEVICE_ADD_OUTPUT, encoding="utf-8")
    (tmp_path / "pad.token").write_text("Zm9vYmFy\x1bYmF6\n", encoding="utf-8")
    config = write(
        tmp_path,
        f"""
[station]
server = "{NOWHERE}"
window = "3"
station_token_file = "{tmp_path / "station.token"}"
pad_token_file = "{tmp_path / "pad.token"}"
[keypad]
""",
    )
    assert await run(args(config)) == 1
    assert capsys.readouterr().err.splitlines() == [
        "hallq station: bad station config:",
        "  station.station_token_file: holds 3 lines; a token file holds the token alone "
        "(hallq device add ... | tail -n 1 > FILE)",
        "  station.pad_token_file: holds a control character; a token file holds the token "
        "alone (hallq device add ... | tail -n 1 > FILE)",
        "  keypad.device: missing: name the input device (or use --fake-devices DIR)",
    ]
