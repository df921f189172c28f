"""A small ESC/POS decoder for tests: raster images, GB18030 text runs, QR payloads, cuts.

It reads a stream as a printer does: NUL is ignored, `ESC @` resets the style, and a block
with a declared length takes that many bytes whatever they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from PIL import Image, ImageOps

NUL, ESC, GS, FS, DLE, LF = 0x00, 0x1B, 0x1D, 0x1C, 0x10, 0x0A
# Commands with a fixed number of argument bytes after their two-byte prefix.
_FIXED = {
    (ESC, ord("@")): 0,  # initialise
    (ESC, ord("2")): 0,  # default line spacing
    (FS, ord("&")): 0,  # Chinese mode on
    (FS, ord(".")): 0,  # Chinese mode off
    (DLE, 0x04): 1,  # real-time status request
    **{(ESC, ord(c)): 1 for c in ["a", "E", "!", "-", "M", "t", "d", "3", "{", "G", "J", "r"]},
    **{(GS, ord(c)): 1 for c in ["!", "B", "b", "|"]},
}


@dataclass(frozen=True)
class TextRun:
    """One line of text with the style it was printed in."""

    text: str
    align: int = 0  # ESC a: 0 left, 1 centre, 2 right
    bold: bool = False
    print_mode: int = 0  # ESC !: 0x10 double height, 0x20 double width
    inverted: bool = False


@dataclass
class Decoded:
    rasters: list[Image.Image] = field(default_factory=list)  # each GS v 0 block, black = 0
    texts: list[TextRun] = field(default_factory=list)
    qr_payloads: list[str] = field(default_factory=list)  # GS ( k, function 80 (store)
    qr_settings: dict[int, int] = field(default_factory=dict)  # function -> its argument
    cuts: list[bytes] = field(default_factory=list)  # the bytes after GS V
    commands: list[bytes] = field(default_factory=list)  # every command, in order
    unknown: list[bytes] = field(default_factory=list)
    incomplete: bytes = b""  # a command cut off by the end of the stream, still awaiting bytes

    def image(self) -> Image.Image:
        """The raster blocks stacked, as python-escpos splits tall images into bands."""
        width = self.rasters[0].width
        whole = Image.new("1", (width, sum(r.height for r in self.rasters)), 1)
        y = 0
        for raster in self.rasters:
            assert raster.width == width, "bands of one image have one width"
            whole.paste(raster, (0, y))
            y += raster.height
        return whole


def decode(data: bytes) -> Decoded:
    out = Decoded()
    initial_style = {"a": 0, "E": 0, "!": 0, "B": 0}
    style = dict(initial_style)
    text = bytearray()
    i = 0

    def flush() -> None:
        if text:
            out.texts.append(
                TextRun(
                    text.decode("gb18030", errors="replace"),  # as a printer prints it
                    style["a"],
                    bool(style["E"]),
                    style["!"],
                    bool(style["B"]),
                )
            )
            text.clear()

    while i < len(data):
        byte = data[i]
        if byte == NUL:
            i += 1
            continue
        if byte not in (ESC, GS, FS, DLE, LF):
            text.append(byte)
            i += 1
            continue
        flush()
        if byte == LF:
            i += 1
            continue
        if _declared_end(data, i) > len(data):
            out.incomplete = data[i:]
            break
        key = (byte, data[i + 1])
        if key in _FIXED:
            end = i + 2 + _FIXED[key]
            if key == (ESC, ord("@")):
                style = dict(initial_style)
            elif key[0] in (ESC, GS) and chr(key[1]) in style:
                style[chr(key[1])] = data[end - 1]
        elif key == (GS, ord("V")):
            end = i + (4 if data[i + 2] in (65, 66) else 3)
            out.cuts.append(data[i + 2 : end])
        elif key == (GS, ord("v")) and data[i + 2] == ord("0"):
            width_bytes = int.from_bytes(data[i + 4 : i + 6], "little")
            height = int.from_bytes(data[i + 6 : i + 8], "little")
            end = i + 8 + width_bytes * height
            bits = data[i + 8 : end]
            # Raster bits are 1 for black; PIL's mode "1" is 0 for black.
            raster = Image.frombytes("1", (width_bytes * 8, height), bits)
            out.rasters.append(ImageOps.invert(raster.convert("L")).convert("1"))
        elif key == (GS, ord("(")) and data[i + 2] == ord("k"):
            length = int.from_bytes(data[i + 3 : i + 5], "little")
            end = i + 5 + length
            cn, fn, body = data[i + 5], data[i + 6], data[i + 7 : end]
            assert cn == 49, f"GS ( k for symbol {cn}, not QR"
            if fn == 80:
                out.qr_payloads.append(body[1:].decode("utf-8"))
            elif body:
                out.qr_settings[fn] = body[-1]
        else:
            out.unknown.append(data[i : i + 2])
            i += 2
            continue
        out.commands.append(data[i:end])
        i = end
    flush()
    return out


def _declared_end(data: bytes, i: int) -> int:
    """Where the command at `i` ends as far as its header tells, or past the end of `data`
    when even the header is cut off."""
    header = data[i : i + 8]
    if len(header) < 2:
        return len(data) + 1
    if header[:3] == b"\x1dv0":
        if len(header) < 8:
            return len(data) + 1
        width_bytes = int.from_bytes(header[4:6], "little")
        return i + 8 + width_bytes * int.from_bytes(header[6:8], "little")
    if header[:3] == b"\x1d(k":
        if len(header) < 5:
            return len(data) + 1
        return i + 5 + int.from_bytes(header[3:5], "little")
    if header[:2] == b"\x1dV":
        return i + (4 if header[2:3] in (b"A", b"B") else 3)
    key = (header[0], header[1])
    return i + 2 + _FIXED.get(key, 0)
