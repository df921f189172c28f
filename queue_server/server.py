"""A running hall server: journal, accounts, service, hub and the web app on one socket."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import functools
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import aiosqlite
from aiohttp import web

from queue_server import logs, snapshots
from queue_server.accounts import AccountStore
from queue_server.clock import WallClock, system_clock
from queue_server.config.holiday_files import missing_years_notice
from queue_server.domain.hall import HallConfig
from queue_server.hub import Hub
from queue_server.ratings.history import UPSTREAM_NEWS, JournalRatings
from queue_server.ratings.protect import RaterVault
from queue_server.ratings.upstream.cursor import UpstreamCursor
from queue_server.ratings.upstream.outbox import UpstreamOutbox
from queue_server.ratings.upstream.provincial import ProvincialAdapter
from queue_server.service import SUPERVISE_SECONDS, HallService, Published
from queue_server.store.database import open_database
from queue_server.store.sqlite_log import SqliteEventLog
from queue_server.web import limits
from queue_server.web.app import create_app
from queue_server.web.context import Context
from queue_server.web.voice_routes import VOICE, load_voice

log = logging.getLogger(__name__)

WEBHOOK_TIMEOUT = aiohttp.ClientTimeout(total=5)


class HallServer:
    """Starts everything in order (journal before socket) and stops it in reverse."""

    def __init__(
        self,
        config: HallConfig,
        db_path: str | Path,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        clock: WallClock | None = None,
        snapshot_every: int = 5_000,
        voice_pack: str | Path | None = None,
        build_voice_pack: bool = False,
        supervise_every: float | None = SUPERVISE_SECONDS,
    ) -> None:
        self.config = config
        self.db_path = Path(db_path)
        self.host = host
        self.port = port
        self.snapshot_every = snapshot_every
        # The boards' voice (docs/voice.md): None, or a pack that cannot load, serves none.
        self.voice_pack = Path(voice_pack) if voice_pack is not None else None
        self.build_voice_pack = build_voice_pack
        self.journal = SqliteEventLog(self.db_path)
        self.hub = Hub()
        self.service = HallService(
            config,
            self.journal,
            clock=clock or system_clock(ZoneInfo(config.timezone)),
            publish=self._published,
            snapshot_every=snapshot_every,
            supervise_every=supervise_every,
            snapshot_apart=functools.partial(snapshots.make_apart, config, str(self.db_path)),
        )
        self.clock = self.service.clock  # the hall's time: never goes backwards
        self._accounts_db: aiosqlite.Connection | None = None
        self._accounts: AccountStore | None = None
        self._runner: web.AppRunner | None = None
        self.outbox: UpstreamOutbox | None = None  # set when ratings go upstream
        self._upstream_task: asyncio.Task[None] | None = None
        self._upstream_adapter: ProvincialAdapter | None = None
        self._webhook_tasks: set[asyncio.Task[None]] = set()

    @property
    def accounts_db(self) -> aiosqlite.Connection:
        assert self._accounts_db is not None, "the server is not started"
        return self._accounts_db

    @property
    def accounts(self) -> AccountStore:
        assert self._accounts is not None, "the server is not started"
        return self._accounts

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "") else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> None:
        await self.journal.open()
        self._accounts_db = await open_database(self.db_path)
        self._accounts = AccountStore(self._accounts_db, clock=lambda: dt.datetime.now(dt.UTC))
        await self.service.start()
        self.hub.seed(self.service.replayed_messages(), self.service.last_seq)
        log.info(
            "hall %s rebuilt at seq %d (%d events replayed)",
            self.config.name,
            self.service.last_seq,
            self.service.replayed_events,
        )
        self._warn_of_missing_holidays()
        ctx = Context(
            service=self.service,
            hub=self.hub,
            accounts=self._accounts,
            journal=self.journal,
            id_secret=await self._accounts.secret("id-hash"),
            rating_secret=await self._accounts.secret("rating-key"),
            raters=RaterVault(await self._accounts.secret("rater-seal")),
        )
        self._start_upstream(ctx.raters)
        app = create_app(ctx)
        voice = await asyncio.to_thread(
            load_voice, self.voice_pack, build_missing=self.build_voice_pack
        )
        if voice is not None:
            app[VOICE] = voice
        self._runner = web.AppRunner(
            app,
            shutdown_timeout=5,
            access_log_class=logs.AccessLogger,
            access_log=logs.ACCESS,
            max_line_size=limits.MAX_URL_BYTES,
            max_field_size=limits.MAX_HEADER_BYTES,
            keepalive_timeout=limits.IDLE_CONNECTION_SECONDS,
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:  # an ephemeral port, for tests: learn which one we got
            server = site._server
            assert server is not None and hasattr(server, "sockets")
            self.port = server.sockets[0].getsockname()[1]

    def _start_upstream(self, raters: RaterVault) -> None:
        """Report ratings to the province's system when the hall file asks for it."""
        settings = self.config.ratings.upstream
        if settings is None:
            return
        adapter = ProvincialAdapter(settings, tz=ZoneInfo(self.config.timezone))
        source = JournalRatings(self.journal, lambda: self.service.hall, raters)
        self.outbox = UpstreamOutbox(
            adapter, source, UpstreamCursor(self.accounts_db), batch=settings.batch
        )
        self._upstream_task = asyncio.create_task(self.outbox.run(), name="upstream")
        self._upstream_adapter = adapter

    def _warn_of_missing_holidays(self) -> None:
        """Said at every start while the calendar lacks a year the hall needs."""
        today = self.service.clock().astimezone(self.service.hall.tz).date()
        missing = self.config.ratings.calendar.missing_years(today)
        if missing:
            problem, fix = missing_years_notice(missing)
            log.warning("%s; %s", problem, fix)

    def _warn_of_uncounted_holidays(self, message: dict[str, Any]) -> None:
        """A case deadline just counted into a year without its holidays may fall on one."""
        calendar = self.config.ratings.calendar
        for name, deadline in _deadlines_counted(message):
            year = int(deadline[:4])
            if not calendar.covers(year):
                problem, fix = missing_years_notice([year])
                log.warning(
                    "case %s: the %s deadline %s may be early, %s; %s",
                    message["case"]["id"],
                    name,
                    deadline[:10],
                    problem,
                    fix,
                )

    def _published(self, published: Sequence[Published]) -> None:
        self.hub.publish(published)
        logs.journal_written((p.seq, str(p.any_message.get("type"))) for p in published)
        for item in published:
            self._warn_of_uncounted_holidays(item.any_message)
        kinds = [p.any_message.get("type") for p in published]
        if self.outbox is not None and UPSTREAM_NEWS.intersection(kinds):
            self.outbox.notify()
        webhook = self.config.alerts.webhook
        if webhook is not None:
            for item in published:
                if item.any_message.get("type") == "alert.raised":
                    task = asyncio.create_task(self._tell_webhook(webhook, item.any_message))
                    self._webhook_tasks.add(task)
                    task.add_done_callback(self._webhook_tasks.discard)

    async def _tell_webhook(self, url: str, message: dict[str, Any]) -> None:
        """POST a raised alert to the hall's webhook; a failure is logged, never retried
        (the alert stays on the manager console and in GET /api/v1/alerts)."""
        try:
            async with (
                aiohttp.ClientSession(timeout=WEBHOOK_TIMEOUT) as session,
                session.post(url, json=message["alert"]) as answer,
            ):
                if answer.status >= 300:
                    log.warning("alert webhook %s answered %d", url, answer.status)
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.warning("alert webhook %s failed: %s", url, exc or type(exc).__name__)

    async def stop(self) -> None:
        if self._upstream_task is not None:
            self._upstream_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._upstream_task
            self._upstream_task = None
        if self._upstream_adapter is not None:
            await self._upstream_adapter.close()
            self._upstream_adapter = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        await self.service.stop()
        await self.journal.close()
        if self._accounts_db is not None:
            await self._accounts_db.close()
            self._accounts_db = None

    async def healthy(self) -> bool:
        """The watchdog's question: is the writer running, and does the database answer?"""
        if self._accounts_db is None or not self.service.running:
            return False
        async with self._accounts_db.execute("SELECT 1") as cursor:
            return await cursor.fetchone() == (1,)


def _deadlines_counted(message: dict[str, Any]) -> list[tuple[str, str]]:
    """(name, local ISO time) of each case deadline the change in `message` has counted."""
    kind = message.get("type")
    if kind == "case.opened":
        names: tuple[str, ...] = ("verify", "rectify")
    elif kind == "case.advanced" and message.get("action") == "rectify":
        names = ("callback",)
    else:
        return []
    deadlines = message["case"]["deadlines"]
    return [(name, deadlines[name]) for name in names if deadlines.get(name)]
