"""Starting `hallq kiosk`: a bad start says every problem at once and plainly, never a trace."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import socket
import warnings
from pathlib import Path
from typing import Any

import pytest

from kiosk.agent.main import run
from kiosk.agent.runtime import Kiosk

NOWHERE = "http://127.0.0.1:9"  # nothing answers


def kiosk_args(**given: object) -> argparse.Namespace:
    return argparse.Namespace(
        **{
            "config": None,
            "server": None,
            "token": "t" * 20,
            "token_file": None,
            "port": None,
            "fake_devices": None,
            **given,
        }
    )


async def test_a_layout_wider_than_the_printer_is_refused_before_any_ticket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nserver = "{NOWHERE}"\nstate_dir = "{tmp_path / "state"}"\n'
        '[printer]\nkind = "usb"\nvendor_id = 0x0416\nproduct_id = 0x5011\n'
        'profile = "ZJ-5870"\n',  # 58 mm paper; the layout is 80 mm by default
        encoding="utf-8",
    )
    args = kiosk_args(config=str(config))
    # Bounded only so that a kiosk that starts anyway fails the test instead of hanging it.
    assert await asyncio.wait_for(run(args), 60) == 1
    assert "576 dots wide; ZJ-5870 prints 384" in capsys.readouterr().err


async def test_every_problem_of_a_start_is_listed_at_once_with_its_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HALLQ_KIOSK_TOKEN", raising=False)
    monkeypatch.delenv("HALLQ_KIOSK_TOKEN_FILE", raising=False)
    blocked = tmp_path / "a-file"
    blocked.write_text("", encoding="utf-8")
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nstate_dir = "{blocked / "state"}"\n'
        '[scanner]\ndevice = "the scanner"\n'
        "[ticket]\ncut = true\n"
        '[printer]\nkind = "usb"\nvendor_id = 0x0416\nproduct_id = 0x5011\n'
        'profile = "ZJ-5870"\n',  # 58 mm and no cutter: neither the width nor the cut fits
        encoding="utf-8",
    )
    args = kiosk_args(config=str(config), token=None, token_file=str(tmp_path / "no.token"))
    assert await asyncio.wait_for(run(args), 60) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.splitlines()
    assert lines[0] == "hallq kiosk: bad kiosk config:"
    assert [line.split(":", 1)[0].strip() for line in lines[1:]] == [
        "scanner.device",
        "--token-file",  # with the config's problems, not after they are put right
    ]
    # The config fixed, what only a start finds is listed too, all of it.
    config.write_text(
        config.read_text(encoding="utf-8").replace('"the scanner"', '"port:usb-0:1.2"'),
        encoding="utf-8",
    )
    assert await asyncio.wait_for(run(args), 60) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(":", 1)[0].strip() for line in lines[1:]] == [
        "kiosk.server",
        "--token-file",
        "ticket.width",
        "ticket.cut",
        "kiosk.state_dir",
    ]
    assert "(or give --server URL)" in lines[1]
    assert f"cannot read {tmp_path / 'no.token'}" in lines[2]


async def test_a_config_without_a_printer_or_a_token_says_so_with_the_rest(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HALLQ_KIOSK_TOKEN", raising=False)
    monkeypatch.delenv("HALLQ_KIOSK_TOKEN_FILE", raising=False)
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[kiosk]\nstate_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    args = kiosk_args(config=str(config), server="hall:8080", token=None)
    assert await asyncio.wait_for(run(args), 60) == 1
    assert capsys.readouterr().err.splitlines()[1:] == [
        "  --server: must be an http:// or https:// URL, not 'hall:8080'",
        "  --token: missing: give --token TOKEN or --token-file FILE (the kiosk's token, from "
        "hallq device add NAME --role kiosk)",
        "  printer: missing table: say how the printer is connected (or use --fake-devices DIR)",
    ]


async def test_a_page_port_already_taken_is_said_plainly_and_lets_go_of_everything(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = kiosk_args(server=NOWHERE, port=port, fake_devices=str(tmp_path / "fake"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert await asyncio.wait_for(run(args), 60) == 1
            gc.collect()
    err = capsys.readouterr().err
    assert err == (
        f"hallq kiosk: the touchscreen page cannot use 127.0.0.1:{port} (Address already in "
        "use): is another kiosk agent running? Choose another with [kiosk] port or --port\n"
    )
    assert not [w for w in caught if issubclass(w.category, ResourceWarning)]


async def test_a_kiosk_whose_work_crashed_exits_non_zero_saying_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def crash(self: Any) -> None:
        raise RuntimeError("the hall view could not be read")

    monkeypatch.setattr(Kiosk, "run", crash)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    args = kiosk_args(server=NOWHERE, port=port, fake_devices=str(tmp_path / "fake"))
    with caplog.at_level(logging.ERROR, logger="kiosk.running"):
        # A kiosk left running with nothing working was never restarted by systemd.
        assert await asyncio.wait_for(run(args), 30) == 1
    assert "the hall view could not be read" in caplog.text


@pytest.mark.parametrize(
    ("text", "said"),
    [
        pytest.param(
            "created kiosk 'kiosk-1'\n"
            "its token is shown only this once; put it in the device's config:\n"
            "Zm9vYmFyYmF6cXV4cXV1eGNvcmdl\n",
            "holds 3 lines",
            id="all-that-device-add-prints",
        ),
        pytest.param(  # a terminal's bracketed paste
            "\x1b[200~Zm9vYmFyYmF6\x1b[201~\n", "holds a control character", id="escape"
        ),
        pytest.param("\ufeffZm9vYmFyYmF6", "holds a character a token never has", id="bom"),
    ],
)
async def test_a_token_file_holding_more_than_the_token_is_refused_with_the_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, said: str
) -> None:
    token_file = tmp_path / "kiosk.token"
    token_file.write_text(text, encoding="utf-8")
    args = kiosk_args(
        server="hall:8080", token=None, token_file=str(token_file), fake_devices=str(tmp_path)
    )
    assert await asyncio.wait_for(run(args), 60) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert err.splitlines()[1:] == [
        "  --server: must be an http:// or https:// URL, not 'hall:8080'",
        f"  --token-file: {said}; a token file holds the token alone "
        "(hallq device add ... | tail -n 1 > FILE)",
    ]
