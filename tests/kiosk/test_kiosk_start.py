"""`hallq kiosk` refuses at start a ticket layout its printer cannot print."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

import pytest

from kiosk.agent.main import run


async def test_a_layout_wider_than_the_printer_is_refused_before_any_ticket(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'[kiosk]\nserver = "http://127.0.0.1:9"\nstate_dir = "{tmp_path / "state"}"\n'
        '[printer]\nkind = "usb"\nvendor_id = 0x0416\nproduct_id = 0x5011\n'
        'profile = "ZJ-5870"\n',  # 58 mm paper; the layout is 80 mm by default
        encoding="utf-8",
    )
    args = argparse.Namespace(
        config=str(config),
        server=None,
        token="t" * 20,
        token_file=None,
        port=None,
        fake_devices=None,
    )
    # Bounded only so that a kiosk that starts anyway fails the test instead of hanging it.
    assert await asyncio.wait_for(run(args), 60) == 1
    assert "576 dots wide; ZJ-5870 prints 384" in capsys.readouterr().err
