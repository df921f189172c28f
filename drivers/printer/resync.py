"""Bringing a printer's command parser back in step after a write was cut off part-way.

A write cut off inside a block with a declared length (a `GS v 0` raster band, a `GS ( k`
QR store) leaves the printer waiting for the rest of the block: whatever comes next, the next
job's `ESC @` included, is taken as image data. `ESC @` cannot end the block, since it is
only recognised once the block is complete.

Epson's real-time `DLE DC4 8` ("clear buffers") is not the way out: Epson's own references say
it must not be embedded in another command's data and is ignored while block data is being
received, which is exactly this state; it answers with three bytes (37 25 00) that would be
read as a status answer; and the cheap printers sold in China (Xprinter, Rongta, POS-58/80
clones) document `DLE DC4` only for the drawer pulse, if at all.

What every ESC/POS printer does is count the block's bytes. Zeros finish it (a white end of
the band), and zeros beyond it are NUL, which ESC/POS ignores in standard mode; `ESC @` then
resets the modes. How many bytes got through is unknown (pyusb and `sendall` report none on a
time-out), but no block in a write can need more bytes than the whole write, so as many zeros
as the cut-off write had is always enough.
"""

from __future__ import annotations

NUL = b"\x00"
INITIALISE = b"\x1b@"


def resync_bytes(cut_off_length: int) -> bytes:
    """What to send before anything else after a write of `cut_off_length` bytes failed."""
    return NUL * cut_off_length + INITIALISE
