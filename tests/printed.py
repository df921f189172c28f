"""What a printer got: the ticket ids in the QR codes of ESC/POS jobs, read back with zbar."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from escpos_decode import decode
from PIL import Image


def qr_codes(image: Image.Image, folder: Path) -> list[str]:
    """Every QR code zbarimg reads in `image`; the test is skipped without zbar-tools."""
    zbarimg = shutil.which("zbarimg")
    if zbarimg is None:
        pytest.skip("zbarimg (zbar-tools) is not installed")
    path = folder / "scanned.png"
    image.save(path)
    done = subprocess.run(
        [zbarimg, "--quiet", "--raw", str(path)], capture_output=True, text=True, check=False
    )
    return done.stdout.splitlines()


def printed_ticket_ids(jobs: list[bytes], folder: Path) -> list[str]:
    """The ticket id of each job, from the phone URL (…/t/ID?k=KEY) in its QR code."""
    ids = []
    for job in jobs:
        (url,) = qr_codes(decode(job).image(), folder)
        page, _, key = url.rsplit("/t/", 1)[1].partition("?k=")
        assert key, f"the QR {url} carries no rating key"
        ids.append(page)
    return ids
