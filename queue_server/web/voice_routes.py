"""Voice for the call boards and kiosks: announcements and phrases from the pack, as WAV.

A speaking board fetches `GET /voice/announcement.wav?kind=call&number=A012&window=3
[&speaker=floor-1]` for each call it is to speak and plays the answers one at a time
(static/voice.js); a kiosk fetches `GET /voice/phrase.wav?text=请取走您的号票` for its voice
guidance. `GET /voice/speakers` publishes the hall's texts and speaker groups. The server
holds the pack (display.voice) and keeps the last assembled WAVs in a small LRU.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import web

from display.voice.builder import build_pack
from display.voice.errors import VoiceError
from display.voice.pack import MANIFEST, VoicePack
from display.voice.script import DEFAULT_TEMPLATES, Call, CallKind, Templates, read_phrase
from queue_server.domain.hall import HallConfig, SpeakerGroup
from queue_server.web.context import context
from queue_server.web.replies import reply
from queue_server.web.requests import InvalidRequest

log = logging.getLogger(__name__)

routes = web.RouteTableDef()

ANNOUNCEMENT = "/voice/announcement.wav"
PHRASE = "/voice/phrase.wav"
NO_PACK = "this server has no voice pack (hallq serve --voice-pack; see docs/voice.md)"
CACHE_SIZE = 64  # assembled announcements kept; a burst of recalls hits the cache
MAX_PHRASE = 100  # characters: a kiosk's guidance is a sentence, not a speech
TICKET_NUMBER = re.compile(r"[A-Z][0-9]{3,4}")
# Which query fields each kind needs besides `kind` and the optional `speaker`.
FIELDS: dict[CallKind, tuple[str, ...]] = {
    CallKind.CALL: ("number", "window"),
    CallKind.RECALL: ("number", "window"),
    CallKind.PAUSE: ("window",),
    CallKind.WELCOME: (),
}


@dataclass(frozen=True)
class Speech:
    """The texts one area speaks with: a template per kind and the gap between segments."""

    templates: tuple[tuple[str, str], ...]  # (kind, template), hashable to key a cache
    gap_ms: int

    @classmethod
    def of(cls, *layers: Mapping[str, str], gap_ms: int) -> Speech:
        """Templates from the defaults up, each layer overriding the ones before."""
        merged = {kind.value: text for kind, text in DEFAULT_TEMPLATES.items()}
        for layer in layers:
            merged.update(layer)
        return cls(tuple(merged.items()), gap_ms)


def hall_speech(hall: HallConfig) -> Speech:
    """The hall's own texts: its templates over the defaults."""
    return Speech.of(hall.voice.templates, gap_ms=hall.voice.gap_ms)


def group_speech(hall: HallConfig, group: SpeakerGroup) -> Speech:
    """A speaker group's texts: its own over the hall's."""
    gap = hall.voice.gap_ms if group.gap_ms is None else group.gap_ms
    return Speech.of(hall.voice.templates, group.templates, gap_ms=gap)


def published_speakers(hall: HallConfig) -> dict[str, Any]:
    """GET /voice/speakers: what boards and display agents need to speak like the server."""
    speech = hall_speech(hall)
    groups = []
    for group in hall.speaker_groups():
        own = group_speech(hall, group)
        groups.append(
            {
                "id": group.id,
                "name": group.name,
                "floors": list(group.floors),
                "windows": list(group.windows),
                "templates": dict(own.templates),
                "gap_ms": own.gap_ms,
            }
        )
    return {
        "templates": dict(speech.templates),
        "gap_ms": speech.gap_ms,
        "phrases": list(hall.voice.phrases),
        "speakers": groups,
    }


class Voice:
    """A loaded pack, the hall's parsed templates per area and an LRU of assembled WAVs."""

    def __init__(self, pack: VoicePack, *, cache_size: int = CACHE_SIZE) -> None:
        self.pack = pack
        self.cache_size = cache_size
        self._cache: OrderedDict[tuple[tuple[str, ...], int], bytes] = OrderedDict()
        self._parsed: dict[Speech, Templates] = {}

    def templates(self, speech: Speech) -> Templates:
        """`speech`'s templates parsed with this pack's phrases, once per distinct text."""
        parsed = self._parsed.get(speech)
        if parsed is None:
            parsed = Templates(dict(speech.templates), phrases=self.pack.phrases)
            self._parsed[speech] = parsed
        return parsed

    def wav(self, call: Call, speech: Speech) -> bytes:
        """The announcement for `call` as one WAV; segments the pack lacks are skipped, logged."""
        script = self.templates(speech).script(call)
        lacking = self.pack.missing(script)
        if lacking:
            log.warning(
                "voice pack %r has no segment for %s; announcing %s without them",
                self.pack.name,
                list(lacking),
                call,
            )
            script = tuple(name for name in script if name not in lacking)
        return self.assemble(script, speech.gap_ms)

    def phrase(self, text: str, gap_ms: int) -> bytes:
        """`text` spoken entirely with the pack's segments; TemplateError when it cannot be."""
        return self.assemble(read_phrase(text, self.pack.names), gap_ms)

    def assemble(self, script: tuple[str, ...], gap_ms: int) -> bytes:
        key = (script, gap_ms)
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            return cached
        data = self.pack.assemble(script, gap_ms=gap_ms)
        self._cache[key] = data
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


def _single(request: web.Request) -> None:
    for name in request.query:
        if len(request.query.getall(name)) > 1:
            raise InvalidRequest(name, "given more than once")


def _speech(request: web.Request) -> Speech:
    """The `speaker` group's texts, or the hall's without one; 422 for an unknown group."""
    hall = context(request).service.config
    speaker = request.query.get("speaker")
    if speaker is None:
        return hall_speech(hall)
    groups = {g.id: g for g in hall.speaker_groups()}
    if speaker not in groups:
        known = ", ".join(groups) or "none"
        raise InvalidRequest("speaker", f"not a speaker group of this hall (its groups: {known})")
    return group_speech(hall, groups[speaker])


def _call(request: web.Request) -> Call:
    """The call the query describes, strictly: 422 naming the first bad field."""
    query = request.query
    _single(request)
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
        if name not in ("kind", "speaker") and name not in wanted:
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


def _wav(request: web.Request, data: bytes) -> web.Response:
    """The WAV, which a board may keep but must check again before playing: a hall that
    changed its templates or pack and restarted is heard in the new words at once. The check
    costs a 304 without a body while the words are the same."""
    tag = f'"{hashlib.blake2b(data, digest_size=16).hexdigest()}"'
    headers = {"Cache-Control": "no-cache", "ETag": tag}
    if tag in request.headers.get("If-None-Match", "").split(", "):
        return web.Response(status=304, headers=headers)
    return web.Response(body=data, content_type="audio/wav", headers=headers)


@routes.get(ANNOUNCEMENT)
async def announcement(request: web.Request) -> web.Response:
    """One announcement as mono PCM WAV, in the hall's (or the speaker group's) words."""
    call = _call(request)
    speech = _speech(request)
    voice = request.app.get(VOICE)
    if voice is None:
        return _unavailable(NO_PACK)
    try:
        data = voice.wav(call, speech)
    except VoiceError as exc:  # a script the pack cannot speak at all
        log.warning("cannot assemble the announcement for %s: %s", call, exc)
        return _unavailable(str(exc))
    return _wav(request, data)


@routes.get(PHRASE)
async def phrase(request: web.Request) -> web.Response:
    """A guidance phrase (请取走您的号票) as WAV, for a kiosk's elderly mode."""
    _single(request)
    for name in request.query:
        if name != "text":
            raise InvalidRequest(name, "not a field of a phrase (only text)")
    text = request.query.get("text", "")
    if not text.strip():
        raise InvalidRequest("text", "required")
    if len(text) > MAX_PHRASE:
        raise InvalidRequest("text", f"longer than {MAX_PHRASE} characters")
    voice = request.app.get(VOICE)
    if voice is None:
        return _unavailable(NO_PACK)
    try:
        data = voice.phrase(text, context(request).service.config.voice.gap_ms)
    except VoiceError as exc:
        raise InvalidRequest("text", f"the voice pack cannot speak it: {exc}") from None
    return _wav(request, data)


@routes.get("/voice/speakers")
async def speakers(request: web.Request) -> web.Response:
    """The hall's texts and speaker groups; public, and served with or without a pack."""
    return reply(published_speakers(context(request).service.config))


@routes.get("/voice/pack")
async def pack_info(request: web.Request) -> web.Response:
    """Which pack the server speaks with and its phrases, or 503 voice_unavailable."""
    voice = request.app.get(VOICE)
    if voice is None:
        return _unavailable(NO_PACK)
    fmt = voice.pack.format
    return reply(
        {
            "name": voice.pack.name,
            "segments": len(voice.pack.names),
            "phrases": list(voice.pack.phrases),
            "format": {
                "channels": fmt.channels,
                "sample_width": fmt.sample_width,
                "frame_rate": fmt.frame_rate,
            },
        }
    )
