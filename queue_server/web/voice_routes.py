"""Voice for the call boards: announcements assembled from the voice pack, served as WAV.

A board opened with `?speak=1` fetches `GET /voice/announcement.wav?kind=call&number=A012&
window=3` for each call it receives and plays the answers one at a time (static/voice.js).
The server holds the pack (display.voice) and keeps the last assembled WAVs in a small LRU.
"""

from __future__ import annotations

import logging
import re
import shutil
from collections import OrderedDict
from pathlib import Path

from aiohttp import web

from display.voice.builder import build_pack
from display.voice.errors import VoiceError
from display.voice.pack import MANIFEST, VoicePack
from display.voice.script import Call, CallKind, Templates
from queue_server.web.context import context
from queue_server.web.replies import reply
from queue_server.web.requests import InvalidRequest

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

ANNOUNCEMENT = "/voice/announcement.wav"
NO_PACK = "this server has no voice pack (hallq serve --voice-pack; see docs/voice.md)"
CACHE_SIZE = 64  # assembled announcements kept; a burst of recalls hits the cache
TICKET_NUMBER = re.compile(r"[A-Z][0-9]{3,4}")
# Which query fields each kind needs; no other field is accepted.
FIELDS: dict[CallKind, tuple[str, ...]] = {
    CallKind.CALL: ("number", "window"),
    CallKind.RECALL: ("number", "window"),
    CallKind.PAUSE: ("window",),
    CallKind.WELCOME: (),
}


class Voice:
    """A loaded pack, its templates and an LRU of assembled WAVs, keyed by the call."""

    def __init__(
        self, pack: VoicePack, templates: Templates | None = None, *, cache_size: int = CACHE_SIZE
    ) -> None:
        self.pack = pack
        self.templates = templates or Templates(phrases=pack.phrases)
        self.cache_size = cache_size
        self._cache: OrderedDict[Call, bytes] = OrderedDict()

    def wav(self, call: Call) -> bytes:
        """The announcement for `call` as one WAV; segments the pack lacks are skipped, logged."""
        cached = self._cache.get(call)
        if cached is not None:
            self._cache.move_to_end(call)
            return cached
        script = self.templates.script(call)
        lacking = self.pack.missing(script)
        if lacking:
            log.warning(
                "voice pack %r has no segment for %s; announcing %s without them",
                self.pack.name,
                list(lacking),
                call,
            )
            script = tuple(name for name in script if name not in lacking)
        data = self.pack.assemble(script)
        self._cache[call] = data
        if len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return data


VOICE = web.AppKey("voice", Voice)


def load_voice(folder: Path | None, *, build_missing: bool = False) -> Voice | None:
    """The voice in `folder`, building the default pack there first if asked and it has none.

    Never raises: a pack that cannot be built or loaded is logged and the server runs silent.
    """
    if folder is None:
        return None
    if not (folder / MANIFEST).is_file():
        if not build_missing:
            log.warning("no voice pack in %s (no %s); the boards will not speak", folder, MANIFEST)
            return None
        lacking = [tool for tool in ("espeak-ng", "sox") if shutil.which(tool) is None]
        if lacking:
            log.warning(
                "no voice pack in %s and cannot build the default one: %s not installed "
                "(Debian packages espeak-ng and sox); the boards will not speak",
                folder,
                " and ".join(lacking),
            )
            return None
        log.info("building the default voice pack in %s", folder)
        try:
            build_pack(folder)
        except (VoiceError, OSError) as exc:
            log.warning("cannot build the default voice pack: %s; the boards will not speak", exc)
            return None
    try:
        pack = VoicePack.load(folder)
    except (VoiceError, OSError) as exc:
        log.warning("cannot load the voice pack: %s; the boards will not speak", exc)
        return None
    log.info("voice pack %r loaded from %s (%d segments)", pack.name, folder, len(pack.names))
    return Voice(pack)


def _unavailable(message: str) -> web.Response:
    return reply({"error": {"code": "voice_unavailable", "message": message}}, status=503)


def _call(request: web.Request) -> Call:
    """The call the query describes, strictly: 422 naming the first bad field."""
    query = request.query
    for name in query:
        if len(query.getall(name)) > 1:
            raise InvalidRequest(name, "given more than once")
    raw_kind = query.get("kind")
    if raw_kind is None:
        raise InvalidRequest("kind", "required (call, recall, pause or welcome)")
    try:
        kind = CallKind(raw_kind)
    except ValueError:
        known = ", ".join(k.value for k in CallKind)
        raise InvalidRequest("kind", f"must be one of {known}") from None
    wanted = FIELDS[kind]
    for name in query:
        if name != "kind" and name not in wanted:
            raise InvalidRequest(name, f"not a field of a {kind.value} announcement")
    number = window = ""
    if "number" in wanted:
        number = query.get("number", "")
        if not number:
            raise InvalidRequest("number", "required")
        if not TICKET_NUMBER.fullmatch(number):
            raise InvalidRequest("number", "must be a ticket number like A012 ([A-Z][0-9]{3,4})")
    if "window" in wanted:
        window = query.get("window", "")
        if not window:
            raise InvalidRequest("window", "required")
        windows = {w.id for w in context(request).service.config.windows}
        if window not in windows:
            raise InvalidRequest("window", "not a window of this hall")
    return Call(kind, number, window)


@routes.get(ANNOUNCEMENT)
async def announcement(request: web.Request) -> web.Response:
    """One announcement as mono PCM WAV, for a speaking board to play."""
    call = _call(request)
    voice = request.app.get(VOICE)
    if voice is None:
        return _unavailable(NO_PACK)
    try:
        data = voice.wav(call)
    except VoiceError as exc:  # a script the pack cannot speak at all
        log.warning("cannot assemble the announcement for %s: %s", call, exc)
        return _unavailable(str(exc))
    return web.Response(
        body=data,
        content_type="audio/wav",
        headers={"Cache-Control": "public, max-age=3600"},
    )


@routes.get("/voice/pack")
async def pack_info(request: web.Request) -> web.Response:
    """Which pack the server speaks with, or 503 voice_unavailable without one."""
    voice = request.app.get(VOICE)
    if voice is None:
        return _unavailable(NO_PACK)
    fmt = voice.pack.format
    return reply(
        {
            "name": voice.pack.name,
            "segments": len(voice.pack.names),
            "format": {
                "channels": fmt.channels,
                "sample_width": fmt.sample_width,
                "frame_rate": fmt.frame_rate,
            },
        }
    )
