"""The announcer: a queue of announcements played one at a time through one AudioOutput."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from types import TracebackType

from display.voice.errors import AnnouncerFull
from display.voice.pack import DEFAULT_GAP_MS, VoicePack
from display.voice.script import Call, Templates
from drivers.audio.base import AudioError, AudioOutput

log = logging.getLogger(__name__)

# Far beyond any real hall's backlog: reaching it means something upstream is looping.
MAX_PENDING = 1000


class Announcer:
    """Plays announcements in the order given, never two at once, never dropping one.

    An announcement given an expiry (`now`'s clock) is dropped, logged, if its turn comes
    after it: after a burst at many windows a call spoken minutes late misleads the citizen.
    """

    def __init__(
        self,
        pack: VoicePack,
        output: AudioOutput,
        templates: Templates | None = None,
        *,
        max_pending: int = MAX_PENDING,
        gap_ms: int = DEFAULT_GAP_MS,
        now: Callable[[], float] = time.time,
    ) -> None:
        self.pack = pack
        self.output = output
        self.templates = templates or Templates(phrases=pack.phrases)
        self.gap_ms = gap_ms
        self.now = now
        self._queue: asyncio.Queue[tuple[tuple[str, ...], float | None]] = asyncio.Queue(
            max_pending
        )
        self._task: asyncio.Task[None] | None = None

    def announce(self, call: Call, *, expires: float | None = None) -> tuple[str, ...]:
        """Queue `call` and return its segment names at once; playback happens in the background.

        `expires` (on the `now` clock) is when the call is too old to speak; None never expires.
        Raises ScriptError if the call cannot be read and AnnouncerFull if the queue is full.
        """
        script = self.templates.script(call)
        try:
            self._queue.put_nowait((script, expires))
        except asyncio.QueueFull:
            raise AnnouncerFull(
                f"{self._queue.maxsize} announcements are already waiting; refusing {call}"
            ) from None
        return script

    @property
    def pending(self) -> int:
        """Announcements queued and not yet finished."""
        return self._queue.qsize()

    def start(self) -> None:
        """Start the playing task (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="hallq-announcer")

    async def drain(self) -> None:
        """Wait until every announcement queued so far has been played (or has failed)."""
        await self._queue.join()

    async def close(self) -> None:
        """Stop playing; announcements still queued are not played."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def __aenter__(self) -> Announcer:
        self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def _run(self) -> None:
        while True:
            script, expires = await self._queue.get()
            try:
                if expires is not None and self.now() > expires:
                    log.info(
                        "not speaking %s: its turn came %.0f s too late",
                        "".join(script),
                        self.now() - expires,
                    )
                    continue
                await self._speak(script)
            except AudioError as exc:
                log.warning(
                    "announcement %s not played on %s: %s", "".join(script), self.output.name, exc
                )
            except Exception:
                # One bad announcement must not silence the hall for the rest of the day.
                log.exception("announcement %s failed", "".join(script))
            finally:
                self._queue.task_done()

    async def _speak(self, script: tuple[str, ...]) -> None:
        missing = self.pack.missing(script)
        if missing:
            # A partial announcement (请 A 零 一 二 号…) still tells the citizen more than none.
            log.warning(
                "voice pack %r lacks %s; skipping them in %s",
                self.pack.name,
                list(missing),
                "".join(script),
            )
            script = tuple(name for name in script if name not in missing)
            if not script:
                return
        await self.output.play(self.pack.assemble(script, gap_ms=self.gap_ms))
